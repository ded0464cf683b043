/** The `group` stack (phase 2): the GitLab group as code. */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { GitopsRepository } from "../../components/gitlab/gitops-repository";
import { GitlabGroup, GroupVariableSpec, RunnerSpec } from "../../components/gitlab/group";
import { ProjectProtection, ProjectProtectionArgs } from "../../components/gitlab/project-protection";
import { resolveLabelSet } from "../../components/gitlab/standard-labels";
import { renderGitopsSeed } from "../../components/kubernetes/flux/seed";
import { deployRunnerProblems, runnerRecords, RunnerPool } from "../../components/runner/model";
import { awsOutputs } from "../aws/outputs";
import { ConfigError } from "../configuration";
import { ContractExports, ContractOutputs, openStack } from "../contract";
import { ACCESS_LEVELS, foundationProjectPath, GroupConfig, groupConfig, PUBLISHED_VARIABLES } from "./config";
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
 * One runner record per runner of the model: the manager host's deploy runner from config, then one per pool of the
 * `aws` stack. Pool names and tags share the runner namespace with the deploy runner, so a collision is a config
 * error of this stack.
 */
function runnerSpecs(config: GroupConfig, pools: readonly RunnerPool[]): RunnerSpec[] {
  const { deploy, maximumTimeout, rotation } = config.runners;
  const records = runnerRecords({ deploy, pools });
  const problems = pools
    .filter((pool) => pool.name === deploy.name)
    .map((pool) => ({
      key: "foundation:runners.deploy.name",
      message: `'${pool.name}' is also a runner pool of the aws stack (foundation:runnerFleet.pools); rename one`,
    }));
  for (const { field, message } of deployRunnerProblems(deploy, pools)) {
    if (field === "tags") problems.push({ key: `foundation:runners.deploy.${field}`, message });
  }
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

/** The Foundation project's protection from config, with GitLab's access levels (validated in config.ts). */
function foundationProtection(config: GroupConfig): ProjectProtectionArgs {
  const { protectedBranches, pushRule, approvalRules } = config.foundationProject;
  return {
    projectPath: foundationProjectPath(config),
    protectedBranches: protectedBranches.map((branch) => ({
      name: branch.name,
      pushAccessLevel: ACCESS_LEVELS[branch.push],
      mergeAccessLevel: ACCESS_LEVELS[branch.merge],
      unprotectAccessLevel: ACCESS_LEVELS[branch.unprotect],
      allowForcePush: branch.allowForcePush,
      codeOwnerApprovalRequired: branch.codeOwnerApprovalRequired,
    })),
    pushRule,
    approvalRules: approvalRules.map((rule) => ({ ...rule, ruleType: "regular" as const })),
  };
}

/**
 * Registers the `group` stack's resources and returns its contract's outputs. It awaits the `aws` stack's runner
 * pools before registering anything of its own, because their number decides how many runner records there are.
 * With `foundation:stackReferences.aws: false` (phase 2 before phase 1 has run) it reads nothing of `aws`: no AWS
 * variables and no pool records, which the first `up` with the reference adds.
 */
export async function groupProgram(): Promise<ContractExports<typeof groupOutputs>> {
  const config = groupConfig();
  const reference = config.stackReferences?.aws;
  const aws = reference === false ? undefined : openStack("group", "aws", awsOutputs, reference);
  const runners = runnerSpecs(config, aws ? await aws.value("runnerPools") : []);
  const published = aws ? publishedVariables(aws.outputs) : [];

  // The repository Flux follows, seeded with the lab cluster's empty tree; the deploy key goes on it once it exists.
  const gitops = new GitopsRepository("gitops", {
    projectPath: config.gitops.projectPath,
    files: renderGitopsSeed({ path: config.gitops.seedPath }),
  });

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
      deployKey: {
        projectPath: config.gitops.projectPath,
        canPush: config.gitops.canPush,
        dependsOn: [gitops.project],
      },
    },
    { providers: { tls: new tls.Provider("tls") } },
  );

  // No stack reads the protection, so the contract does not export it.
  new ProjectProtection("foundation", foundationProtection(config));

  return {
    gitlabUrl: config.gitlab.url,
    groupPath: config.gitlab.groupPath,
    ciVariables: pulumi.all(Object.fromEntries(published.map((variable) => [variable.key, variable.value]))),
    dockerRunners: { deploy: config.runners.deploy },
    runnerIds: group.runnerIds,
    runnerTokens: group.runnerTokens,
    gitopsRepositoryUrl: repositoryUrl(config),
    gitopsPath: config.gitops.seedPath,
    gitopsBranch: gitops.branch,
    gitopsDeployPublicKey: group.deployPublicKey,
    gitopsDeployPrivateKey: group.deployPrivateKey,
  };
}
