import Ajv from "ajv";
import { codeQualityReport } from "./codequality";
import { CODE_QUALITY_SCHEMA } from "./testing";

const violation = (policy: string, enforcementLevel: "advisory" | "mandatory" = "advisory") => ({
  policy,
  enforcementLevel,
  urn: "urn:pulumi:aws::foundation::aws:kms/key:Key::state-kms-key",
  message: "Symmetric KMS keys have automatic key rotation enabled.\nKMS key state-kms-key does not rotate",
});

describe("codeQualityReport", () => {
  it("writes one finding per violation with GitLab's required fields", () => {
    const report = codeQualityReport([
      { violation: violation("kms-key-rotation-enabled", "mandatory"), stack: "aws", path: "stacks/aws/index.ts" },
    ]);
    expect(report).toEqual([
      {
        description:
          "[mandatory] Symmetric KMS keys have automatic key rotation enabled. KMS key state-kms-key does not rotate",
        check_name: "kms-key-rotation-enabled",
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        severity: "major",
        location: { path: "stacks/aws/index.ts", lines: { begin: 1 } },
      },
    ]);
    const validate = new Ajv().compile(CODE_QUALITY_SCHEMA);
    expect(validate(report)).toBe(true);
  });

  it.each([
    ["aws-resource-standard-tags", "minor"],
    ["kms-key-rotation-enabled", "major"],
    ["s3-bucket-tls-only", "critical"],
    ["iam-policy-no-wildcard-admin", "blocker"],
    ["a-policy-of-another-pack", "major"],
  ])("maps the severity of %s to %s", (policy, severity) => {
    const [finding] = codeQualityReport([{ violation: violation(policy), stack: "aws", path: "x.ts" }]);
    expect(finding.severity).toBe(severity);
  });

  it("keeps a fingerprint per defect: the same in every run, different per stack", () => {
    const finding = (stack: string) =>
      codeQualityReport([{ violation: violation("kms-key-rotation-enabled"), stack, path: "x.ts" }])[0].fingerprint;
    expect(finding("aws")).toBe(finding("aws"));
    expect(finding("aws")).not.toBe(finding("lab"));
  });
});
