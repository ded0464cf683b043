import { asObject, defineStackPolicy, whenKnown } from "../policy";
import { BUCKET_TYPES, bucketLabel, companionsOf } from "./s3-companions";

const VERSIONING_TYPES = ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"];

/**
 * A bucket that holds state (the stack marks it `protect`) keeps every version of every object, so an overwritten
 * or deleted state file can be restored (Pulumi's DIY backend guidance; S3 versioning).
 */
export const s3BucketVersioningStateful = defineStackPolicy({
  name: "s3-bucket-versioning-stateful",
  description: "Protected S3 buckets, which hold state, have versioning enabled.",
  severity: "high",
  remediationSteps:
    'Add an aws.s3.BucketVersioning for the bucket with versioningConfiguration.status "Enabled" (PrivateBucket ' +
    "with versioned: true), and a lifecycle rule that expires noncurrent versions after the restore window.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
  area: "aws",
  check: (args, report) => {
    for (const bucket of args.resources.filter((r) => BUCKET_TYPES.includes(r.type) && r.opts.protect)) {
      const inline = whenKnown(() => asObject(bucket.props.versioning).enabled);
      if (inline === true) continue;
      const versionings = companionsOf(bucket, args.resources, VERSIONING_TYPES);
      if (versionings.length === 0) {
        report(`protected bucket ${bucketLabel(bucket)} has no versioning; add an aws.s3.BucketVersioning`, bucket.urn);
        continue;
      }
      for (const versioning of versionings) {
        const status = whenKnown(() => asObject(versioning.props.versioningConfiguration).status);
        if (status !== undefined && status !== "Enabled") {
          report(
            `protected bucket ${bucketLabel(bucket)} has versioning ${JSON.stringify(status)}; set it to "Enabled"`,
            versioning.urn,
          );
        }
      }
    }
  },
});
