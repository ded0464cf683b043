/**
 * Transpile-only tests: swc strips the types (`npm run typecheck` checks them), and the suite uses every core.
 */
module.exports = {
  testEnvironment: "node",
  // Tests that plan all four stacks take seconds each on a loaded two-core CI machine.
  testTimeout: 60000,
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022", keepClassNames: true },
        module: { type: "commonjs" },
        sourceMaps: "inline",
        swcrc: false,
      },
    ],
  },
  moduleFileExtensions: ["ts", "js", "json"],
  // Loaded by the Pulumi SDK only to serialize closures, which no test does: loaded on first use instead.
  moduleNameMapper: {
    "^typescript$": "<rootDir>/tools/jest/typescript.js",
    "^@npmcli/arborist$": "<rootDir>/tools/jest/npmcli-arborist.js",
  },
  maxWorkers: "100%",
};
