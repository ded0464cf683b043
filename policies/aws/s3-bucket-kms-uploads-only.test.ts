import {
  kmsUploadsOnlyStatements,
  privateBucketPolicy,
  tlsOnlyBucketPolicy,
} from "../../components/aws/private-bucket";
import { runResourcePolicy, UNKNOWN } from "../testing";
import { s3BucketKmsUploadsOnly } from "./s3-bucket-kms-uploads-only";

const BUCKET = "arn:aws:s3:::mson-runner-cache";
const KEY = "arn:aws:kms:eu-central-1:210987654321:key/0b7e4c5e-1111-2222-3333-444455556666";
const run = (policy: unknown) =>
  runResourcePolicy(s3BucketKmsUploadsOnly, {
    type: "aws:s3/bucketPolicy:BucketPolicy",
    name: "ci-cache-policy",
    props: { bucket: "mson-runner-cache", policy },
  });
const ALGORITHM_MESSAGE =
  'bucket policy ci-cache-policy does not deny uploads that ask for another encryption; add a Deny of s3:PutObject for Principal "*" with StringNotEquals "s3:x-amz-server-side-encryption": "aws:kms"';
const KEY_MESSAGE =
  'bucket policy ci-cache-policy does not deny uploads that name another KMS key; add a Deny of s3:PutObject for Principal "*" with StringNotEquals "s3:x-amz-server-side-encryption-aws-kms-key-id" set to the bucket key\'s ARN';
const [algorithm, key] = kmsUploadsOnlyStatements(BUCKET, KEY);
const only = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("s3-bucket-kms-uploads-only", () => {
  it("passes the policy PrivateBucket renders", async () => {
    expect(await run(privateBucketPolicy(BUCKET, KEY))).toEqual([]);
  });

  it("fails a TLS-only policy on both counts", async () => {
    expect(await run(tlsOnlyBucketPolicy(BUCKET))).toEqual([ALGORITHM_MESSAGE, KEY_MESSAGE]);
  });

  it.each([
    ["without the algorithm rule", only(key), [ALGORITHM_MESSAGE]],
    ["without the key rule", only(algorithm), [KEY_MESSAGE]],
    [
      "with a key rule that allows any key",
      only(algorithm, {
        ...key,
        Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:*" } },
      }),
      [KEY_MESSAGE],
    ],
    [
      "with rules that deny only one principal",
      only({ ...algorithm, Principal: { AWS: "arn:aws:iam::1:root" } }, key),
      [ALGORITHM_MESSAGE],
    ],
    [
      "with Allows instead of Denies",
      only({ ...algorithm, Effect: "Allow" }, { ...key, Effect: "Allow" }),
      [ALGORITHM_MESSAGE, KEY_MESSAGE],
    ],
  ])("fails a policy %s", async (_case, policy, messages) => {
    expect(await run(policy)).toEqual(messages);
  });

  it("fails a policy that is not JSON, and skips one unknown at preview", async () => {
    expect(await run("not json")).toEqual([
      "bucket policy ci-cache-policy is not a JSON policy document; it cannot be checked for its encryption rules",
    ]);
    expect(await run(UNKNOWN)).toEqual([]);
  });
});
