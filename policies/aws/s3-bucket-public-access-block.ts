import { defineResourcePolicy } from "../policy";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** The full public access block: all four settings on, so neither an ACL nor a bucket policy can make data public. */
export const s3BucketPublicAccessBlock = defineResourcePolicy({
  name: "s3-bucket-public-access-block",
  description: "S3 bucket public access blocks turn on all four settings.",
  severity: "critical",
  remediationSteps:
    "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true on the bucket's " +
    "aws.s3.BucketPublicAccessBlock; serve public content through CloudFront with origin access control instead.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
  area: "aws",
  types: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  check: (args, report) => {
    const off = FLAGS.filter((flag) => args.props[flag] !== true);
    if (off.length > 0) {
      report(`public access block ${args.name} leaves ${off.join(", ")} off; set all four to true`);
    }
  },
});
