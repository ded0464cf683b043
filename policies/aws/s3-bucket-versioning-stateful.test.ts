import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { s3BucketVersioningStateful } from "./s3-bucket-versioning-stateful";

const BUCKET: StackResourceFixture = {
  type: "aws:s3/bucket:Bucket",
  name: "state",
  props: { bucket: "mson-state", id: "mson-state" },
  opts: { protect: true },
};
const VERSIONING: StackResourceFixture = {
  type: "aws:s3/bucketVersioning:BucketVersioning",
  name: "state-versioning",
  props: { bucket: "mson-state", versioningConfiguration: { status: "Enabled" } },
};
const run = (...resources: StackResourceFixture[]) => runStackPolicy(s3BucketVersioningStateful, resources);

describe("s3-bucket-versioning-stateful", () => {
  it("passes a protected bucket with versioning enabled", async () => {
    expect(await run(BUCKET, VERSIONING)).toEqual([]);
  });

  it("leaves unprotected buckets (caches, scratch) alone", async () => {
    expect(await run({ ...BUCKET, opts: { protect: false } })).toEqual([]);
  });

  it("fails a protected bucket without versioning", async () => {
    expect(await run(BUCKET)).toEqual([
      `protected bucket mson-state has no versioning; add an aws.s3.BucketVersioning (${fixtureUrn(BUCKET)})`,
    ]);
  });

  it("fails suspended versioning", async () => {
    const suspended = {
      ...VERSIONING,
      props: { bucket: "mson-state", versioningConfiguration: { status: "Suspended" } },
    };
    expect(await run(BUCKET, suspended)).toEqual([
      `protected bucket mson-state has versioning "Suspended"; set it to "Enabled" (${fixtureUrn(suspended)})`,
    ]);
  });

  it("accepts the bucket's own versioning output and skips a status unknown at preview", async () => {
    expect(await run({ ...BUCKET, props: { ...BUCKET.props, versioning: { enabled: true } } })).toEqual([]);
    expect(
      await run(BUCKET, {
        ...VERSIONING,
        props: { bucket: "mson-state", versioningConfiguration: { status: UNKNOWN } },
      }),
    ).toEqual([]);
  });
});
