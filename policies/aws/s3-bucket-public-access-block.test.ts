import { runResourcePolicy, UNKNOWN } from "../testing";
import { s3BucketPublicAccessBlock } from "./s3-bucket-public-access-block";

const TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const FULL = {
  bucket: "state",
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};
const run = (props: Record<string, unknown>) =>
  runResourcePolicy(s3BucketPublicAccessBlock, { type: TYPE, name: "state-public-access", props });

describe("s3-bucket-public-access-block", () => {
  it("passes the full block", async () => {
    expect(await run(FULL)).toEqual([]);
  });

  it.each(["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])(
    "fails with %s off",
    async (flag) => {
      expect(await run({ ...FULL, [flag]: false })).toEqual([
        `public access block state-public-access leaves ${flag} off; set all four to true`,
      ]);
    },
  );

  it("names every setting left unset", async () => {
    expect(await run({ bucket: "state", blockPublicAcls: true })).toEqual([
      "public access block state-public-access leaves blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets off; set all four to true",
    ]);
  });

  it("skips a setting unknown at preview", async () => {
    expect(await run({ ...FULL, ignorePublicAcls: UNKNOWN })).toEqual([]);
  });
});
