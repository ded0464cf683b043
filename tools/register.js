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
const Module = require("node:module");
const { transformSync } = require("@swc/core");

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

if (process.argv.includes("--debug")) process.setSourceMapsEnabled(true);
