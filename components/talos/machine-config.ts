import { isIPv4 } from "node:net";
import { Document } from "yaml";
import { isDnsLabel, isHostname, isIpv4Cidr } from "../common/validation";
import { installerImage } from "./image-factory";
import type { CertificateAndKey, TalosSecretsBundle } from "./secrets";

/**
 * The Talos release lines the renderer writes configs for, each with the document layout of its official schema (copies
 * in components/talos/testdata/schemas/): v1.11 as one `v1alpha1` document with `machine.network`; v1.13 as a
 * `v1alpha1` document plus the network documents (`HostnameConfig`, `LinkConfig`, `ResolverConfig`, `Layer2VIPConfig`,
 * `TimeSyncConfig`) that replace `machine.network` there. v1.13 is the current line and the default (docs/lab.md).
 */
export const TALOS_LINES = ["v1.11", "v1.13"] as const;

/** A supported Talos release line. */
export type TalosLine = (typeof TALOS_LINES)[number];

/** The Talos version the lab runs unless config says otherwise: the newest v1.13 patch release. */
export const DEFAULT_TALOS_VERSION = "v1.13.9";

/**
 * Kubernetes version per line when config names none: Talos's own `DefaultKubernetesVersion` of the line's newest
 * patch release (`pkg/machinery/constants/constants.go` at v1.11.6 and v1.13.9).
 */
export const DEFAULT_KUBERNETES_VERSIONS: Readonly<Record<TalosLine, string>> = {
  "v1.11": "1.34.1",
  "v1.13": "1.36.3",
};

/** A node's role in the cluster. */
export type TalosRole = "controlplane" | "worker";

/** The CNI Talos deploys at bootstrap: its default Flannel, or none (a CNI such as Cilium is installed afterwards). */
export type TalosCni = "flannel" | "none";

/** Talos's default pod subnets (`cluster.network.podSubnets`). */
export const DEFAULT_POD_SUBNETS: readonly string[] = ["10.244.0.0/16"];

/** Cluster-wide settings, the same for every node. */
export interface TalosClusterSettings {
  /** Cluster name: `cluster.clusterName`, and the name in the kubeconfig. A DNS label. */
  readonly clusterName: string;
  /** Talos version, `vX.Y.Z`, on a line in {@link TALOS_LINES}; also the tag of the installer image. */
  readonly talosVersion: string;
  /**
   * Kubernetes version `X.Y.Z` for the kubelet and control-plane images.
   * @default the line's entry in {@link DEFAULT_KUBERNETES_VERSIONS}
   */
  readonly kubernetesVersion?: string;
  /** The control-plane virtual IP (IPv4): the API endpoint `https://<vip>:6443`, held by one control plane at a time. */
  readonly vip: string;
  /** Image Factory schematic ID of the nodes' image (with the qemu guest agent extension). */
  readonly schematicId: string;
  /**
   * Pod CIDRs.
   * @default ["10.244.0.0/16"]
   */
  readonly podSubnets?: readonly string[];
  /**
   * Service CIDRs.
   * @default ["10.96.0.0/12"]
   */
  readonly serviceSubnets?: readonly string[];
  /**
   * The cluster DNS domain.
   * @default "cluster.local"
   */
  readonly dnsDomain?: string;
  /**
   * The CNI Talos installs at bootstrap.
   * @default "flannel"
   */
  readonly cni?: TalosCni;
  /**
   * NTP servers. Bootstrap waits for time sync, so a lab without internet access must name a local one.
   * @default Talos's built-in time.cloudflare.com
   */
  readonly timeServers?: readonly string[];
  /**
   * Run kube-proxy. Off when the CNI replaces it (Cilium's kube-proxy replacement): `cluster.proxy.disabled`.
   * @default true
   */
  readonly kubeProxy?: boolean;
  /**
   * Manifests the control planes apply at bootstrap (`cluster.inlineManifests`); Talos creates what is missing and
   * never updates or deletes. Control planes only, identical on each.
   * @default []
   */
  readonly inlineManifests?: readonly { readonly name: string; readonly contents: string }[];
  /**
   * Talos API access from Kubernetes pods (`machine.features.kubernetesTalosAPIAccess`, control planes only): the roles
   * a `talos.dev/v1alpha1` ServiceAccount may get, and the namespaces it may live in. Unset: no access.
   */
  readonly talosApiAccess?: { readonly roles: readonly string[]; readonly namespaces: readonly string[] };
  /**
   * The nodes' ingress firewall ({@link TalosFirewall}). Unset: Talos's default, every port open to every network.
   */
  readonly firewall?: TalosFirewall;
}

