/** The `lab` stack's output contract: what `eve-skill-farm` and operators read from it. */
import { z } from "zod";
import { defineContract } from "../contract";

/** Outputs of the `lab` stack. */
export const labOutputs = defineContract({
  domain: { schema: z.string(), description: "The lab's DNS domain." },
  proxmoxEndpoint: { schema: z.string(), description: "The Proxmox VE API endpoint the lab runs on." },
  gitlabUrl: { schema: z.string(), description: "The GitLab instance the lab's runners serve." },
  runnerManagerPlacement: {
    schema: z.enum(["vm", "cluster"]),
    description: "Where the runner manager runs: the Proxmox VM (phase 1) or the cluster (after the phase 4 move).",
  },
  kubernetesEndpoint: { schema: z.string(), description: "The cluster's Kubernetes API URL (the control-plane VIP)." },
  kubeconfig: { schema: z.string(), secret: true, description: "Admin kubeconfig of the Talos cluster." },
  talosconfig: { schema: z.string(), secret: true, description: "Admin talosconfig of the Talos cluster." },
  ingressClassName: { schema: z.string(), description: "The default IngressClass (Traefik)." },
  ingressNamespace: { schema: z.string(), description: "Namespace of the ingress controller." },
  ingressPodLabels: {
    schema: z.record(z.string(), z.string()),
    description: "Labels of the ingress controller's pods, for application NetworkPolicies.",
  },
  storageClassName: { schema: z.string(), description: "The default StorageClass." },
  clusterSecretStoreName: { schema: z.string(), description: "The ClusterSecretStore on AWS Secrets Manager." },
  clusterIssuerName: { schema: z.string(), description: "The ClusterIssuer (ACME DNS-01 on the lab zone)." },
  secretsPrefix: {
    schema: z.string(),
    description: "Secrets Manager prefix of the lab's secrets (from `aws`), ending in `/`.",
  },
});
