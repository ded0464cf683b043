/** The `aws` stack's output contract: what `group`, `lab` and CI read from it. */
import { z } from "zod";
import { defineContract } from "../contract";

const arn = z.string().regex(/^arn:aws:/);

/** Outputs of the `aws` stack. */
export const awsOutputs = defineContract({
  region: { schema: z.string(), description: "The region of the landing zone and the state backend." },
  accountId: { schema: z.string(), description: "The management account id." },
  accountIds: {
    schema: z.record(z.string(), z.string()),
    description: "Account ids by account name, the management account included.",
  },
  stateBucketName: { schema: z.string(), description: "The S3 bucket that holds Pulumi state." },
  stateBackendUrl: { schema: z.string(), description: "`pulumi login` URL of the state backend." },
  secretsProviderUrl: { schema: z.string(), description: "`--secrets-provider` URL of the state KMS key." },
  stateKeyArn: { schema: arn, description: "ARN of the KMS key that encrypts state and secrets." },
  kmsKeyArns: {
    schema: z.object({ state: arn, runnerCache: arn, appSecrets: arn }),
    description: "KMS key ARNs by purpose.",
  },
  oidcProviderArn: { schema: arn, description: "ARN of the IAM OIDC provider for the group's GitLab." },
  previewRoleArn: { schema: arn, description: "The CI role merge request pipelines assume to preview." },
  deployRoleArn: { schema: arn, description: "The CI role protected-branch pipelines assume to deploy." },
});