/** A port the nodes open to each other: the CNI's overlay and health checks, a load balancer's gossip. */
export interface TalosNodeService {
  /** Names the rule `<name>-ingress`: a lowercase DNS label. */
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  /** Ports and inclusive ranges, e.g. `[8472]` or `["2379-2380"]`. */
  readonly ports: readonly (number | string)[];
}

/**
 * Talos's ingress firewall (https://www.talos.dev/v1.11/talos-guides/network/ingress-firewall/): the default action
 * `block`, and one `NetworkRuleConfig` per host service with the sources that need it. Talos itself keeps the
 * loopback interface, ICMP (rate-limited) and traffic between the pod and service subnets open. The Talos API and
 * the Kubernetes API take mTLS, but a port nobody outside needs is one nobody outside should reach.
 */
export interface TalosFirewall {
  /** Networks that reach apid (talosctl, Pulumi's Talos resources) and the Kubernetes API: admins and the deployer. */
  readonly adminCidrs: readonly string[];
  /** Every control plane's IPv4 address. */
  readonly controlPlanes: readonly string[];
  /** Every worker's IPv4 address. */
  readonly workers: readonly string[];
  /**
   * The pod subnets. Talos's own exception covers pod-to-pod traffic only; a pod that calls the Kubernetes API (its
   * `kubernetes` Service resolves to the control planes' 6443) or the Talos API (Talos API access from Kubernetes)
   * reaches a host port with its pod address, which Cilium does not masquerade towards nodes.
   */
  readonly podSubnets: readonly string[];
  /** Ports every node opens to every other node. */
  readonly nodeServices: readonly TalosNodeService[];
}

/**
 * A Talos user volume (`UserVolumeConfig`, Talos v1.10 and later): a partition on the first disk the selector
 * matches, mounted at `/var/mnt/<name>` (docs.siderolabs.com, disk management).
 */
export interface TalosUserVolume {
  /** Volume name: 1 to 34 letters, digits and hyphens; the mount point is `/var/mnt/<name>`. */
  readonly name: string;
  /** CEL expression over `disk` and `system_disk` that picks the disk, e.g. `!system_disk`. */
  readonly diskSelector: string;
  /** Smallest size Talos accepts for the partition, e.g. `63GiB`; the partition grows to the disk. */
  readonly minSize: string;
}

/** One node's own settings. */
export interface TalosNodeSettings {
  /** The node's hostname (a DNS label); Proxmox's nocloud meta-data carries none, so the config sets it. */
  readonly hostname: string;
  /** Control plane or worker. */
  readonly role: TalosRole;
  /** Static IPv4 address with prefix length, e.g. `192.168.10.11/24`. */
  readonly address: string;
  /** Default gateway (IPv4). */
  readonly gateway: string;
  /** DNS servers (IPv4). At least one. */
  readonly nameservers: readonly string[];
  /**
   * The network link. The nocloud image boots with `net.ifnames=0`, so the first NIC is `eth0`.
   * @default "eth0"
   */
  readonly link?: string;
  /**
   * Install disk, used when Talos installs or upgrades itself: `/dev/sda` is the first disk on VirtIO SCSI.
   * @default "/dev/sda"
   */
  readonly installDisk?: string;
  /**
   * Extra Kubernetes labels of the node (`machine.nodeLabels`), e.g. the topology labels the Proxmox CSI plugin
   * places volumes by (`proxmoxTopologyLabels` in components/kubernetes/platform/storage.ts).
   * @default {}
   */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /**
   * User volumes of the node, e.g. the one local-path-provisioner keeps its volumes on.
   * @default []
   */
  readonly userVolumes?: readonly TalosUserVolume[];
}

/** Everything one node's machine config is rendered from, as plain values. */
export interface MachineConfigInput {
  /** Cluster-wide settings. */
  readonly cluster: TalosClusterSettings;
  /** The node. */
  readonly node: TalosNodeSettings;
  /** The cluster's secrets bundle (plain strings: render inside `apply` only). */
  readonly secrets: TalosSecretsBundle;
}

