/**
 * Runs this repository's TypeScript under Node: `node -r ./tools/register.js file.ts`.
 *
 * Each `.ts` file is transpiled on load by swc (types are stripped, not checked: `npm run typecheck` checks them),
 * with the repository's compiler target and CommonJS modules. It is what the offline plan, the CLIs, the engine run's
 * plugins and the Pulumi program itself (through `Pulumi.yaml`'s `nodeargs`) load code with: ts-node type-checks or
 * loads the TypeScript compiler on every start, which cost the plan more than its own work.
 *
 * Stack traces point into the TypeScript sources: each file carries an inline source map, and Node applies them
 * (`process.setSourceMapsEnabled`) once an error's stack is read, so the cost is paid only by errors that are shown.
 *
 * Plain JavaScript, so that nothing has to load it.
 */
"use strict";
const { readFileSync } = require("node:fs");
const { sep } = require("node:path");
const Module = require("node:module");
const { transformSync } = require("@swc/core");
const { DEFERRED, lazyModule } = require("./lazy-module");

/** The transform: TypeScript syntax in, CommonJS ES2022 out, as tsconfig.json's target and module say. */
const OPTIONS = {
  jsc: { parser: { syntax: "typescript" }, target: "es2022", keepClassNames: true },
  module: { type: "commonjs", strictMode: true },
  sourceMaps: "inline",
  swcrc: false,
  configFile: false,
};

Module._extensions[".ts"] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, "utf8"), { ...OPTIONS, filename });
  module._compile(code, filename);
};

// What the Pulumi SDK loads only to serialize closures loads when first used (see lazy-module.js). A package that
// cannot be resolved fails here, as it would have, so the SDK's fallback for a missing TypeScript still applies.
const load = Module._load;
const deferred = new Map();
Module._load = function loadDeferred(request, parent, isMain) {
  if (!DEFERRED.includes(request) || !parent?.filename?.includes(`${sep}@pulumi${sep}pulumi${sep}`)) {
    return load.call(this, request, parent, isMain);
  }
  const filename = Module._resolveFilename(request, parent, isMain);
  if (!deferred.has(filename))
    deferred.set(
      filename,
      lazyModule(() => load.call(this, filename, parent, isMain)),
    );
  return deferred.get(filename);
};

if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);
