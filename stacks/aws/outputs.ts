/** The `aws` stack's output contract: what `group`, `lab` and CI read from it. */
import { z } from "zod";
import { defineContract } from "../contract";
import { poolSchema } from "./config";

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
  stateKeyAlias: {
    schema: z.string().regex(/^alias\//),
    description: "Alias of the state KMS key (`alias/...`), the name `--secrets-provider awskms://` URLs use.",
  },
  kmsKeyArns: {
    schema: z.object({ state: arn, runnerCache: arn, appSecrets: arn, etcdBackup: arn }),
    description: "KMS key ARNs by purpose.",
  },
  oidcProviderArn: { schema: arn, description: "ARN of the IAM OIDC provider for the group's GitLab." },
  previewRoleArn: { schema: arn, description: "The CI role merge request pipelines assume to preview." },
  deployRoleArn: { schema: arn, description: "The CI role protected-branch pipelines assume to deploy." },
  runnerPools: {
    schema: z.array(poolSchema),
    description:
      "The autoscaled runner pools, as validated here; `group` makes their runner records, `lab` their runners.",
  },
  runnerFleet: {
    schema: z.object({
      asgNames: z.record(z.string(), z.string()),
      cacheBucketName: z.string(),
      cacheKeyArn: arn,
      managerRoleArn: arn,
      trustAnchorArn: arn,
      profileArn: arn,
      managerCertificatePem: z.string(),
    }),
    description: "What the runner manager needs to drive the fleet: ASG names, cache, Roles Anywhere identity.",
  },
  runnerManagerPrivateKeyPem: {
    schema: z.string(),
    secret: true,
    description: "Private key of the runner manager's Roles Anywhere certificate.",
  },
  labDomain: { schema: z.string(), description: "The lab's DNS domain (its Route 53 zone lives in this stack)." },
  labZoneId: { schema: z.string(), description: "Route 53 zone id of the lab domain." },
  labNameServers: { schema: z.array(z.string()), description: "Name servers to delegate the lab domain to." },
  labSecretsPrefix: { schema: z.string(), description: "Secrets Manager prefix of the lab's secrets." },
  labSecretNames: { schema: z.record(z.string(), z.string()), description: "Lab secrets by short name." },
  labDnsCredentials: {
    schema: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
    secret: true,
    description: "Access key of ExternalDNS and cert-manager: record changes in the lab zone only.",
  },
  labSecretsCredentials: {
    schema: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
    secret: true,
    description: "Access key of External Secrets: reads under the lab prefix only.",
  },
  etcdBackup: {
    schema: z.object({
      bucketName: z.string(),
      region: z.string(),
      keyPrefix: z.string().regex(/\/$/),
      kmsKeyArn: arn,
      credentialsSecretName: z.string(),
    }),
    description:
      "Where the lab's etcd snapshots go: bucket, region, key prefix, KMS key, and the full Secrets Manager name of " +
      "the writer's access key (the name only: the key itself stays in Secrets Manager).",
  },
});
