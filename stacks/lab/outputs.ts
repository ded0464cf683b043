/** The `lab` stack's output contract: what `eve-skill-farm` and operators read from it. */
import { z } from "zod";
import { defineContract } from "../contract";

/**
 * What the cluster outputs need: the lab plans and applies without its cluster (the runner VM alone, docs/lab.md,
 * "Two shapes"), and then exports none of them.
 */
const CLUSTER =
  'its cluster: set foundation:talos, foundation:flux and foundation:platform in its config (docs/lab.md, "Adding ' +
  'the cluster")';

/** Outputs of the `lab` stack. */
export const labOutputs = defineContract({
  domain: { schema: z.string(), requires: CLUSTER, description: "The lab's DNS domain." },
  proxmoxEndpoint: { schema: z.string(), description: "The Proxmox VE API endpoint the lab runs on." },
  gitlabUrl: { schema: z.string(), description: "The GitLab instance the lab's runners serve." },
  runnerManagerPlacement: {
    schema: z.enum(["vm", "cluster"]),
    description: "Where the runner manager runs: the Proxmox VM (phase 1) or the cluster (after the phase 4 move).",
  },
  kubernetesEndpoint: {
    schema: z.string(),
    requires: CLUSTER,
    description: "The cluster's Kubernetes API URL (the control-plane VIP).",
  },
  kubeconfig: {
    schema: z.string(),
    secret: true,
    requires: CLUSTER,
    description: "Admin kubeconfig of the Talos cluster.",
  },
  talosconfig: {
    schema: z.string(),
    secret: true,
    requires: CLUSTER,
    description: "Admin talosconfig of the Talos cluster.",
  },
  ingressClassName: { schema: z.string(), requires: CLUSTER, description: "The default IngressClass (Traefik)." },
  ingressNamespace: { schema: z.string(), requires: CLUSTER, description: "Namespace of the ingress controller." },
  ingressPodLabels: {
    schema: z.record(z.string(), z.string()),
    requires: CLUSTER,
    description: "Labels of the ingress controller's pods, for application NetworkPolicies.",
  },
  storageClassName: { schema: z.string(), requires: CLUSTER, description: "The default StorageClass." },
  clusterSecretStoreName: {
    schema: z.string(),
    requires: CLUSTER,
    description: "The ClusterSecretStore on AWS Secrets Manager.",
  },
  clusterIssuerName: {
    schema: z.string(),
    requires: CLUSTER,
    description: "The ClusterIssuer (ACME DNS-01 on the lab zone).",
  },
  secretsPrefix: {
    schema: z.string(),
    requires: CLUSTER,
    description: "Secrets Manager prefix of the lab's secrets (from `aws`), ending in `/`, for the cluster's store.",
  },
});
