import { defineResourcePolicy } from "../policy";
import { IamStatement, statementsOf } from "./iam-document";

/** A Deny for every principal and every S3 action when the request did not come over TLS. */
function deniesInsecureTransport(statement: IamStatement): boolean {
  const everyone =
    statement.principal === "*" || (statement.principal?.AWS ?? []).some((principal) => principal === "*");
  const insecure = Object.entries(statement.conditions.Bool ?? {}).some(
    ([key, values]) => key.toLowerCase() === "aws:securetransport" && values.includes("false"),
  );
  return (
    statement.effect === "Deny" &&
    everyone &&
    statement.actions.some((action) => action === "s3:*" || action === "*") &&
    insecure
  );
}

/**
 * Every bucket policy denies requests made without TLS (`aws:SecureTransport` false), AWS's first S3 security
 * best practice; without it, a client or a misconfigured endpoint can move data in clear text.
 */
export const s3BucketTlsOnly = defineResourcePolicy({
  name: "s3-bucket-tls-only",
  description: "S3 bucket policies deny every request that is not made over TLS.",
  severity: "high",
  remediationSteps:
    'Add a statement to the bucket policy that denies s3:* to Principal "*" on the bucket and its objects with ' +
    'Condition {"Bool": {"aws:SecureTransport": "false"}}; components/aws/private-bucket.ts tlsOnlyBucketPolicy ' +
    "renders it, together with a minimum TLS version.",
  url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
  area: "aws",
  types: ["aws:s3/bucketPolicy:BucketPolicy"],
  check: (args, report) => {
    const statements = statementsOf(args.props.policy);
    if (statements === undefined) {
      report(`bucket policy ${args.name} is not a JSON policy document; it cannot be checked for a TLS-only rule`);
    } else if (!statements.some(deniesInsecureTransport)) {
      report(
        `bucket policy ${args.name} does not deny requests without TLS; add a Deny of s3:* for Principal "*" ` +
          'with Condition Bool "aws:SecureTransport": "false"',
      );
    }
  },
});
