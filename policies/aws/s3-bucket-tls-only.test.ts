import { runResourcePolicy, UNKNOWN } from "../testing";
import { s3BucketTlsOnly } from "./s3-bucket-tls-only";

const TYPE = "aws:s3/bucketPolicy:BucketPolicy";
const ARN = "arn:aws:s3:::mson-foundation-state";

function denyInsecure(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [ARN, `${ARN}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
    ...overrides,
  };
}

const policy = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });
const run = (props: Record<string, unknown>) =>
  runResourcePolicy(s3BucketTlsOnly, { type: TYPE, name: "state-policy", props });
const NO_TLS_RULE =
  'bucket policy state-policy does not deny requests without TLS; add a Deny of s3:* for Principal "*" with ' +
  'Condition Bool "aws:SecureTransport": "false"';

describe("s3-bucket-tls-only", () => {
  it("passes a policy that denies insecure transport, as a string or an object", async () => {
    expect(await run({ bucket: "state", policy: policy(denyInsecure()) })).toEqual([]);
    expect(await run({ bucket: "state", policy: { Version: "2012-10-17", Statement: denyInsecure() } })).toEqual([]);
    expect(await run({ bucket: "state", policy: policy(denyInsecure({ Principal: { AWS: "*" } })) })).toEqual([]);
  });

  it.each([
    [
      "no such statement",
      policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, Action: "s3:GetObject", Resource: ARN }),
    ],
    ["an Allow instead of a Deny", policy(denyInsecure({ Effect: "Allow" }))],
    ["the condition on true", policy(denyInsecure({ Condition: { Bool: { "aws:SecureTransport": "true" } } }))],
    ["a single principal", policy(denyInsecure({ Principal: { AWS: "arn:aws:iam::123456789012:root" } }))],
    ["only some actions", policy(denyInsecure({ Action: "s3:GetObject" }))],
  ])("fails with %s", async (_case, document) => {
    expect(await run({ bucket: "state", policy: document })).toEqual([NO_TLS_RULE]);
  });

  it("fails a policy that is not JSON", async () => {
    expect(await run({ bucket: "state", policy: "{not json" })).toEqual([
      "bucket policy state-policy is not a JSON policy document; it cannot be checked for a TLS-only rule",
    ]);
  });

  it("skips a policy unknown at preview", async () => {
    expect(await run({ bucket: "state", policy: UNKNOWN })).toEqual([]);
  });
});
