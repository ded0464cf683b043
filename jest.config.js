/** Transpile-only tests (swc); type checking is the separate `npm run typecheck`. */
module.exports = {
  testEnvironment: "node",
  // The Pulumi SDK keeps its runtime store on `global` on purpose; Jest's clean-up of globals would only warn.
  testEnvironmentOptions: { globalsCleanup: "off" },
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  moduleFileExtensions: ["ts", "js", "json"],
};
