/**
 * The lab's runner manager (phase 1, and the phase 4 move): the typed runner model assembled from the `aws` and
 * `group` contracts and the lab's own config, its one `config.toml`, and the one workload the placement names, the
 * Proxmox VM or the in-cluster Deployment (components/runner/placement.ts, docs/runbooks/runner-migration.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { renderRunnerUserData, RUNNER_VM_AWS_CONFIG_FILE } from "../../components/runner/user-data";
import { RunnerVm } from "../../components/runner/vm";
import { renderRunnerConfig } from "../../components/runner/config-toml";
import { RunnerManagerDeployment } from "../../components/runner/manager-deployment";
import { RunnerModel, validateRunnerModel } from "../../components/runner/model";
import { managerWorkload } from "../../components/runner/placement";
import { awsOutputs } from "../aws/outputs";
import { ConfigError, ConfigProblem } from "../configuration";
import { ContractOutputs, ContractValues } from "../contract";
import { groupOutputs } from "../group/outputs";
import { LabConfig } from "./config";

/** The plain (non-secret) upstream values the model is built from; read before anything is registered. */
export interface RunnerUpstream {
  readonly region: ContractValues<typeof awsOutputs>["region"];
  readonly runnerPools: ContractValues<typeof awsOutputs>["runnerPools"];
  readonly runnerFleet: ContractValues<typeof awsOutputs>["runnerFleet"];
  readonly gitlabUrl: ContractValues<typeof groupOutputs>["gitlabUrl"];
  readonly dockerRunners: ContractValues<typeof groupOutputs>["dockerRunners"];
}

/**
 * The runner model of the lab's manager. The runners themselves belong upstream (pools to `aws`, the docker runners
 * to `group`, which made their records); the lab adds what only the manager host knows. The AWS config path is the
 * VM's, and the in-cluster manager mounts its AWS config at the same path, so one `config.toml` serves both.
 */
export function labRunnerModel(config: LabConfig, upstream: RunnerUpstream): RunnerModel {
  const { runner } = config;
  return {
    gitlabUrl: upstream.gitlabUrl,
    global: {
      concurrent: runner.concurrent,
      checkInterval: runner.checkInterval,
      shutdownTimeout: runner.shutdownTimeout,
      logLevel: runner.logLevel,
      logFormat: runner.logFormat,
    },
    deploy: upstream.dockerRunners.deploy,
    pools: upstream.runnerPools,
    fleet: {
      plugin: runner.fleet.plugin,
      region: upstream.region,
      awsProfile: runner.fleet.awsProfile,
      awsConfigFile: RUNNER_VM_AWS_CONFIG_FILE,
      autoscalingGroupNames: upstream.runnerFleet.asgNames,
      username: runner.fleet.username,
      useExternalAddress: runner.fleet.useExternalAddress,
    },
    cache: {
      bucketName: upstream.runnerFleet.cacheBucketName,
      region: upstream.region,
      kmsKeyId: upstream.runnerFleet.cacheKeyArn,
    },
  };
}

/** Where each part of the model comes from, so a problem names the key or upstream output to fix. */
const SOURCES: readonly (readonly [RegExp, (match: RegExpExecArray) => string])[] = [
  [/^global\.(\w+): /, (m) => `foundation:runner.${m[1]}`],
  [/^deploy\.([\w.]+): /, (m) => `group stack output dockerRunners.deploy.${m[1]}`],
  [/^pools\[(\d+)\] \([^)]*\)\.([\w.]+): /, (m) => `aws stack output runnerPools[${m[1]}].${m[2]}`],
  [/^pools: /, () => "aws stack output runnerPools"],
  [/^fleet\.autoscalingGroupNames: /, () => "aws stack output runnerFleet.asgNames"],
  [/^fleet\.region: /, () => "aws stack output region"],
  [/^fleet\.(\w+): /, (m) => `foundation:runner.fleet.${m[1]}`],
  [/^cache\.bucketName: /, () => "aws stack output runnerFleet.cacheBucketName"],
  [/^cache\.kmsKeyId: /, () => "aws stack output runnerFleet.cacheKeyArn"],
  [/^gitlabUrl: /, () => "group stack output gitlabUrl"],
  [/^runner names: /, () => "group stack output dockerRunners and aws stack output runnerPools"],
];

/** The model's own problems (`validateRunnerModel`), each at the config key or upstream output it comes from. */
export function runnerModelProblems(model: RunnerModel): ConfigProblem[] {
  return validateRunnerModel(model).map((problem) => {
    for (const [pattern, key] of SOURCES) {
      const match = pattern.exec(problem);
      if (match) return { key: key(match), message: problem.slice(match[0].length) };
    }
    return { key: "runner model", message: problem };
  });
}

/** Throws a {@link ConfigError} listing every problem of the model; call it before registering anything. */
export function assertValidLabRunnerModel(model: RunnerModel): void {
  const problems = runnerModelProblems(model);
  if (problems.length > 0) throw new ConfigError("lab", problems);
}