/** A YAML document as a plain object. */
export type TalosDocument = Record<string, unknown>;

const VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;
const KUBERNETES_VERSION = /^\d+\.\d+\.\d+$/;
const LINK_NAME = /^[a-zA-Z0-9_.-]{1,15}$/;
const INSTALL_DISK = /^\/dev\/[a-zA-Z0-9/_-]+$/;
/** A label key: an optional DNS-name prefix and a name of at most 63 characters (Kubernetes' label syntax). */
const LABEL_KEY = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
/** A label value: empty, or at most 63 characters beginning and ending with an alphanumeric. */
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

/** The Kubernetes API server port on the control planes and the VIP. */
export const KUBERNETES_API_PORT = 6443;

function lineOf(talosVersion: string): TalosLine | undefined {
  const match = VERSION.exec(talosVersion);
  return TALOS_LINES.find((line) => match !== null && line === `v${match[1]}.${match[2]}`);
}

function unsupportedVersion(talosVersion: string): string {
  return (
    `talosVersion '${talosVersion}' is not supported; use a release of ${TALOS_LINES.join(" or ")} ` +
    `written vX.Y.Z, e.g. ${DEFAULT_TALOS_VERSION}`
  );
}

/** The Talos line of a version string; throws an error naming the key and the supported lines. */
export function talosLine(talosVersion: string): TalosLine {
  const line = lineOf(talosVersion);
  if (line === undefined) throw new Error(unsupportedVersion(talosVersion));
  return line;
}

/** Checks the inputs and reports every problem at once, each naming its key and the fix. */
function validate(input: MachineConfigInput): void {
  const { cluster, node } = input;
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  check(isDnsLabel(cluster.clusterName), `clusterName '${cluster.clusterName}' must be a lowercase DNS label`);
  check(lineOf(cluster.talosVersion) !== undefined, unsupportedVersion(cluster.talosVersion));
  if (cluster.kubernetesVersion !== undefined) {
    check(
      KUBERNETES_VERSION.test(cluster.kubernetesVersion),
      `kubernetesVersion '${cluster.kubernetesVersion}' must be X.Y.Z without a leading v, e.g. 1.36.3`,
    );
  }
  check(
    /^[0-9a-f]{64}$/.test(cluster.schematicId),
    `schematicId '${cluster.schematicId}' must be the 64 hex characters of an Image Factory schematic ID`,
  );
  check(isIPv4(cluster.vip), `vip '${cluster.vip}' must be an IPv4 address, e.g. 192.168.10.10`);
  for (const [key, cidrs] of [
    ["podSubnets", cluster.podSubnets],
    ["serviceSubnets", cluster.serviceSubnets],
  ] as const) {
    if (cidrs === undefined) continue;
    check(cidrs.length > 0, `${key} must not be empty; leave it unset for Talos's default`);
    for (const cidr of cidrs)
      check(isIpv4Cidr(cidr), `${key} entry '${cidr}' must be an IPv4 CIDR, e.g. 10.244.0.0/16`);
  }
  if (cluster.dnsDomain !== undefined) {
    check(isHostname(cluster.dnsDomain), `dnsDomain '${cluster.dnsDomain}' must be a DNS name, e.g. cluster.local`);
  }
  for (const server of cluster.timeServers ?? []) {
    check(isIPv4(server) || isHostname(server), `timeServers entry '${server}' must be a host name or IPv4 address`);
  }
  check(isDnsLabel(node.hostname), `hostname '${node.hostname}' must be a lowercase DNS label, e.g. talos-cp-1`);
  check(
    isIpv4Cidr(node.address),
    `address '${node.address}' of ${node.hostname} must be IPv4/prefix, e.g. 192.168.10.11/24`,
  );
  check(isIPv4(node.gateway), `gateway '${node.gateway}' of ${node.hostname} must be an IPv4 address`);
  check(node.nameservers.length > 0, `nameservers of ${node.hostname} must name at least one DNS server`);
  for (const server of node.nameservers) {
    check(isIPv4(server), `nameservers entry '${server}' of ${node.hostname} must be an IPv4 address`);
  }
  if (node.link !== undefined) {
    check(LINK_NAME.test(node.link), `link '${node.link}' of ${node.hostname} must be an interface name, e.g. eth0`);
  }
  if (node.installDisk !== undefined) {
    check(
      INSTALL_DISK.test(node.installDisk),
      `installDisk '${node.installDisk}' of ${node.hostname} must be a device path, e.g. /dev/sda`,
    );
  }
  for (const [key, value] of Object.entries(node.nodeLabels ?? {})) {
    check(
      LABEL_KEY.test(key) && LABEL_VALUE.test(value),
      `nodeLabels entry '${key}: ${value}' of ${node.hostname} must be a Kubernetes label (prefix/name: value)`,
    );
  }
  for (const volume of node.userVolumes ?? []) {
    check(
      /^[A-Za-z0-9-]{1,34}$/.test(volume.name),
      `userVolumes name '${volume.name}' of ${node.hostname} must be 1 to 34 letters, digits and hyphens`,
    );
    check(
      /^\d+(\.\d+)?\s?([KMGT]i?B)?$/.test(volume.minSize),
      `userVolumes minSize '${volume.minSize}' of ${node.hostname} must be a size such as 63GiB`,
    );
    check(volume.diskSelector.trim().length > 0, `userVolumes diskSelector of ${node.hostname} must not be empty`);
  }
  for (const manifest of cluster.inlineManifests ?? []) {
    check(isDnsLabel(manifest.name), `inlineManifests name '${manifest.name}' must be a lowercase DNS label`);
  }
  if (cluster.talosApiAccess !== undefined) {
    // The roles of pkg/machinery/role/role.go; os:admin is never handed to a pod.
    const roles = ["os:reader", "os:operator", "os:etcd:backup"];
    for (const role of cluster.talosApiAccess.roles) {
      check(roles.includes(role), `talosApiAccess role '${role}' must be one of ${roles.join(", ")}`);
    }
    for (const namespace of cluster.talosApiAccess.namespaces) {
      check(isDnsLabel(namespace), `talosApiAccess namespace '${namespace}' must be a namespace name`);
    }
  }
  if (cluster.firewall !== undefined) problems.push(...firewallProblems(cluster.firewall));
  if (problems.length > 0) throw new Error(`Talos machine config: ${problems.join("; ")}`);
}

