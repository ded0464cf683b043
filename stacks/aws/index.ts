/** The `aws` stack (phase 1): the landing zone on the runner-critical path. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { StateBackend } from "../../components/aws/state-backend";
import { standardTags } from "../../components/aws/tags";
import { ContractExports } from "../contract";
import { awsConfig } from "./config";
import { awsOutputs } from "./outputs";

/** Registers the `aws` stack's resources and returns its contract's outputs. */
export function awsProgram(): ContractExports<typeof awsOutputs> {
  const config = awsConfig();
  const provider = new aws.Provider("aws", {
    region: config.region as aws.Region,
    // Refuse to touch any account but the management account named in config.
    allowedAccountIds: [config.accountId],
    defaultTags: {
      tags: standardTags({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        owner: config.owner,
        costCenter: config.costCenter,
      }),
    },
  });

  const state = new StateBackend(
    "state",
    {
      bucketName: config.stateBackend.bucketName,
      region: config.region,
      accountId: config.accountId,
      keyAlias: config.stateBackend.keyAlias,
      keyDeletionWindowDays: config.stateBackend.keyDeletionWindowDays,
      noncurrentVersionExpirationDays: config.stateBackend.noncurrentVersionExpirationDays,
    },
    { providers: { aws: provider } },
  );

  return {
    region: config.region,
    accountId: config.accountId,
    stateBucketName: state.bucketName,
    stateBackendUrl: state.backendUrl,
    secretsProviderUrl: state.secretsProviderUrl,
    stateKeyArn: state.keyArn,
  };
}
