import { defineResourcePolicy } from "../policy";
import { IamStatement, statementsOf } from "./iam-document";

const ALGORITHM = "s3:x-amz-server-side-encryption";
const KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id";

/** A Deny of uploads for every principal. */
function deniesUploads(statement: IamStatement): boolean {
  const everyone =
    statement.principal === "*" || (statement.principal?.AWS ?? []).some((principal) => principal === "*");
  return (
    statement.effect === "Deny" &&
    everyone &&
    statement.actions.some((action) => action === "s3:PutObject" || action === "s3:*" || action === "*")
  );
}

/** The values a statement compares `key` to with StringNotEquals (keys match case-insensitively, as in IAM). */
function notEquals(statement: IamStatement, key: string): string[] {
  return Object.entries(statement.conditions.StringNotEquals ?? {})
    .filter(([k]) => k.toLowerCase() === key)
    .flatMap(([, v]) => v);
}

/**
 * Every bucket policy refuses uploads that ask for another encryption than the bucket's customer key: another
 * algorithm (SSE-S3, DSSE-KMS) or another KMS key, one the uploader may control, which would leave the object
 * unreadable to the bucket's owner or readable to someone else. Default encryption alone does not stop it: a request
 * that names its own encryption overrides the default
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html).
 */
export const s3BucketKmsUploadsOnly = defineResourcePolicy({
  name: "s3-bucket-kms-uploads-only",
  description: "S3 bucket policies deny uploads that ask for another encryption than SSE-KMS with the bucket's key.",
  severity: "high",
  remediationSteps:
    'Add two Denies of s3:PutObject for Principal "*" on the bucket\'s objects: one with StringNotEquals ' +
    `"${ALGORITHM}": "aws:kms", one with StringNotEquals "${KEY_ID}": <the bucket key's ARN>, each with Null ` +
    '"false" on its key so uploads that ask for nothing keep the default; components/aws/private-bucket.ts ' +
    "kmsUploadsOnlyStatements renders them.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
  area: "aws",
  types: ["aws:s3/bucketPolicy:BucketPolicy"],
  check: (args, report) => {
    const statements = statementsOf(args.props.policy);
    if (statements === undefined) {
      report(`bucket policy ${args.name} is not a JSON policy document; it cannot be checked for its encryption rules`);
      return;
    }
    const denies = statements.filter(deniesUploads);
    const algorithm = denies.some((s) => {
      const expected = notEquals(s, ALGORITHM);
      return expected.length > 0 && expected.every((v) => v === "aws:kms");
    });
    const key = denies.some((s) => {
      const expected = notEquals(s, KEY_ID);
      return expected.length > 0 && expected.every((v) => /^arn:aws[\w-]*:kms:[^:*?]+:\d{12}:key\/[^*?]+$/.test(v));
    });
    if (!algorithm) {
      report(
        `bucket policy ${args.name} does not deny uploads that ask for another encryption; add a Deny of ` +
          `s3:PutObject for Principal "*" with StringNotEquals "${ALGORITHM}": "aws:kms"`,
      );
    }
    if (!key) {
      report(
        `bucket policy ${args.name} does not deny uploads that name another KMS key; add a Deny of s3:PutObject ` +
          `for Principal "*" with StringNotEquals "${KEY_ID}" set to the bucket key's ARN`,
      );
    }
  },
});
