import { defineResourcePolicy, displayName } from "../policy";

/**
 * `forceDestroy` lets `pulumi destroy` (or a replacement) empty a bucket, every version of every object, before
 * deleting it. Buckets keep it off so that losing data always takes a deliberate step outside the program.
 */
export const s3BucketNoForceDestroy = defineResourcePolicy({
  name: "s3-bucket-no-force-destroy",
  description: "S3 buckets do not set forceDestroy, so destroying a stack never empties a bucket.",
  severity: "medium",
  remediationSteps:
    "Remove forceDestroy (or set it to false); to retire a bucket, empty it deliberately first, or keep it with " +
    "retainOnDelete.",
  url: "https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/#forcedestroy_nodejs",
  area: "aws",
  types: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  check: (args, report) => {
    if (args.props.forceDestroy === true) {
      report(`bucket ${displayName(args.props, args.name, "bucket")} sets forceDestroy; remove it`);
    }
  },
});
