/**
 * Modules that load on first use. The Pulumi SDK requires two packages when it loads that it uses only to serialize
 * a function's closure: `typescript` to parse the function, `@npmcli/arborist` to find the packages it needs. Loading
 * them is half a second, more than the SDK itself; the offline plan and the policy pack never serialize a closure,
 * and the tests pay it once per test file. `tools/register.js` (Node) and jest's `moduleNameMapper` put a stand-in in
 * their place that loads the real package the first time anything reads from it, so a program that does serialize
 * a closure still gets the real one.
 *
 * Plain JavaScript, so that Node and jest load it without a transform.
 */
"use strict";

/** A stand-in for the module `load()` returns, which calls it when a property other than `__esModule` is first read. */
function lazyModule(loadModule) {
  let loaded;
  const load = () => (loaded ??= loadModule());
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

/** The packages {@link lazyModule} stands in for. */
const DEFERRED = ["typescript", "@npmcli/arborist"];

module.exports = { lazyModule, DEFERRED };
