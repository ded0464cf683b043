/**
 * The `lab` stack (phases 1, 4, 5): the runner manager, the Talos cluster and its platform services on Proxmox.
 * Without `foundation:talos`, `foundation:flux` and `foundation:platform` it is the runner VM alone (docs/lab.md,
 * "Two shapes"); adding them later adds the cluster and leaves the runner VM as it was.
 */
import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { awsOutputs } from "../aws/outputs";
import { ContractExports, ContractValues, UpstreamStack, openStack } from "../contract";
import { groupOutputs } from "../group/outputs";
import { labCluster } from "./cluster";
import { hasCluster, labConfig } from "./config";
import { labMonitoring, withMonitoringScrapers } from "./monitoring";
import { labOutputs } from "./outputs";
import { defaultDenyFor, labPlatform } from "./platform";
import { assertValidLabRunnerModel, labRunnerModel, runnerManager } from "./runner";

/**
 * Registers the `lab` stack's resources and returns its contract's outputs. The upstream values that shape the
 * resources (the runner model; with the cluster, the GitOps URL and the domain) are read first, so an invalid runner
 * model is a config error before anything is registered.
 */
export async function labProgram(): Promise<ContractExports<typeof labOutputs>> {
  const config = labConfig();
  const awsStack = openStack("lab", "aws", awsOutputs, config.stackReferences?.aws);
  const groupStack = openStack("lab", "group", groupOutputs, config.stackReferences?.group);
  const [region, runnerPools, runnerFleet, gitlabUrl, dockerRunners] = await Promise.all([
    awsStack.value("region"),
    awsStack.value("runnerPools"),
    awsStack.value("runnerFleet"),
    groupStack.value("gitlabUrl"),
    groupStack.value("dockerRunners"),
  ]);
  const model = labRunnerModel(config, { region, runnerPools, runnerFleet, gitlabUrl, dockerRunners });
  assertValidLabRunnerModel(model);
  const withCluster = hasCluster(config) ? { config, upstream: await clusterValues(awsStack, groupStack) } : undefined;
  const aws = awsStack.outputs;
  const group = groupStack.outputs;

  // Credentials stay in the environment (PROXMOX_VE_API_TOKEN), read by the provider plugin itself.
  const proxmox = new proxmoxve.Provider("proxmox", {
    endpoint: config.proxmox.endpoint,
    insecure: config.proxmox.insecure,
    ssh: { agent: true, username: config.proxmox.sshUsername },
  });
  // tls makes the cluster's CAs and credentials, random its tokens and the monitoring VM's Grafana password: each
  // provider is registered only when something uses it, so the runner VM alone adds no provider of the cluster's.
  const usesRandom = withCluster !== undefined || config.monitoring.placement === "vm";
  const providers = {
    providers: {
      proxmoxve: proxmox,
      ...(withCluster === undefined ? {} : { tls: new tls.Provider("tls") }),
      ...(usesRandom ? { random: new random.Provider("random") } : {}),
    },
  };

  // The cluster and Flux (phase 4), which the in-cluster manager and the platform run in.
  const lab =
    withCluster &&
    labCluster(
      withCluster.config,
      {
        repositoryUrl: withCluster.upstream.gitopsRepositoryUrl,
        path: withCluster.upstream.gitopsPath,
        branch: withCluster.upstream.gitopsBranch,
        deployPrivateKey: group.gitopsDeployPrivateKey,
      },
      providers,
    );
  // The monitoring VM is the one host always allowed to scrape the runner VM's exporters.
  const manager = runnerManager({
    config: withMonitoringScrapers(config),
    model,
    aws,
    group,
    proxmox: providers,
    kubernetes: lab?.kubernetes,
  });
  if (manager.placement === "cluster" && lab !== undefined) {
    defaultDenyFor("gitlab-runner", manager.deployment, lab.cluster);
  }
  labMonitoring(config, providers);
  const outputs = {
    proxmoxEndpoint: config.proxmox.endpoint,
    gitlabUrl,
    runnerManagerPlacement: config.runnerManager.placement,
  };
  if (withCluster === undefined || lab === undefined) return outputs;

  const { domain } = withCluster.upstream;
  const platform = labPlatform(
    withCluster.config,
    {
      region,
      domain,
      zoneId: aws.labZoneId,
      dnsCredentials: aws.labDnsCredentials,
      secretsCredentials: aws.labSecretsCredentials,
      secretsPrefix: aws.labSecretsPrefix,
      etcdBackup: withCluster.upstream.etcdBackup,
    },
    lab.kubernetes,
    providers,
  );
  return {
    ...outputs,
    domain,
    kubernetesEndpoint: lab.cluster.endpoint,
    kubeconfig: pulumi.secret(lab.cluster.kubeconfig),
    talosconfig: pulumi.secret(lab.cluster.talosconfig),
    ingressClassName: platform.traefik.ingressClassName,
    ingressNamespace: platform.traefik.namespace,
    ingressPodLabels: platform.traefik.podLabels,
    storageClassName: platform.storage.storageClassName,
    clusterSecretStoreName: platform.externalSecrets.clusterSecretStoreName,
    clusterIssuerName: platform.certManager.clusterIssuerName,
    secretsPrefix: aws.labSecretsPrefix,
  };
}

/**
 * The plain upstream values only the cluster and its platform use: the lab's domain, the GitOps repository and where
 * the etcd snapshots go.
 */
interface ClusterUpstream {
  readonly domain: ContractValues<typeof awsOutputs>["labDomain"];
  readonly gitopsRepositoryUrl: ContractValues<typeof groupOutputs>["gitopsRepositoryUrl"];
  /** The directory and branch the group stack seeded, which Flux reconciles. */
  readonly gitopsPath: ContractValues<typeof groupOutputs>["gitopsPath"];
  readonly gitopsBranch: ContractValues<typeof groupOutputs>["gitopsBranch"];
  readonly etcdBackup: ContractValues<typeof awsOutputs>["etcdBackup"];
}

/** Reads {@link ClusterUpstream}; the runner VM alone reads none of it. */
async function clusterValues(
  aws: UpstreamStack<typeof awsOutputs>,
  group: UpstreamStack<typeof groupOutputs>,
): Promise<ClusterUpstream> {
  const [domain, gitopsRepositoryUrl, gitopsPath, gitopsBranch, etcdBackup] = await Promise.all([
    aws.value("labDomain"),
    group.value("gitopsRepositoryUrl"),
    group.value("gitopsPath"),
    group.value("gitopsBranch"),
    aws.value("etcdBackup"),
  ]);
  return { domain, gitopsRepositoryUrl, gitopsPath, gitopsBranch, etcdBackup };
}
