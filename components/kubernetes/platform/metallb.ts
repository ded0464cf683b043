import * as kubernetes from "@pulumi/kubernetes";
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
} from "./common";

/** Labels of the MetalLB controller's pods in the chart (the webhook server). */
export const METALLB_CONTROLLER_LABELS = {
  "app.kubernetes.io/name": "metallb",
  "app.kubernetes.io/component": "controller",
} as const;

/** Arguments of {@link MetalLb}. */
export interface MetalLbArgs {
  /**
   * Addresses MetalLB hands to `LoadBalancer` Services, on the nodes' L2 segment and outside its DHCP range: IPv4
   * ranges (`192.168.1.240-192.168.1.250`) or CIDRs (`192.168.1.240/28`).
   */
  readonly addresses: readonly string[];
  /**
   * Announce addresses from control-plane nodes too. Talos labels control planes
   * `node.kubernetes.io/exclude-from-external-load-balancers` and MetalLB honours the label, so a cluster whose
   * Services may only land on control planes announces nothing unless this is set
   * (https://github.com/metallb/metallb/issues/2676; the chart's `speaker.ignoreExcludeLB`).
   * @default false
   */
  readonly announceFromControlPlanes?: boolean;
  /** Namespace of MetalLB, its pool and its advertisement. @default "metallb-system" */
  readonly namespace?: string;
}

/** An `IPAddressPool` (metallb.io/v1beta1). */
export interface IpAddressPool {
  readonly apiVersion: "metallb.io/v1beta1";
  readonly kind: "IPAddressPool";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly addresses: string[]; readonly autoAssign: boolean };
}

/** An `L2Advertisement` (metallb.io/v1beta1) of named pools. */
export interface L2Advertisement {
  readonly apiVersion: "metallb.io/v1beta1";
  readonly kind: "L2Advertisement";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: { readonly ipAddressPools: string[] };
}

/** The address pool MetalLB assigns from. */
export function ipAddressPoolSpec(name: string, namespace: string, addresses: readonly string[]): IpAddressPool {
  return {
    apiVersion: "metallb.io/v1beta1",
    kind: "IPAddressPool",
    metadata: { name, namespace },
    spec: { addresses: [...addresses], autoAssign: true },
  };
}

/** The L2 advertisement of exactly that pool (an empty selector would advertise every pool, present and future). */
export function l2AdvertisementSpec(name: string, namespace: string, pool: string): L2Advertisement {
  return {
    apiVersion: "metallb.io/v1beta1",
    kind: "L2Advertisement",
    metadata: { name, namespace },
    spec: { ipAddressPools: [pool] },
  };
}

/** Chart values: L2 only (no FRR), CRDs from the chart, requests and limits on every container. */
export function metallbValues(announceFromControlPlanes: boolean): Record<string, unknown> {
  return {
    crds: { enabled: true },
    controller: { resources: resources("10m", "64Mi", "200m", "128Mi") },
    speaker: {
      // FRR is only for BGP; L2 mode announces with ARP from the speaker itself (https://metallb.io/configuration/).
      frr: { enabled: false },
      ignoreExcludeLB: announceFromControlPlanes,
      resources: resources("10m", "64Mi", "200m", "128Mi"),
    },
  };
}

/**
 * The speakers' memberlist, which moves an address to another node within seconds when one fails: port 7946, TCP and
 * UDP, between the nodes (https://metallb.io/installation/#requirements). What a node firewall must let through.
 */
export const METALLB_NODE_SERVICES = [
  { name: "metallb-memberlist-tcp", protocol: "tcp", ports: [7946] },
  { name: "metallb-memberlist-udp", protocol: "udp", ports: [7946] },
] as const;

/** True when `entry` is an IPv4 CIDR or an ascending IPv4 range `a-b`. */
export function isAddressEntry(entry: string): boolean {
  const cidr = /^([0-9.]+)\/([0-9]{1,2})$/.exec(entry);
  if (cidr) return isIPv4(cidr[1]) && Number(cidr[2]) <= 32;
  const range = /^([0-9.]+)-([0-9.]+)$/.exec(entry);
  if (!range || !isIPv4(range[1]) || !isIPv4(range[2])) return false;
  const toNumber = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  return toNumber(range[1]) <= toNumber(range[2]);
}

/**
 * MetalLB in L2 mode: the chart in a privileged namespace (the speaker uses the host network and raw sockets,
 * https://metallb.io/installation/), one `IPAddressPool` of the given addresses and one `L2Advertisement` of that pool.
 */
export class MetalLb extends pulumi.ComponentResource {
  /** MetalLB's namespace. */
  readonly namespace: pulumi.Output<string>;
  /** Name of the address pool; Services may ask for it with the `metallb.io/address-pool` annotation. */
  readonly poolName: pulumi.Output<string>;

  constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:MetalLb", name, {}, opts);
    const namespaceName = args.namespace ?? "metallb-system";
    requireDnsLabel(this, "MetalLb", name, "namespace", namespaceName);
    requireDnsLabel(this, "MetalLb", name, "name", name);
    if (args.addresses.length === 0) {
      throw new pulumi.ResourceError(
        `MetalLb '${name}': addresses is empty; give at least one range such as 192.168.1.240-192.168.1.250`,
        this,
      );
    }
    const bad = args.addresses.filter((entry) => !isAddressEntry(entry));
    if (bad.length > 0) {
      throw new pulumi.ResourceError(
        `MetalLb '${name}': addresses ${bad.map((b) => `'${b}'`).join(", ")} must be IPv4 ranges (a.b.c.d-a.b.c.e, ascending) or CIDRs (a.b.c.d/n)`,
        this,
      );
    }

    const namespace = createNamespace(`${name}-namespace`, namespaceName, "privileged", this);
    // The controller's validating webhook, which the API server calls on every pool and advertisement.
    createNetworkPolicy(
      `${name}-allow-webhook`,
      allowIngressPolicySpec("allow-webhook", namespaceName, METALLB_CONTROLLER_LABELS, [9443]),
      namespace.metadata.name,
      { parent: this, dependsOn: [namespace] },
    );
    const release = createRelease(
      `${name}-chart`,
      "metallb",
      CHARTS.metallb,
      namespace,
      metallbValues(args.announceFromControlPlanes ?? false),
      this,
    );
    // The custom resources need MetalLB's CRDs and its validating webhook, both installed by the release.
    const pool = new kubernetes.apiextensions.CustomResource(
      `${name}-pool`,
      ipAddressPoolSpec(name, namespaceName, args.addresses),
      { parent: this, dependsOn: [release] },
    );
    new kubernetes.apiextensions.CustomResource(`${name}-l2`, l2AdvertisementSpec(name, namespaceName, name), {
      parent: this,
      dependsOn: [pool],
    });

    this.namespace = namespace.metadata.name;
    this.poolName = pool.metadata.name;
    this.registerOutputs({ namespace: this.namespace, poolName: this.poolName });
  }
}
