import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { s3BucketControlsAttached } from "./s3-bucket-controls-attached";

const BUCKET: StackResourceFixture = {
  type: "aws:s3/bucket:Bucket",
  name: "state",
  props: { bucket: "mson-state", id: "mson-state" },
};
const ENCRYPTION: StackResourceFixture = {
  type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  name: "state-encryption",
  props: { bucket: "mson-state" },
};
const PUBLIC_ACCESS: StackResourceFixture = {
  type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  name: "state-public-access",
  props: { bucket: "mson-state" },
};
const POLICY: StackResourceFixture = {
  type: "aws:s3/bucketPolicy:BucketPolicy",
  name: "state-policy",
  props: { bucket: "mson-state" },
};
const URN = fixtureUrn(BUCKET);
const run = (...resources: StackResourceFixture[]) => runStackPolicy(s3BucketControlsAttached, resources);

describe("s3-bucket-controls-attached", () => {
  it("passes a bucket with all three controls", async () => {
    expect(await run(BUCKET, ENCRYPTION, PUBLIC_ACCESS, POLICY)).toEqual([]);
  });

  it.each([
    [
      "the encryption configuration",
      [PUBLIC_ACCESS, POLICY],
      "has no encryption configuration; add an aws.s3.BucketServerSideEncryptionConfiguration with SSE-KMS",
    ],
    [
      "the public access block",
      [ENCRYPTION, POLICY],
      "has no public access block; add an aws.s3.BucketPublicAccessBlock with all four settings on",
    ],
    [
      "the bucket policy",
      [ENCRYPTION, PUBLIC_ACCESS],
      "has no bucket policy; add an aws.s3.BucketPolicy that denies requests without TLS",
    ],
  ])("fails without %s", async (_case, companions, missing) => {
    expect(await run(BUCKET, ...companions)).toEqual([`bucket mson-state ${missing} (${URN})`]);
  });

  it("does not count the controls of another bucket", async () => {
    const other = { ...POLICY, name: "other-policy", props: { bucket: "mson-other" } };
    expect(await run(BUCKET, ENCRYPTION, PUBLIC_ACCESS, other)).toEqual([
      `bucket mson-state has no bucket policy; add an aws.s3.BucketPolicy that denies requests without TLS (${URN})`,
    ]);
  });

  it("accepts the deprecated inline encryption and policy blocks", async () => {
    const inline = {
      ...BUCKET,
      props: { ...BUCKET.props, serverSideEncryptionConfiguration: { rule: {} }, policy: "{}" },
    };
    expect(await run(inline, PUBLIC_ACCESS)).toEqual([]);
  });

  it("matches controls by dependency when names are unknown at preview", async () => {
    const bucket = { ...BUCKET, props: { bucket: UNKNOWN, id: UNKNOWN } };
    const unknownBucket = (fixture: StackResourceFixture) => ({
      ...fixture,
      props: { bucket: UNKNOWN },
      dependencies: [BUCKET.name as string],
    });
    expect(await run(bucket, unknownBucket(ENCRYPTION), unknownBucket(PUBLIC_ACCESS), unknownBucket(POLICY))).toEqual(
      [],
    );
    expect(await run(bucket, unknownBucket(ENCRYPTION), unknownBucket(PUBLIC_ACCESS))).toEqual([
      `bucket state has no bucket policy; add an aws.s3.BucketPolicy that denies requests without TLS (${URN})`,
    ]);
  });
});
