/**
 * A module that loads on first use: what jest's `moduleNameMapper` puts in place of a dependency that the Pulumi SDK
 * requires when it loads but uses only to serialize a function's closure (`typescript` to parse it,
 * `@npmcli/arborist` to find the packages it needs). The tests never serialize one (dynamic providers name their
 * module instead), and every test file pays for its own module registry: loading both is half a second per file.
 *
 * Plain JavaScript, so that jest loads it without a transform.
 */
"use strict";
const { dirname } = require("node:path");

/** A stand-in for the package `name` that requires it when a property other than `__esModule` is first read. */
function lazyModule(name) {
  let loaded;
  // "<name>/package.json" escapes the mapping of "<name>", so this requires the real package.
  const load = () => (loaded ??= require(dirname(require.resolve(`${name}/package.json`))));
  return new Proxy(
    {},
    {
      get: (_, key) => (key === "__esModule" ? true : load()[key]),
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

module.exports = { lazyModule };
