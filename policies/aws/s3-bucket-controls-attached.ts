import { defineStackPolicy, whenKnown } from "../policy";
import { BUCKET_TYPES, bucketLabel, companionsOf } from "./s3-companions";

const CONTROLS = [
  {
    types: [
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    inline: "serverSideEncryptionConfiguration",
    missing: "has no encryption configuration; add an aws.s3.BucketServerSideEncryptionConfiguration with SSE-KMS",
  },
  {
    types: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    inline: undefined,
    missing: "has no public access block; add an aws.s3.BucketPublicAccessBlock with all four settings on",
  },
  {
    types: ["aws:s3/bucketPolicy:BucketPolicy"],
    inline: "policy",
    missing: "has no bucket policy; add an aws.s3.BucketPolicy that denies requests without TLS",
  },
];

/**
 * The three resources that make a bucket private (encryption, public access block, TLS-only policy) exist for
 * every bucket of the stack; the resource policies check their contents, this one that none is forgotten.
 */
export const s3BucketControlsAttached = defineStackPolicy({
  name: "s3-bucket-controls-attached",
  description:
    "Every S3 bucket has its own encryption configuration, public access block and bucket policy in the stack.",
  severity: "high",
  remediationSteps:
    "Create buckets with components/aws/private-bucket.ts (PrivateBucket), which adds all three; otherwise add " +
    "the missing aws.s3.BucketServerSideEncryptionConfiguration, aws.s3.BucketPublicAccessBlock or " +
    "aws.s3.BucketPolicy for the bucket.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
  area: "aws",
  check: (args, report) => {
    for (const bucket of args.resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
      for (const control of CONTROLS) {
        const inline = control.inline ? whenKnown(() => bucket.props[control.inline as string]) : undefined;
        if (inline !== undefined && inline !== null && inline !== "") continue;
        if (companionsOf(bucket, args.resources, control.types).length === 0) {
          report(`bucket ${bucketLabel(bucket)} ${control.missing}`, bucket.urn);
        }
      }
    }
  },
});
