/** Transpile-only tests (ts-jest with isolated modules); type checking is the separate `npm run typecheck`. */
module.exports = {
  testEnvironment: "node",
  // Tests that plan all four stacks take seconds each; on a loaded two-core CI machine, more than the default 5 s.
  testTimeout: 30000,
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
  moduleFileExtensions: ["ts", "js", "json"],
};
