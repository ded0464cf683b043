/**
 * Finds the resources that configure a bucket (encryption, public access block, policy, versioning) in a stack
 * validation, where each is a resource of its own (`@pulumi/aws` 7: the inline blocks are deprecated).
 */
import type { PolicyResource } from "@pulumi/policy";
import { whenKnown } from "../policy";

/** The bucket types, current and deprecated alias. */
export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

/** The bucket's name for messages: its `bucket` output when known, else its logical name. */
export function bucketLabel(bucket: PolicyResource): string {
  const name = whenKnown(() => bucket.props.bucket);
  return typeof name === "string" && name !== "" ? name : bucket.name;
}

/**
 * True when `companion` configures `bucket`: its `bucket` names the bucket when both names are known, otherwise
 * (autonamed buckets at preview) it depends on the bucket resource.
 */
export function configures(companion: PolicyResource, bucket: PolicyResource): boolean {
  const target = whenKnown(() => companion.props.bucket);
  const names = whenKnown(() =>
    [bucket.props.bucket, bucket.props.id].filter((n) => typeof n === "string" && n !== ""),
  );
  if (typeof target === "string" && names && names.length > 0) return names.includes(target);
  return companion.dependencies.some((dependency) => dependency.urn === bucket.urn);
}

/** The resources of `types` that configure `bucket`. */
export function companionsOf(
  bucket: PolicyResource,
  resources: readonly PolicyResource[],
  types: readonly string[],
): PolicyResource[] {
  return resources.filter((resource) => types.includes(resource.type) && configures(resource, bucket));
}
