"use strict";
module.exports = require("./lazy-module").lazyModule("@npmcli/arborist");
