import { asList, asObject, defineResourcePolicy, displayName } from "../policy";

const KMS_ALGORITHMS = ["aws:kms", "aws:kms:dsse"];

/**
 * Default encryption of every bucket is SSE-KMS with a customer managed key, so reading an object needs both S3
 * and KMS permissions and every decryption is logged in CloudTrail. Checked on the bucket's encryption
 * configuration resource, and on the bucket's deprecated inline block when a program still uses it.
 */
export const s3BucketSseKms = defineResourcePolicy({
  name: "s3-bucket-sse-kms",
  description: "S3 buckets encrypt objects by default with SSE-KMS and a customer managed KMS key.",
  severity: "high",
  remediationSteps:
    "Give the bucket an aws.s3.BucketServerSideEncryptionConfiguration whose rule sets " +
    'applyServerSideEncryptionByDefault.sseAlgorithm to "aws:kms" and kmsMasterKeyId to the ARN of a customer ' +
    "managed key (components/aws/private-bucket.ts does this), with bucketKeyEnabled to keep KMS requests down.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
  area: "aws",
  types: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
  ],
  check: (args, report) => {
    const onBucket = args.type.startsWith("aws:s3/bucket:") || args.type.startsWith("aws:s3/bucketV2:");
    let rules: unknown[];
    let what: string;
    if (onBucket) {
      // A bucket without the inline block is encrypted by its own configuration resource, checked there.
      const inline = args.props.serverSideEncryptionConfiguration;
      if (inline === undefined) return;
      rules = [...asList(asObject(inline).rule)];
      what = `bucket ${displayName(args.props, args.name, "bucket")}`;
    } else {
      rules = [...asList(args.props.rules as unknown[])];
      what = `encryption configuration ${args.name}`;
    }
    if (rules.length === 0) {
      report(`${what} has no encryption rule; add one with sseAlgorithm "aws:kms" and a customer managed key`);
      return;
    }
    for (const rule of rules) {
      const byDefault = asObject(asObject(rule).applyServerSideEncryptionByDefault);
      const algorithm = byDefault.sseAlgorithm;
      const key = byDefault.kmsMasterKeyId;
      if (typeof algorithm !== "string" || !KMS_ALGORITHMS.includes(algorithm)) {
        report(`${what} encrypts with ${JSON.stringify(algorithm ?? "nothing")}; set sseAlgorithm to "aws:kms"`);
      } else if (typeof key !== "string" || key === "" || key.endsWith("alias/aws/s3")) {
        report(`${what} uses the AWS managed key; set kmsMasterKeyId to the ARN of a customer managed key`);
      }
    }
  },
});