/** What the manager workloads need from the rest of the lab. */
export interface RunnerManagerContext {
  /** The validated lab config: the placement and its settings, the network, the datastores. */
  readonly config: LabConfig;
  /** The valid runner model ({@link labRunnerModel}). */
  readonly model: RunnerModel;
  /** The `aws` stack's outputs: the Roles Anywhere identity and the manager's private key (secret). */
  readonly aws: ContractOutputs<typeof awsOutputs>;
  /** The `group` stack's outputs: the runner tokens (secret). */
  readonly group: ContractOutputs<typeof groupOutputs>;
  /** Options of the VM: the Proxmox provider. */
  readonly proxmox: pulumi.ComponentResourceOptions;
  /** Options of in-cluster resources: the cluster's Kubernetes provider and the health gate; absent without one. */
  readonly kubernetes?: pulumi.ComponentResourceOptions;
}

/** The manager that was built: exactly one of the two. */
export type RunnerManager =
  | { readonly placement: "vm"; readonly vm: RunnerVm }
  | { readonly placement: "cluster"; readonly deployment: RunnerManagerDeployment };

/**
 * Renders the model's `config.toml` once (a secret: it holds the tokens) and creates the one workload the placement
 * names. The model must be valid ({@link assertValidLabRunnerModel}).
 */
export function runnerManager(context: RunnerManagerContext): RunnerManager {
  const { config, model, aws, group } = context;
  const configToml = pulumi.secret(group.runnerTokens.apply((tokens) => renderRunnerConfig(model, tokens)));
  const manager = config.runnerManager;
  // Only the named placement's settings enter the union, so managerWorkload builds exactly one manager.
  const workload = managerWorkload(
    manager.placement === "vm"
      ? { placement: "vm", vm: requireSettings(manager.vm, "vm") }
      : { placement: "cluster", cluster: requireSettings(manager.cluster, "cluster") },
  );
  const fleet = aws.runnerFleet;

  if (workload.workload === "vm") {
    const vm = workload.settings;
    const userData = pulumi.secret(
      pulumi
        .all([configToml, fleet, aws.runnerManagerPrivateKeyPem])
        .apply(([runnerConfigToml, identity, privateKeyPem]) =>
          renderRunnerUserData({
            hostname: vm.hostname,
            fqdn: vm.fqdn,
            sshAuthorizedKeys: vm.sshAuthorizedKeys,
            runnerConfigToml,
            gitlabRunnerVersion: vm.gitlabRunnerVersion,
            rolesAnywhere: {
              trustAnchorArn: identity.trustAnchorArn,
              profileArn: identity.profileArn,
              roleArn: identity.managerRoleArn,
              region: model.fleet.region,
              awsProfile: model.fleet.awsProfile,
              certificatePem: identity.managerCertificatePem,
              privateKeyPem,
            },
            signingHelper: vm.signingHelper,
            firewall: vm.firewall,
          }),
        ),
    );
    return {
      placement: "vm",
      vm: new RunnerVm(
        "runner",
        {
          nodeName: vm.proxmoxNode,
          vmId: vm.vmId,
          name: vm.hostname,
          cores: vm.cores,
          memoryMiB: vm.memoryMiB,
          diskGiB: vm.diskGiB,
          datastoreId: config.proxmox.vmDatastore,
          imageDatastoreId: config.proxmox.imageDatastore,
          snippetsDatastoreId: config.proxmox.snippetsDatastore,
          bridge: config.proxmox.bridge,
          ipv4: { address: vm.address, gateway: config.network.gateway },
          dnsServers: config.network.nameservers,
          firewall: vm.firewall,
          image: vm.image,
          userData,
        },
        context.proxmox,
      ),
    };
  }

  const cluster = workload.settings;
  // The config schema refuses the cluster placement without the cluster; the check keeps the types honest.
  if (context.kubernetes === undefined) {
    throw new ConfigError("lab", [
      {
        key: "foundation:runnerManager.placement",
        message: "'cluster' needs the lab's cluster: foundation:talos, foundation:flux and foundation:platform",
      },
    ]);
  }
  return {
    placement: "cluster",
    deployment: new RunnerManagerDeployment(
      // The runbook's name: `kubectl --namespace gitlab-runner ... deployment/gitlab-runner`.
      "gitlab-runner",
      {
        configToml,
        shutdownTimeoutSeconds: config.runner.shutdownTimeout,
        runnerImage: cluster.runnerImage,
        credentialHelperImage: cluster.credentialHelperImage,
        dindImage: cluster.dindImage,
        awsProfile: model.fleet.awsProfile,
        awsRegion: model.fleet.region,
        awsConfigFile: model.fleet.awsConfigFile,
        trustAnchorArn: fleet.trustAnchorArn,
        profileArn: fleet.profileArn,
        roleArn: fleet.managerRoleArn,
        certificatePem: fleet.managerCertificatePem,
        privateKeyPem: aws.runnerManagerPrivateKeyPem,
        namespace: cluster.namespace,
      },
      context.kubernetes,
    ),
  };
}

function requireSettings<T>(settings: T | undefined, placement: string): T {
  // The config schema already refuses this; the check keeps the union honest for the type checker.
  if (settings === undefined) {
    throw new ConfigError("lab", [
      { key: `foundation:runnerManager.${placement}`, message: `required when placement is '${placement}'` },
    ]);
  }
  return settings;
}
