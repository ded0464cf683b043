"use strict";
const { dirname } = require("node:path");
const { lazyModule } = require("../lazy-module");

// "typescript/package.json" escapes jest's mapping of "typescript" to this file, so this requires the real package.
module.exports = lazyModule(() => require(dirname(require.resolve("typescript/package.json"))));
