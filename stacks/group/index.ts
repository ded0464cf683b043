/** The `group` stack (phase 2): the GitLab group as code. */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { GitlabGroup, GroupVariableSpec, RunnerSpec } from "../../components/gitlab/group";
import { resolveLabelSet } from "../../components/gitlab/standard-labels";
import { runnerRecords, RunnerPool } from "../../components/runner/model";
import { awsOutputs } from "../aws/outputs";
import { ConfigError } from "../configuration";
import { ContractExports, ContractOutputs, openStack } from "../contract";
import { GroupConfig, groupConfig, PUBLISHED_VARIABLES } from "./config";
import { groupOutputs } from "./outputs";

/** The {@link PUBLISHED_VARIABLES} with their values; none is masked: ARNs and URLs are not secrets. */
function publishedVariables(aws: ContractOutputs<typeof awsOutputs>): GroupVariableSpec[] {
  return Object.entries(PUBLISHED_VARIABLES).map(([key, variable]) => ({
    key,
    value: aws[variable.output],
    masked: false,
    protected: variable.protected,
    description: variable.description,
  }));
}

/**
 * One runner record per runner of the model: the manager host's two docker runners from config, then one per pool
 * of the `aws` stack. Pool names share the runner namespace, so a collision is a config error of this stack.
 */
function runnerSpecs(config: GroupConfig, pools: readonly RunnerPool[]): RunnerSpec[] {
  const { local, deploy, maximumTimeout, rotation } = config.runners;
  const records = runnerRecords({ local, deploy, pools });
  const problems = pools
    .filter((pool) => pool.name === local.name || pool.name === deploy.name)
    .map((pool) => ({
      key: `foundation:runners.${pool.name === local.name ? "local" : "deploy"}.name`,
      message: `'${pool.name}' is also a runner pool of the aws stack (foundation:runnerFleet.pools); rename one`,
    }));
  const names = records.map((record) => record.name);
  for (const name of Object.keys(rotation)) {
    if (!names.includes(name)) {
      problems.push({
        key: `foundation:runners.rotation.${name}`,
        message: `no runner is named '${name}'; runners: ${names.join(", ")}`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError("group", problems);
  return records.map((record) => ({
    name: record.name,
    tagList: record.tagList,
    runUntagged: record.runUntagged,
    locked: record.locked,
    accessLevel: record.accessLevel,
    maximumTimeout,
    description: record.description,
    rotation: rotation[record.name] ?? "",
  }));
}

/** The GitOps repository's SSH clone URL: configured, or GitLab's default SSH endpoint on the instance's host. */
function repositoryUrl(config: GroupConfig): string {
  return (
    config.gitops.repositoryUrl ?? `ssh://git@${new URL(config.gitlab.url).hostname}/${config.gitops.projectPath}.git`
  );
}

/**
 * Registers the `group` stack's resources and returns its contract's outputs. It awaits the `aws` stack's runner
 * pools before registering anything of its own, because their number decides how many runner records there are.
 */
export async function groupProgram(): Promise<ContractExports<typeof groupOutputs>> {
  const config = groupConfig();
  const aws = openStack("group", "aws", awsOutputs, config.stackReferences?.aws);
  const runners = runnerSpecs(config, await aws.value("runnerPools"));
  const published = publishedVariables(aws.outputs);

  const group = new GitlabGroup(
    "group",
    {
      groupPath: config.gitlab.groupPath,
      labels: resolveLabelSet(config.labels),
      promoteLabels: config.labels.promote,
      variables: [
        ...published,
        ...config.variables.map((variable) => ({ ...variable, value: pulumi.secret(variable.value) })),
      ],
      runners,
      deployKey: { projectPath: config.gitops.projectPath, canPush: config.gitops.canPush },
    },
    { providers: { tls: new tls.Provider("tls") } },
  );

  return {
    gitlabUrl: config.gitlab.url,
    groupPath: config.gitlab.groupPath,
    ciVariables: pulumi.all(Object.fromEntries(published.map((variable) => [variable.key, variable.value]))),
    dockerRunners: { local: config.runners.local, deploy: config.runners.deploy },
    runnerIds: group.runnerIds,
    runnerTokens: group.runnerTokens,
    gitopsRepositoryUrl: repositoryUrl(config),
    gitopsDeployPublicKey: group.deployPublicKey,
    gitopsDeployPrivateKey: group.deployPrivateKey,
  };
}
