/** The `eve-skill-farm` stack (phase 5): the first workload, the Foundation exit proof. */
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EveSkillFarm } from "../../components/apps/eve-skill-farm";
import { ContractExports, openStack } from "../contract";
import { labOutputs } from "../lab/outputs";
import { eveSkillFarmConfig } from "./config";
import { eveSkillFarmOutputs } from "./outputs";

/**
 * Registers the `eve-skill-farm` stack's resources and returns its contract's outputs. Everything it knows about
 * the cluster comes from the `lab` contract: the kubeconfig, and the names of the platform services the workload
 * uses (IngressClass, StorageClass, ClusterSecretStore, ClusterIssuer, the ingress controller's pods).
 */
export async function eveSkillFarmProgram(): Promise<ContractExports<typeof eveSkillFarmOutputs>> {
  const config = eveSkillFarmConfig();
  const lab = openStack("eve-skill-farm", "lab", labOutputs, config.stackReferences?.lab);
  // The host name and the Secrets Manager key are checked before anything is registered (the component refuses a
  // bad one), so they are read as plain values; stack outputs come from the lab's state and are known in preview.
  const [domain, secretsPrefix] = await Promise.all([lab.value("domain"), lab.value("secretsPrefix")]);
  const host = `${config.subdomain}.${domain}`;

  // Default providers are disabled (Pulumi.yaml), so every Kubernetes object goes through this provider, and only
  // to the lab cluster. The contract already marks the kubeconfig secret; wrapping it again keeps the provider's
  // state entry encrypted even if an upstream export ever lost the mark
  // (https://www.pulumi.com/docs/iac/concepts/secrets/#how-secrets-relate-to-outputs).
  const provider = new kubernetes.Provider("lab-cluster", { kubeconfig: pulumi.secret(lab.outputs.kubeconfig) });

  const app = new EveSkillFarm(
    "eve-skill-farm",
    {
      host,
      image: config.image,
      replicas: config.replicas,
      storageSize: config.storageSize,
      volumeAccessMode: config.volumeAccessMode,
      resources: config.resources,
      secretName: config.secretName,
      containerPort: config.containerPort,
      healthPath: config.healthPath,
      runAsUser: config.runAsUser,
      env: config.env,
      secretEnv: config.secretEnv,
      // The deploy tokens come from config, where they are secrets; they stay secrets into the pull Secret.
      registries: config.registries.map((registry) => ({ ...registry, token: pulumi.secret(registry.token) })),
      secretsPrefix,
      ingressClassName: lab.outputs.ingressClassName,
      storageClassName: lab.outputs.storageClassName,
      clusterSecretStoreName: lab.outputs.clusterSecretStoreName,
      clusterIssuerName: lab.outputs.clusterIssuerName,
      ingressNamespace: lab.outputs.ingressNamespace,
      ingressPodLabels: lab.outputs.ingressPodLabels,
    },
    { providers: { kubernetes: provider } },
  );

  return { url: app.url, healthUrl: app.healthUrl, host, namespace: app.namespace };
}
