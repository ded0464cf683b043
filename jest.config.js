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
  maxWorkers: "100%",
};
