/** The `aws` stack's output contract: what `group`, `lab` and CI read from it. */
import { z } from "zod";
import { defineContract } from "../contract";

/** Outputs of the `aws` stack. */
export const awsOutputs = defineContract({
  region: { schema: z.string(), description: "The region of the landing zone and the state backend." },
  accountId: { schema: z.string(), description: "The management account id." },
  stateBucketName: { schema: z.string(), description: "The S3 bucket that holds Pulumi state." },
  stateBackendUrl: { schema: z.string(), description: "`pulumi login` URL of the state backend." },
  secretsProviderUrl: { schema: z.string(), description: "`--secrets-provider` URL of the state KMS key." },
  stateKeyArn: { schema: z.string(), description: "ARN of the KMS key that encrypts state and secrets." },
});
