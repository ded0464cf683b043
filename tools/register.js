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
 * Transpiled files are kept in `node_modules/.cache/foundation-swc/` (or `$FOUNDATION_TRANSPILE_CACHE`), named by
 * the hash of everything the output depends on: swc's version, the options, the file's path (the source map names it)
 * and its text. A run whose sources are all cached does not load swc at all; an edited file is a new name.
 *
 * Plain JavaScript, so that nothing has to load it.
 */
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { join, sep } = require("node:path");
const Module = require("node:module");
const { DEFERRED, lazyModule } = require("./lazy-module");

/** The transform: TypeScript syntax in, CommonJS ES2022 out, as tsconfig.json's target and module say. */
const OPTIONS = {
  jsc: { parser: { syntax: "typescript" }, target: "es2022", keepClassNames: true },
  module: { type: "commonjs", strictMode: true },
  sourceMaps: "inline",
  swcrc: false,
  configFile: false,
};

const CACHE_DIR =
  process.env.FOUNDATION_TRANSPILE_CACHE || join(__dirname, "..", "node_modules", ".cache", "foundation-swc");
const CACHE_SALT = `${require("@swc/core/package.json").version}\0${JSON.stringify(OPTIONS)}`;
let swc;

/** The CommonJS of `source`, from the cache or transpiled (and then cached). */
function transpile(source, filename) {
  const key = createHash("sha256").update(CACHE_SALT).update("\0").update(filename).update("\0").update(source);
  const cached = join(CACHE_DIR, `${key.digest("hex")}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    // Not cached yet.
  }
  swc ??= require("@swc/core");
  const { code } = swc.transformSync(source, { ...OPTIONS, filename });
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed, so a process running beside this one never reads half a file.
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, code);
    renameSync(partial, cached);
  } catch {
    // A read-only checkout transpiles every time.
  }
  return code;
}

Module._extensions[".ts"] = function compileTypeScript(module, filename) {
  module._compile(transpile(readFileSync(filename, "utf8"), filename), filename);
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
