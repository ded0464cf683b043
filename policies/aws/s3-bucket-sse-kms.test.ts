import { runResourcePolicy, UNKNOWN } from "../testing";
import { s3BucketSseKms } from "./s3-bucket-sse-kms";

const TYPE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const KEY = "arn:aws:kms:eu-central-1:123456789012:key/0b7e4c5e-1111-2222-3333-444455556666";

function config(byDefault: Record<string, unknown>): Record<string, unknown> {
  return { bucket: "state", rules: [{ applyServerSideEncryptionByDefault: byDefault, bucketKeyEnabled: true }] };
}

const run = (props: Record<string, unknown>, type = TYPE) =>
  runResourcePolicy(s3BucketSseKms, { type, name: "state-encryption", props });

describe("s3-bucket-sse-kms", () => {
  it("passes SSE-KMS with a customer managed key, and DSSE-KMS", async () => {
    expect(await run(config({ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY }))).toEqual([]);
    expect(await run(config({ sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: KEY }))).toEqual([]);
  });

  it.each([
    [
      "SSE-S3",
      config({ sseAlgorithm: "AES256" }),
      'encryption configuration state-encryption encrypts with "AES256"; set sseAlgorithm to "aws:kms"',
    ],
    [
      "the AWS managed key",
      config({ sseAlgorithm: "aws:kms" }),
      "encryption configuration state-encryption uses the AWS managed key; set kmsMasterKeyId to the ARN of a customer managed key",
    ],
    [
      "the AWS managed key by alias",
      config({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" }),
      "encryption configuration state-encryption uses the AWS managed key; set kmsMasterKeyId to the ARN of a customer managed key",
    ],
    [
      "no rule",
      { bucket: "state", rules: [] },
      'encryption configuration state-encryption has no encryption rule; add one with sseAlgorithm "aws:kms" and a customer managed key',
    ],
  ])("fails %s", async (_case, props, message) => {
    expect(await run(props)).toEqual([message]);
  });

  it("checks a bucket's deprecated inline block and leaves buckets without one to their configuration resource", async () => {
    const inline = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } };
    expect(
      await run({ bucket: "state-bucket", serverSideEncryptionConfiguration: inline }, "aws:s3/bucket:Bucket"),
    ).toEqual(['bucket state-bucket encrypts with "AES256"; set sseAlgorithm to "aws:kms"']);
    expect(await run({ bucket: "state-bucket" }, "aws:s3/bucket:Bucket")).toEqual([]);
  });

  it("ignores other resource types", async () => {
    expect(await run(config({ sseAlgorithm: "AES256" }), "aws:s3/bucketPolicy:BucketPolicy")).toEqual([]);
  });

  it("skips a key that is unknown at preview", async () => {
    expect(await run(config({ sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN }))).toEqual([]);
    expect(await run({ bucket: "state", rules: UNKNOWN })).toEqual([]);
  });
});
