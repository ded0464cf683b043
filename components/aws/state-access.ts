/**
 * Least-privilege access to the Pulumi state backend
 * (https://www.pulumi.com/docs/iac/operations/stack-management/using-a-diy-backend/). A DIY backend takes a lock object
 * under `.pulumi/locks/` even for a preview (pulumi/pulumi `pkg/backend/diy/lock.go`), so the read policy may write and
 * delete lock objects and nothing else.
 */
import { renderPolicy } from "./policy-document";

/** Which identities the policy is for: previews (read state, take locks) or deploys (write state). */
export type StateAccess = "read" | "write";

/** The identity policy for reading or writing the state in `bucketArn`, encrypted with `keyArn`. */
export function stateAccessPolicy(access: StateAccess, bucketArn: string, keyArn: string): string {
  const objects = `${bucketArn}/.pulumi/*`;
  return renderPolicy([
    { Sid: "ListState", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
    access === "read"
      ? { Sid: "ReadState", Effect: "Allow", Action: "s3:GetObject", Resource: objects }
      : {
          Sid: "WriteState",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: objects,
        },
    ...(access === "read"
      ? [
          {
            Sid: "TakeLocks",
            Effect: "Allow" as const,
            Action: ["s3:PutObject", "s3:DeleteObject"],
            Resource: `${bucketArn}/.pulumi/locks/*`,
          },
        ]
      : []),
    {
      Sid: "UseStateKey",
      Effect: "Allow",
      Action:
        access === "read"
          ? ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
          : ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: keyArn,
    },
  ]);
}