function firewallProblems(firewall: TalosFirewall): string[] {
  const problems: string[] = [];
  for (const cidr of firewall.adminCidrs) {
    if (!isIpv4Cidr(cidr))
      problems.push(`firewall adminCidrs entry '${cidr}' must be an IPv4 CIDR, e.g. 192.168.1.0/24`);
    else if (cidr.endsWith("/0")) {
      problems.push(`firewall adminCidrs entry '${cidr}' opens the Talos and Kubernetes APIs to every network`);
    }
  }
  if (firewall.controlPlanes.length === 0) problems.push("firewall controlPlanes must name every control plane");
  for (const cidr of firewall.podSubnets) {
    if (!isIpv4Cidr(cidr))
      problems.push(`firewall podSubnets entry '${cidr}' must be an IPv4 CIDR, e.g. 10.244.0.0/16`);
  }
  for (const address of [...firewall.controlPlanes, ...firewall.workers]) {
    if (!isIPv4(address)) problems.push(`firewall node address '${address}' must be an IPv4 address`);
  }
  for (const service of firewall.nodeServices) {
    if (!isDnsLabel(service.name)) problems.push(`firewall nodeServices name '${service.name}' must be a DNS label`);
    if (service.ports.length === 0) problems.push(`firewall nodeServices '${service.name}' must name a port`);
    for (const port of service.ports) {
      const range = typeof port === "number" ? [port, port] : (/^(\d+)-(\d+)$/.exec(port)?.slice(1).map(Number) ?? []);
      if (
        range.length !== 2 ||
        range[0] < 1 ||
        range[1] > 65535 ||
        range[0] > range[1] ||
        !range.every(Number.isInteger)
      ) {
        problems.push(`firewall nodeServices '${service.name}' port '${port}' must be 1-65535 or a range a-b`);
      }
    }
  }
  return problems;
}

/** `crt`/`key` fields hold base64 of the whole PEM (siderolabs/crypto `CertificateAndKey.MarshalYAML`). */
function b64(pem: string): string {
  return Buffer.from(pem, "utf8").toString("base64");
}

function caPair(ca: CertificateAndKey): { crt: string; key: string } {
  return { crt: b64(ca.certPem), key: b64(ca.keyPem) };
}

