import { runResourcePolicy, UNKNOWN } from "../testing";
import { s3BucketNoForceDestroy } from "./s3-bucket-no-force-destroy";

const run = (props: Record<string, unknown>, type = "aws:s3/bucket:Bucket") =>
  runResourcePolicy(s3BucketNoForceDestroy, { type, name: "state", props });

describe("s3-bucket-no-force-destroy", () => {
  it("passes a bucket without forceDestroy", async () => {
    expect(await run({ bucket: "mson-state", forceDestroy: false })).toEqual([]);
    expect(await run({ bucket: "mson-state" })).toEqual([]);
  });

  it("fails forceDestroy, on the bucket and on its deprecated V2 alias", async () => {
    expect(await run({ bucket: "mson-state", forceDestroy: true })).toEqual([
      "bucket mson-state sets forceDestroy; remove it",
    ]);
    expect(await run({ forceDestroy: true }, "aws:s3/bucketV2:BucketV2")).toEqual([
      "bucket state sets forceDestroy; remove it",
    ]);
  });

  it("skips forceDestroy unknown at preview", async () => {
    expect(await run({ bucket: "mson-state", forceDestroy: UNKNOWN })).toEqual([]);
  });
});
