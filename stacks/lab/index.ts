/** The `lab` stack (phases 1, 4, 5): the runner manager, the Talos cluster and its platform services on Proxmox. */
import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { awsOutputs } from "../aws/outputs";
import { ContractExports, openStack } from "../contract";
import { groupOutputs } from "../group/outputs";
import { labCluster } from "./cluster";
import { labConfig } from "./config";
import { labMonitoring, withMonitoringScrapers } from "./monitoring";
import { labOutputs } from "./outputs";
import { defaultDenyFor, labPlatform } from "./platform";
import { assertValidLabRunnerModel, labRunnerModel, runnerManager } from "./runner";

/**
 * Registers the `lab` stack's resources and returns its contract's outputs. The upstream values that shape the
 * resources (the runner model, the GitOps URL, region and domain) are read first, so an invalid runner model is a
 * config error before anything is registered.
 */
export async function labProgram(): Promise<ContractExports<typeof labOutputs>> {
  const config = labConfig();
  const awsStack = openStack("lab", "aws", awsOutputs, config.stackReferences?.aws);
  const groupStack = openStack("lab", "group", groupOutputs, config.stackReferences?.group);
  const [region, domain, runnerPools, runnerFleet, gitlabUrl, dockerRunners, gitopsRepositoryUrl] = await Promise.all([
    awsStack.value("region"),
    awsStack.value("labDomain"),
    awsStack.value("runnerPools"),
    awsStack.value("runnerFleet"),
    groupStack.value("gitlabUrl"),
    groupStack.value("dockerRunners"),
    groupStack.value("gitopsRepositoryUrl"),
  ]);
  const aws = awsStack.outputs;
  const group = groupStack.outputs;
  const model = labRunnerModel(config, { region, runnerPools, runnerFleet, gitlabUrl, dockerRunners });
  assertValidLabRunnerModel(model);

  // Credentials stay in the environment (PROXMOX_VE_API_TOKEN), read by the provider plugin itself.
  const proxmox = new proxmoxve.Provider("proxmox", {
    endpoint: config.proxmox.endpoint,
    insecure: config.proxmox.insecure,
    ssh: { agent: true, username: config.proxmox.sshUsername },
  });
  const providers = {
    providers: { proxmoxve: proxmox, tls: new tls.Provider("tls"), random: new random.Provider("random") },
  };

  const { cluster, kubernetes } = labCluster(
    config,
    { repositoryUrl: gitopsRepositoryUrl, deployPrivateKey: group.gitopsDeployPrivateKey },
    providers,
  );
  // The monitoring VM is the one host always allowed to scrape the runner VM's exporters.
  const manager = runnerManager({
    config: withMonitoringScrapers(config),
    model,
    aws,
    group,
    proxmox: providers,
    kubernetes,
  });
  if (manager.placement === "cluster") defaultDenyFor("gitlab-runner", manager.deployment, cluster);
  labMonitoring(config, providers);
  const platform = labPlatform(
    config,
    {
      region,
      domain,
      zoneId: aws.labZoneId,
      dnsCredentials: aws.labDnsCredentials,
      secretsCredentials: aws.labSecretsCredentials,
      secretsPrefix: aws.labSecretsPrefix,
    },
    kubernetes,
    providers,
  );

  return {
    domain,
    proxmoxEndpoint: config.proxmox.endpoint,
    gitlabUrl,
    runnerManagerPlacement: config.runnerManager.placement,
    kubernetesEndpoint: cluster.endpoint,
    kubeconfig: pulumi.secret(cluster.kubeconfig),
    talosconfig: pulumi.secret(cluster.talosconfig),
    ingressClassName: platform.traefik.ingressClassName,
    ingressNamespace: platform.traefik.namespace,
    ingressPodLabels: platform.traefik.podLabels,
    storageClassName: platform.storage.storageClassName,
    clusterSecretStoreName: platform.externalSecrets.clusterSecretStoreName,
    clusterIssuerName: platform.certManager.clusterIssuerName,
    secretsPrefix: aws.labSecretsPrefix,
  };
}
