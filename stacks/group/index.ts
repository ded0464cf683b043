/** The `group` stack (phase 2): the GitLab group as code. */
import * as pulumi from "@pulumi/pulumi";
import { awsOutputs } from "../aws/outputs";
import { ContractExports, readStack } from "../contract";
import { groupConfig } from "./config";
import { groupOutputs } from "./outputs";

/** Registers the `group` stack's resources and returns its contract's outputs. */
export function groupProgram(): ContractExports<typeof groupOutputs> {
  const config = groupConfig();
  const aws = readStack("group", "aws", awsOutputs, config.stackReferences?.aws);

  return {
    gitlabUrl: config.gitlab.url,
    groupPath: config.gitlab.groupPath,
    ciVariables: pulumi
      .all([aws.region, aws.stateBackendUrl, aws.secretsProviderUrl])
      .apply(([region, backendUrl, secretsProvider]) => ({
        AWS_REGION: region,
        PULUMI_BACKEND_URL: backendUrl,
        FOUNDATION_SECRETS_PROVIDER: secretsProvider,
      })),
  };
}
