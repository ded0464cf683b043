"use strict";
const { dirname } = require("node:path");
const { lazyModule } = require("../lazy-module");

// "@npmcli/arborist/package.json" escapes jest's mapping of "@npmcli/arborist" to this file, so this requires the real package.
module.exports = lazyModule(() => require(dirname(require.resolve("@npmcli/arborist/package.json"))));