/**
 * The Pod Security admission defaults `talosctl gen config` writes: baseline enforced (the generator's golden output,
 * `base-controlplane.yaml` in
 * https://github.com/siderolabs/talos/tree/v1.11.6/pkg/machinery/config/types/v1alpha1/testdata/stability/v1.11).
 */
const POD_SECURITY_ADMISSION = [
  {
    name: "PodSecurity",
    configuration: {
      apiVersion: "pod-security.admission.config.k8s.io/v1alpha1",
      kind: "PodSecurityConfiguration",
      defaults: {
        audit: "restricted",
        "audit-version": "latest",
        enforce: "baseline",
        "enforce-version": "latest",
        warn: "restricted",
        "warn-version": "latest",
      },
      exemptions: { namespaces: ["kube-system"], runtimeClasses: [], usernames: [] },
    },
  },
];

/** The audit policy `talosctl gen config` writes: metadata of every request. */
const AUDIT_POLICY = { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] };

/**
 * The feature flags the generator writes for the line. An absent flag means off on ≤v1.11, so they are explicit;
 * v1.12 locked `rbac`, `stableHostname` and `apidCheckExtKeyUsage` on and dropped them from the schema.
 */
function features(line: TalosLine, input: MachineConfigInput): TalosDocument {
  const access = input.cluster.talosApiAccess;
  const common = {
    diskQuotaSupport: true,
    kubePrism: { enabled: true, port: 7445 },
    hostDNS: { enabled: true, forwardKubeDNSToHost: true },
    // Talos refuses the feature on workers ("can only be enabled on control plane machines").
    ...(access !== undefined && input.node.role === "controlplane"
      ? {
          kubernetesTalosAPIAccess: {
            enabled: true,
            allowedRoles: [...access.roles],
            allowedKubernetesNamespaces: [...access.namespaces],
          },
        }
      : {}),
  };
  return line === "v1.11" ? { rbac: true, stableHostname: true, apidCheckExtKeyUsage: true, ...common } : common;
}

/**
 * `machine.nodeLabels`: the node's own labels, and on control planes the label Talos puts there like kubeadm does,
 * which load balancers (MetalLB) honour by skipping those nodes (https://github.com/siderolabs/talos/issues/9960,
 * https://github.com/metallb/metallb/issues/2676). Empty means no key at all.
 */
