/** Configuration of the `aws` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { awsRegion, commonShape, loadConfig } from "../configuration";
import { GRAPH } from "../graph";

/** The `aws` stack's config schema; `Pulumi.aws.yaml` documents every key. */
export const awsConfigSchema = z.object({
  ...commonShape(GRAPH.aws.needs),
  /** Region of the landing zone's regional resources and of the state backend. */
  region: awsRegion(),
  /** The organization management account the stack deploys into; the provider refuses any other account. */
  accountId: z.string().regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" }),
  stateBackend: z
    .object({
      bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        error: "must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens",
      }),
      keyAlias: z
        .string()
        .regex(/^alias\/[A-Za-z0-9/_-]+$/, { error: "must start with alias/, e.g. alias/foundation-state" })
        .refine((v) => !v.startsWith("alias/aws/"), { error: "alias/aws/ is reserved for AWS managed keys" })
        .default("alias/foundation-state"),
      keyDeletionWindowDays: z
        .number()
        .int()
        .min(30, { error: "must be 30: the standard keeps the longest window KMS allows" })
        .max(30, { error: "must be 30: KMS allows at most 30 days" })
        .default(30),
      noncurrentVersionExpirationDays: z
        .number()
        .int()
        .min(30, { error: "must be at least 30 days, so a bad update can still be rolled back" })
        .default(90),
    })
    .strict(),
});

/** The validated `aws` config. */
export type AwsConfig = z.infer<typeof awsConfigSchema>;

/** Loads and validates the running stack's config. */
export function awsConfig(): AwsConfig {
  return loadConfig("aws", awsConfigSchema);
}
