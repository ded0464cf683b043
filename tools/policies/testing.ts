/** Test support for the policy tooling. */

/**
 * The fields GitLab requires of every Code Quality finding
 * (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format), as a JSON schema written from the
 * documentation rather than from codequality.ts, so a test validates the report against GitLab's contract.
 */
export const CODE_QUALITY_SCHEMA = {
  type: "array",
  items: {
    type: "object",
    required: ["description", "check_name", "fingerprint", "severity", "location"],
    properties: {
      description: { type: "string", minLength: 1 },
      check_name: { type: "string", minLength: 1 },
      fingerprint: { type: "string", minLength: 1 },
      severity: { enum: ["info", "minor", "major", "critical", "blocker"] },
      location: {
        type: "object",
        required: ["path", "lines"],
        properties: {
          path: { type: "string", pattern: "^[^/]" },
          lines: { type: "object", required: ["begin"], properties: { begin: { type: "integer", minimum: 1 } } },
        },
      },
    },
  },
};