function nodeLabels(node: TalosNodeSettings): TalosDocument {
  const labels: Record<string, string> = {
    ...(node.role === "controlplane" ? { "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {}),
    ...node.nodeLabels,
  };
  return Object.keys(labels).length === 0 ? {} : { nodeLabels: labels };
}

/** The `v1alpha1` machine config document for the node. */
function v1alpha1Document(input: MachineConfigInput, line: TalosLine): TalosDocument {
  const { cluster, node, secrets } = input;
  const controlPlane = node.role === "controlplane";
  const kubernetesVersion = cluster.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSIONS[line];
  const link = node.link ?? "eth0";

  const machine: TalosDocument = {
    type: node.role,
    token: secrets.machineToken,
    // The OS CA key signs Talos API certificates; Talos rejects it on workers, so they get the certificate only.
    ca: controlPlane ? caPair(secrets.osCa) : { crt: b64(secrets.osCa.certPem) },
    kubelet: {
      image: `ghcr.io/siderolabs/kubelet:v${kubernetesVersion}`,
      defaultRuntimeSeccompProfileEnabled: true,
      disableManifestsDirectory: true,
    },
    ...(line === "v1.11"
      ? {
          network: {
            hostname: node.hostname,
            interfaces: [
              {
                interface: link,
                addresses: [node.address],
                routes: [{ network: "0.0.0.0/0", gateway: node.gateway }],
                ...(controlPlane ? { vip: { ip: cluster.vip } } : {}),
              },
            ],
            nameservers: [...node.nameservers],
          },
        }
      : {}),
    install: {
      disk: node.installDisk ?? "/dev/sda",
      image: installerImage(cluster.schematicId, cluster.talosVersion),
      wipe: false,
      ...(line === "v1.13" ? { grubUseUKICmdline: true } : {}),
    },
    ...(line === "v1.11" && cluster.timeServers !== undefined ? { time: { servers: [...cluster.timeServers] } } : {}),
    features: features(line, input),
    ...nodeLabels(node),
  };

  const endpoint = `https://${cluster.vip}:${KUBERNETES_API_PORT}`;
  const discovery = { enabled: true, registries: { kubernetes: { disabled: true }, service: {} } };
  const clusterSection: TalosDocument = {
    id: secrets.clusterId,
    secret: secrets.clusterSecret,
    controlPlane: { endpoint },
    clusterName: cluster.clusterName,
    network: {
      dnsDomain: cluster.dnsDomain ?? "cluster.local",
      podSubnets: [...(cluster.podSubnets ?? DEFAULT_POD_SUBNETS)],
      serviceSubnets: [...(cluster.serviceSubnets ?? ["10.96.0.0/12"])],
      cni: { name: cluster.cni ?? "flannel" },
    },
    token: secrets.bootstrapToken,
    ...(controlPlane
      ? {
          secretboxEncryptionSecret: secrets.secretboxEncryptionSecret,
          ca: caPair(secrets.kubernetesCa),
          aggregatorCA: caPair(secrets.aggregatorCa),
          serviceAccount: { key: b64(secrets.serviceAccountKeyPem) },
          apiServer: {
            image: `registry.k8s.io/kube-apiserver:v${kubernetesVersion}`,
            certSANs: [cluster.vip],
            ...(line === "v1.11" ? { disablePodSecurityPolicy: true } : {}),
            admissionControl: POD_SECURITY_ADMISSION,
            auditPolicy: AUDIT_POLICY,
          },
          controllerManager: { image: `registry.k8s.io/kube-controller-manager:v${kubernetesVersion}` },
          proxy:
            cluster.kubeProxy === false
              ? { disabled: true }
              : { image: `registry.k8s.io/kube-proxy:v${kubernetesVersion}` },
          scheduler: { image: `registry.k8s.io/kube-scheduler:v${kubernetesVersion}` },
          discovery,
          etcd: { ca: caPair(secrets.etcdCa) },
          ...((cluster.inlineManifests ?? []).length > 0
            ? { inlineManifests: (cluster.inlineManifests ?? []).map(({ name, contents }) => ({ name, contents })) }
            : {}),
        }
      : { ca: { crt: b64(secrets.kubernetesCa.certPem) }, discovery }),
  };

  return { version: "v1alpha1", debug: false, machine, cluster: clusterSection };
}

/**
 * The v1.13 network documents that replace `machine.network`, deprecated in v1.13 (`NetworkConfig` in
 * https://github.com/siderolabs/talos/blob/v1.13.9/pkg/machinery/config/types/v1alpha1/v1alpha1_types.go).
 */
function networkDocuments(input: MachineConfigInput): TalosDocument[] {
  const { cluster, node } = input;
  const link = node.link ?? "eth0";
  const documents: TalosDocument[] = [
    // A static hostname conflicts with `auto`, so `auto` is left out.
    { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: node.hostname },
    {
      apiVersion: "v1alpha1",
      kind: "LinkConfig",
      name: link,
      addresses: [{ address: node.address }],
      // No destination: Talos makes the default route for the gateway's address family.
      routes: [{ gateway: node.gateway }],
    },
    {
      apiVersion: "v1alpha1",
      kind: "ResolverConfig",
      nameservers: node.nameservers.map((address) => ({ address })),
    },
  ];
  if (node.role === "controlplane") {
    documents.push({ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: cluster.vip, link });
  }
  if (cluster.timeServers !== undefined) {
    documents.push({ apiVersion: "v1alpha1", kind: "TimeSyncConfig", ntp: { servers: [...cluster.timeServers] } });
  }
  return documents;
}

/** Talos's own ports (https://www.talos.dev/v1.10/learn-more/talos-network-connectivity/). */
const TALOS_PORTS = { apid: 50000, trustd: 50001, etcd: "2379-2380", kubelet: 10250 } as const;

/** One opening of a node's ingress firewall: who may reach which ports. */
export interface TalosFirewallRule {
  /** The rule's name (`NetworkRuleConfig` name), `<service>-ingress`. */
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  /** Ports and inclusive ranges `a-b`. */
  readonly ports: readonly (number | string)[];
  /** Source CIDRs, each once. */
  readonly sources: readonly string[];
}

/**
 * The openings of a node's ingress firewall ({@link TalosFirewall}): on a control plane, apid for the admin networks,
 * the other control planes and the pods (the etcd backup's Talos API access), the Kubernetes API for the admin
 * networks, every node (a worker's KubePrism forwards to it) and the pods, trustd for every node (workers fetch their certificates from it), etcd for the control planes; on
 * a worker, apid for the admin networks and the control planes (which proxy talosctl to it); on both, the kubelet for
 * the control planes (the API server's logs, exec and metrics) and the node services. Talos enforces them in the
 * node, the Proxmox firewall of its VM (components/talos/cluster.ts) again at the host.
 */
export function talosFirewallRules(role: TalosRole, firewall: TalosFirewall): TalosFirewallRule[] {
  const hosts = (addresses: readonly string[]) => addresses.map((address) => `${address}/32`);
  const everyNode = hosts([...firewall.controlPlanes, ...firewall.workers]);
  const controlPlanes = hosts(firewall.controlPlanes);
  const rule = (
    name: string,
    protocol: "tcp" | "udp",
    ports: readonly (number | string)[],
    sources: readonly string[],
  ): TalosFirewallRule => ({ name: `${name}-ingress`, protocol, ports, sources: [...new Set(sources)] });
  const own =
    role === "controlplane"
      ? [
          rule("apid", "tcp", [TALOS_PORTS.apid], [...firewall.adminCidrs, ...controlPlanes, ...firewall.podSubnets]),
          rule("trustd", "tcp", [TALOS_PORTS.trustd], everyNode),
          rule(
            "kubernetes-api",
            "tcp",
            [KUBERNETES_API_PORT],
            [...firewall.adminCidrs, ...everyNode, ...firewall.podSubnets],
          ),
          rule("etcd", "tcp", [TALOS_PORTS.etcd], controlPlanes),
        ]
      : [rule("apid", "tcp", [TALOS_PORTS.apid], [...firewall.adminCidrs, ...controlPlanes])];
  return [
    ...own,
    rule("kubelet", "tcp", [TALOS_PORTS.kubelet], controlPlanes),
    ...firewall.nodeServices.map((service) => rule(service.name, service.protocol, service.ports, everyNode)),
  ];
}

/** The firewall as Talos documents: the default action `block`, then one `NetworkRuleConfig` per rule. */
function firewallDocuments(node: TalosNodeSettings, firewall: TalosFirewall): TalosDocument[] {
  return [
    { apiVersion: "v1alpha1", kind: "NetworkDefaultActionConfig", ingress: "block" },
    ...talosFirewallRules(node.role, firewall).map((rule) => ({
      apiVersion: "v1alpha1",
      kind: "NetworkRuleConfig",
      name: rule.name,
      portSelector: { ports: [...rule.ports], protocol: rule.protocol },
      ingress: rule.sources.map((subnet) => ({ subnet })),
    })),
  ];
}

/**
 * The node's machine config as documents, in the layout of its Talos line. Leaves out `persist`, which the
 * generator still writes but the schema no longer has (components/talos/testdata/schemas/README.md).
 */
export function machineConfigDocuments(input: MachineConfigInput): TalosDocument[] {
  validate(input);
  const line = talosLine(input.cluster.talosVersion);
  const main = v1alpha1Document(input, line);
  // Both lines have UserVolumeConfig as its own document (it replaced machine.disks in v1.10).
  const volumes = (input.node.userVolumes ?? []).map((volume): TalosDocument => ({
    apiVersion: "v1alpha1",
    kind: "UserVolumeConfig",
    name: volume.name,
    provisioning: { diskSelector: { match: volume.diskSelector }, minSize: volume.minSize, grow: true },
  }));
  const firewall = input.cluster.firewall === undefined ? [] : firewallDocuments(input.node, input.cluster.firewall);
  return line === "v1.11"
    ? [main, ...volumes, ...firewall]
    : [main, ...networkDocuments(input), ...volumes, ...firewall];
}

/**
 * The node's machine config as the YAML stream Talos reads from nocloud user-data: one document per
 * {@link machineConfigDocuments} entry, separated by `---`.
 */
export function renderMachineConfig(input: MachineConfigInput): string {
  return machineConfigDocuments(input)
    .map((content, index) => {
      const document = new Document(content);
      // The library writes the `---` separator in front of every document after the first.
      if (index > 0 && document.directives) document.directives.docStart = true;
      return document.toString({ lineWidth: 0 });
    })
    .join("");
}
