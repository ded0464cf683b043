import * as pulumi from "@pulumi/pulumi";
import { isIPv4 } from "node:net";
import {
  allowIngressPolicySpec,
  CHARTS,
  createNamespace,
  createNetworkPolicy,
  createRelease,
  requireDnsLabel,
  resources,
  RESTRICTED_CONTAINER,
} from "./common";

/** Arguments of {@link Traefik}. */
export interface TraefikArgs {
  /** Name of the IngressClass Traefik serves, marked the cluster's default. @default "traefik" */
  readonly ingressClassName?: string;
  /** Traefik replicas; with more than one, a PodDisruptionBudget keeps one serving through node drains. @default 2 */
  readonly replicas?: number;
  /**
   * A fixed address for the LoadBalancer Service, from the MetalLB pool (annotation `metallb.io/loadBalancerIPs`), so
   * the lab's DNS records keep their target across reinstalls. Unset: MetalLB picks one.
   */
  readonly loadBalancerIp?: string;
  /** MetalLB pool to take the address from (annotation `metallb.io/address-pool`). Unset: any auto-assign pool. */
  readonly addressPool?: pulumi.Input<string>;
  /** Namespace of Traefik. @default "traefik" */
  readonly namespace?: string;
}

/** Labels of the Traefik pods, stable across chart versions: what NetworkPolicies admit ingress traffic from. */
export const TRAEFIK_POD_LABELS = { "app.kubernetes.io/name": "traefik" } as const;

/** Plain inputs of {@link traefikValues}. */
export interface TraefikValuesInput {
  readonly ingressClassName: string;
  readonly replicas: number;
  readonly loadBalancerIp?: string;
  readonly addressPool?: string;
}

/**
 * Chart values: the Kubernetes Ingress provider serving the default IngressClass and publishing the Service address
 * in each Ingress's status (which ExternalDNS reads), a LoadBalancer Service that MetalLB serves, a restricted
 * security context, and requests and limits.
 */
export function traefikValues(input: TraefikValuesInput): Record<string, unknown> {
  const annotations: Record<string, string> = {};
  if (input.addressPool !== undefined) annotations["metallb.io/address-pool"] = input.addressPool;
  if (input.loadBalancerIp !== undefined) annotations["metallb.io/loadBalancerIPs"] = input.loadBalancerIp;
  return {
    deployment: { replicas: input.replicas },
    podDisruptionBudget: input.replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
    ingressClass: { enabled: true, isDefaultClass: true, name: input.ingressClassName },
    providers: {
      kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
      kubernetesCRD: { enabled: true },
    },
    service: { type: "LoadBalancer", annotations },
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: RESTRICTED_CONTAINER,
    resources: resources("100m", "128Mi", "1", "256Mi"),
  };
}

/**
 * Traefik as the cluster's ingress controller and default IngressClass (ingress-nginx reached its end of life in March
 * 2026: https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/), behind a MetalLB address, in a `restricted`
 * namespace.
 */
export class Traefik extends pulumi.ComponentResource {
  /** Name of the default IngressClass. */
  readonly ingressClassName: pulumi.Output<string>;
  /** Traefik's namespace: NetworkPolicies admit ingress traffic from it. */
  readonly namespace: pulumi.Output<string>;
  /** Labels of the Traefik pods: NetworkPolicies admit ingress traffic from them. */
  readonly podLabels: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:Traefik", name, {}, opts);
    const namespaceName = args.namespace ?? "traefik";
    const ingressClassName = args.ingressClassName ?? "traefik";
    const replicas = args.replicas ?? 2;
    requireDnsLabel(this, "Traefik", name, "namespace", namespaceName);
    requireDnsLabel(this, "Traefik", name, "ingressClassName", ingressClassName);
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new pulumi.ResourceError(
        `Traefik '${name}': replicas must be a whole number of at least 1, got ${replicas}`,
        this,
      );
    }
    if (args.loadBalancerIp !== undefined && !isIPv4(args.loadBalancerIp)) {
      throw new pulumi.ResourceError(
        `Traefik '${name}': loadBalancerIp '${args.loadBalancerIp}' must be one IPv4 address from the MetalLB pool`,
        this,
      );
    }

    const namespace = createNamespace(`${name}-namespace`, namespaceName, "restricted", this);
    // The entry points (the chart's `web` 8000 and `websecure` 8443), from anywhere: MetalLB's address leads here.
    createNetworkPolicy(
      `${name}-allow-entrypoints`,
      allowIngressPolicySpec("allow-entrypoints", namespaceName, TRAEFIK_POD_LABELS, [8000, 8443]),
      namespace.metadata.name,
      { parent: this, dependsOn: [namespace] },
    );
    const values = pulumi.output(args.addressPool).apply((addressPool) =>
      traefikValues({
        ingressClassName,
        replicas,
        ...(args.loadBalancerIp === undefined ? {} : { loadBalancerIp: args.loadBalancerIp }),
        ...(addressPool === undefined ? {} : { addressPool }),
      }),
    );
    createRelease(`${name}-chart`, "traefik", CHARTS.traefik, namespace, values, this);

    this.ingressClassName = pulumi.output(ingressClassName);
    this.namespace = namespace.metadata.name;
    this.podLabels = pulumi.output<Record<string, string>>({ ...TRAEFIK_POD_LABELS });
    this.registerOutputs({
      ingressClassName: this.ingressClassName,
      namespace: this.namespace,
      podLabels: this.podLabels,
    });
  }
}
