import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { isIPv4 } from "node:net";
import { addressOf, cidrContains } from "../common/ipv4";
import { isDnsLabel, isIpv4Cidr } from "../common/validation";
import type { ProxmoxFirewallRule } from "../proxmox/cloud-init-vm";
import { Bootstrap } from "./bootstrap";
import { TalosAdminCredentials } from "./credentials";
import { KubernetesApiReady } from "./health";
import { ciliumInlineManifest, ciliumProblems, CiliumSettings } from "./cilium";
import { installerImage, QEMU_GUEST_AGENT_EXTENSION, schematicId } from "./image-factory";
import {
  DEFAULT_KUBERNETES_VERSIONS,
  DEFAULT_POD_SUBNETS,
  DEFAULT_TALOS_VERSION,
  KUBERNETES_API_PORT,
  renderMachineConfig,
  TalosClusterSettings,
  TalosCni,
  TalosFirewall,
  talosFirewallRules,
  TalosNodeService,
  TalosNodeSettings,
  talosLine,
  TalosLine,
  TalosRole,
} from "./machine-config";
import { MachineConfigApply, NodeHealthy, TalosUpgrade } from "./node-lifecycle";
import type { TalosSecretsBundle } from "./secrets";
import { kubernetesSupportProblem, parseRelease } from "./versions";

/** One Talos node: where its VM runs and how it is addressed. */
export interface TalosNodeSpec {
  /** Host name (a lowercase DNS label); also the VM's name. */
  readonly hostname: string;
  /** The Proxmox node the VM runs on. */
  readonly proxmoxNode: string;
  /** Fixed Proxmox VM id, so a replacement keeps the id. */
  readonly vmId: number;
  /** Static IPv4 address with prefix length, e.g. `192.168.10.11/24`. */
  readonly address: string;
  /**
   * Extra Kubernetes labels of the node, written into its machine config (read at first boot only).
   * @default {}
   */
  readonly nodeLabels?: Readonly<Record<string, string>>;
}

/** The cluster's secrets, as {@link TalosSecrets} exposes them (the component itself satisfies this). */
export interface TalosClusterSecrets {
  /** The whole bundle, for the machine-config renderer (secret). */
  readonly bundle: pulumi.Input<TalosSecretsBundle>;
  /** OS CA certificate PEM. */
  readonly osCaCertPem: pulumi.Input<string>;
  /** OS CA private key PEM (signs the talosconfig certificate). */
  readonly osCaKeyPem: pulumi.Input<string>;
  /** Kubernetes CA certificate PEM. */
  readonly kubernetesCaCertPem: pulumi.Input<string>;
  /** Kubernetes CA private key PEM (signs the admin kubeconfig certificate). */
  readonly kubernetesCaKeyPem: pulumi.Input<string>;
}

/** CPU types that satisfy Talos's x86-64-v2 requirement (the bpg default `qemu64` does not). */
export type TalosCpuType = "host" | "x86-64-v2-AES";

/** Arguments of {@link TalosCluster}. */
export interface TalosClusterArgs {
  /** Cluster name (a lowercase DNS label): `cluster.clusterName`, the kubeconfig's cluster and context names. */
  readonly clusterName: string;
  /**
   * Talos version `vX.Y.Z` on a supported line (components/talos/machine-config.ts `TALOS_LINES`).
   * @default DEFAULT_TALOS_VERSION
   */
  readonly talosVersion?: string;
  /**
   * Talos version `vX.Y.Z` of the boot disk new VMs are created from. A running node is never rebuilt for a new
   * `talosVersion`: it is upgraded through the Talos API, and a new node boots this image and is upgraded to
   * `talosVersion` the same way. Changing it changes every VM's disk, which replaces the VMs (docs/lab.md).
   * Within one minor release of `talosVersion` and not newer, so a new node can be upgraded in one step.
   * @default talosVersion
   */
  readonly imageVersion?: string;
  /**
   * Kubernetes version `X.Y.Z`.
   * @default the Talos line's default
   */
  readonly kubernetesVersion?: string;
  /**
   * The names of the version settings in the caller's config, for the refusals of the upgrade resources (e.g.
   * `foundation:talos.talosVersion`).
   * @default { talosVersion: "talosVersion", kubernetesVersion: "kubernetesVersion" }
   */
  readonly versionSettings?: { readonly talosVersion: string; readonly kubernetesVersion: string };
  /** The control-plane VIP (IPv4, unused, in the control planes' subnet): the API endpoint `https://<vip>:6443`. */
  readonly vip: string;
  /** The control planes: an odd number, at least three, so etcd keeps quorum when one is down. */
  readonly controlPlanes: readonly TalosNodeSpec[];
  /**
   * The workers.
   * @default []
   */
  readonly workers?: readonly TalosNodeSpec[];
  /** Default gateway (IPv4) of every node. */
  readonly gateway: string;
  /** DNS servers (IPv4) of every node. */
  readonly nameservers: readonly string[];
  /**
   * NTP servers. Bootstrap waits for time sync, so a lab without internet access must name a local one.
   * @default Talos's built-in time.cloudflare.com
   */
  readonly timeServers?: readonly string[];
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
   * The CNI Talos installs at bootstrap, when `cilium` is unset.
   * @default "flannel"
   */
  readonly cni?: TalosCni;
  /**
   * Cilium instead of Flannel: CNI `none`, kube-proxy off, and Cilium installed by the control planes' inline
   * manifest at bootstrap (components/talos/cilium.ts). Read at bootstrap only: choose it before the first `pulumi up`.
   */
  readonly cilium?: CiliumSettings;
  /**
   * Talos API access from Kubernetes pods (control planes' `kubernetesTalosAPIAccess`): the roles and namespaces
   * allowed, e.g. `os:etcd:backup` for the etcd backup job's namespace. Unset: none.
   */
  readonly talosApiAccess?: { readonly roles: readonly string[]; readonly namespaces: readonly string[] };
  /**
   * The nodes' ingress firewall (components/talos/machine-config.ts, `TalosFirewall`), in each node and again in the
   * Proxmox firewall of its VM: apid and the Kubernetes API for `adminCidrs` (people and the deployer), the rest for
   * the nodes themselves, with the CNI's overlay and health ports added here and `nodeServices` for what runs on the
   * nodes (e.g. MetalLB's memberlist); `loadBalancer` lets anyone reach those ports of the load balancer's addresses,
   * which the nodes answer for. Unset: all open.
   */
  readonly firewall?: {
    readonly adminCidrs: readonly string[];
    readonly nodeServices?: readonly TalosNodeService[];
    readonly loadBalancer?: { readonly addresses: readonly string[]; readonly ports: readonly number[] };
  };
  /** The secrets bundle and CAs (pass the {@link TalosSecrets} component). */
  readonly secrets: TalosClusterSecrets;
  /** Datastore of the VMs' disks, EFI disks and cloud-init drives (e.g. `local-lvm`). */
  readonly datastoreId: string;
  /** Datastore with the `iso` content type on every Proxmox node, for the Talos disk image (e.g. `local`). */
  readonly imageDatastoreId: string;
  /** Datastore with the `snippets` content type on every Proxmox node, for the machine configs (e.g. `local`). */
  readonly snippetsDatastoreId: string;
  /** Bridge of the nodes' NIC. */
  readonly bridge: string;
  /** VLAN tag of the NIC; unset for an untagged port. */
  readonly vlanId?: number;
  /**
   * CPU type. `host` is what Talos's Proxmox guide recommends (it blocks live migration); `x86-64-v2-AES` also
   * satisfies Talos and migrates between unlike hosts.
   * @default "host"
   */
  readonly cpuType?: TalosCpuType;
  /**
   * Cores of each control plane (Talos's minimum is 2).
   * @default 2
   */
  readonly controlPlaneCores?: number;
  /**
   * Memory of each control plane, MiB (Talos's minimum is 2048; 4096 recommended).
   * @default 4096
   */
  readonly controlPlaneMemoryMiB?: number;
  /**
   * System disk of each control plane, GiB (Talos's minimum is 10).
   * @default 32
   */
  readonly controlPlaneDiskGiB?: number;
  /**
   * Cores of each worker.
   * @default 4
   */
  readonly workerCores?: number;
  /**
   * Memory of each worker, MiB (Talos's minimum is 1024).
   * @default 8192
   */
  readonly workerMemoryMiB?: number;
  /**
   * System disk of each worker, GiB (Talos's minimum is 10).
   * @default 64
   */
  readonly workerDiskGiB?: number;
  /**
   * A second disk on every worker, carrying one Talos user volume that fills it (mounted at
   * `/var/mnt/<volumeName>`): node-local storage such as local-path-provisioner's, kept off the system disk so it
   * cannot fill the partition the kubelet and containerd live on. Unset: workers have the system disk only.
   */
  readonly workerDataDisk?: { readonly sizeGiB: number; readonly volumeName: string };
  /**
   * SHA-256 of the compressed disk image, checked by Proxmox after the download. The Image Factory builds images on
   * demand and publishes no checksum, so unset means "trust the TLS download"; set it once you have recorded the
   * digest of a known-good download.
   */
  readonly imageSha256?: string;
}

/** The Image Factory's download endpoint. */
const IMAGE_FACTORY_URL = "https://factory.talos.dev/image";

/**
 * The nocloud disk image of a schematic and version: the `.raw.gz` form, because Proxmox's download can only
 * decompress gz, lzo, zst and bz2, not xz (`decompression_algorithm` in
 * https://github.com/bpg/terraform-provider-proxmox/blob/main/docs/resources/virtual_environment_download_file.md).
 */
export function talosImageUrl(schematic: string, talosVersion: string): string {
  return `${IMAGE_FACTORY_URL}/${schematic}/${talosVersion}/nocloud-amd64.raw.gz`;
}

/**
 * The image's file name on the datastore. `.img`, because Proxmox before 8.4 refuses `.raw` in `iso` storage with
 * "wrong file extension"; version and schematic in the name, so a new image is a new file beside the old one.
 */
export function talosImageFileName(schematic: string, talosVersion: string): string {
  return `talos-${talosVersion}-${schematic.slice(0, 12)}-nocloud-amd64.img`;
}

/**
 * The file name of a node's first-boot config snippet: one per node, named after it. Talos reads nocloud user-data on
 * first boot only (https://docs.siderolabs.com/talos/v1.11/platform-specific-installations/cloud-platforms/nocloud), so
 * the snippet is a seed written once; later changes reach the node through the Talos API.
 */
export function machineConfigSnippetName(hostname: string): string {
  return `talos-${hostname}.yaml`;
}

/** SHA-256 of a rendered machine config, hex: what a preview shows changing when the config does. */
export function machineConfigSha256(machineConfig: string): string {
  return createHash("sha256").update(machineConfig).digest("hex");
}

/**
 * The inbound rules of a Talos VM's Proxmox firewall: the node's own rules ({@link talosFirewallRules}), ICMP from the
 * other nodes (Talos lets rate-limited ICMP in itself, and Cilium's health checks ping), and the load balancer's ports
 * to its addresses from anywhere. Everything else inbound is dropped by the VM's input policy, at the
 * host, whatever the node's own config says. Proxmox writes port ranges `a:b` and lists with commas
 * (https://pve.proxmox.com/wiki/Firewall#pve_firewall_vm_container_configuration).
 */
export function talosProxmoxFirewallRules(
  role: TalosRole,
  firewall: TalosFirewall,
  loadBalancer?: { readonly addresses: readonly string[]; readonly ports: readonly number[] },
): ProxmoxFirewallRule[] {
  const rules: ProxmoxFirewallRule[] = talosFirewallRules(role, firewall).map((rule) => ({
    type: "in",
    action: "ACCEPT",
    proto: rule.protocol,
    dport: rule.ports.map((port) => String(port).replace("-", ":")).join(","),
    source: rule.sources.join(","),
    comment: rule.name,
  }));
  rules.push({
    type: "in",
    action: "ACCEPT",
    proto: "icmp",
    source: [...firewall.controlPlanes, ...firewall.workers].map((address) => `${address}/32`).join(","),
    comment: "icmp-from-nodes",
  });
  if (loadBalancer !== undefined && loadBalancer.addresses.length > 0) {
    rules.push({
      type: "in",
      action: "ACCEPT",
      proto: "tcp",
      dport: loadBalancer.ports.join(","),
      dest: loadBalancer.addresses.join(","),
      comment: "load-balancer-ingress",
    });
  }
  return rules;
}

/**
 * What the CNI needs open between the nodes: its VXLAN overlay, and Cilium's health checks
 * (https://docs.cilium.io/en/stable/operations/system_requirements/#firewall-rules; Talos's Flannel uses VXLAN on
 * 4789, https://www.talos.dev/v1.11/talos-guides/network/ingress-firewall/).
 */
export function cniNodeServices(cilium: boolean): TalosNodeService[] {
  return cilium
    ? [
        { name: "cilium-vxlan", protocol: "udp", ports: [8472] },
        { name: "cilium-health", protocol: "tcp", ports: [4240] },
      ]
    : [{ name: "flannel-vxlan", protocol: "udp", ports: [4789] }];
}

/** The VM size of one role, after defaults. */
interface RoleSize {
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
}

/** Every problem with the arguments, each naming the argument and the fix. */
function validate(args: TalosClusterArgs, sizes: Record<TalosRole, RoleSize>): string[] {
  const problems: string[] = [];
  const workers = args.workers ?? [];
  const all = [...args.controlPlanes, ...workers];
  if (!isDnsLabel(args.clusterName)) {
    problems.push(`clusterName '${args.clusterName}' must be a lowercase DNS label, e.g. lab`);
  }
  const talosVersion = args.talosVersion ?? DEFAULT_TALOS_VERSION;
  const imageVersion = args.imageVersion ?? talosVersion;
  const lines: string[] = [];
  // The image's version is only reported on its own when it is set: unset, it is talosVersion's problem.
  const versions =
    args.imageVersion === undefined
      ? [["talosVersion", talosVersion]]
      : [
          ["talosVersion", talosVersion],
          ["imageVersion", imageVersion],
        ];
  for (const [key, version] of versions) {
    try {
      lines.push(talosLine(version));
    } catch (error) {
      problems.push((error as Error).message.replace("talosVersion", key));
    }
  }
  if (lines.length === versions.length) {
    const running = parseRelease(talosVersion);
    const image = parseRelease(imageVersion);
    if (
      running &&
      image &&
      (image.major !== running.major ||
        image.minor > running.minor ||
        running.minor - image.minor > 1 ||
        (image.minor === running.minor && image.patch > running.patch))
    ) {
      problems.push(
        `imageVersion '${imageVersion}' must not be newer than talosVersion '${talosVersion}' and at most one minor ` +
          "release behind it, so a new node booted from it can be upgraded in one step",
      );
    }
    const kubernetesVersion = args.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSIONS[lines[0] as TalosLine];
    for (const line of new Set(lines)) {
      const problem = kubernetesSupportProblem(line, kubernetesVersion);
      if (problem !== null) problems.push(`kubernetesVersion ${problem}`);
    }
  }
  const count = args.controlPlanes.length;
  if (count < 3 || count % 2 === 0) {
    problems.push(
      `controlPlanes lists ${count} node(s); list an odd number, at least 3, so etcd keeps quorum with one node down`,
    );
  }
  if (!isIPv4(args.vip)) problems.push(`vip '${args.vip}' must be an IPv4 address, e.g. 192.168.10.10`);
  if (!isIPv4(args.gateway)) problems.push(`gateway '${args.gateway}' must be an IPv4 address`);
  if (args.nameservers.length === 0) problems.push("nameservers must name at least one DNS server");
  for (const [index, node] of all.entries()) {
    const key = index < count ? `controlPlanes[${index}]` : `workers[${index - count}]`;
    if (!isDnsLabel(node.hostname)) {
      problems.push(`${key}.hostname '${node.hostname}' must be a lowercase DNS label, e.g. talos-cp-1`);
    }
    if (!isIpv4Cidr(node.address)) {
      problems.push(`${key}.address '${node.address}' must be IPv4 with its prefix, e.g. 192.168.10.11/24`);
    } else if (index < count && isIPv4(args.vip) && !cidrContains(node.address, args.vip)) {
      problems.push(
        `${key}.address '${node.address}' is not in the subnet of vip '${args.vip}'; the VIP moves between ` +
          "control planes on one L2 segment, so put them in one subnet",
      );
    }
    if (!Number.isInteger(node.vmId) || node.vmId < 100 || node.vmId > 999_999_999) {
      problems.push(`${key}.vmId ${node.vmId} must be a whole number from 100 to 999999999 (Proxmox's VM id range)`);
    }
    if (node.proxmoxNode.length === 0) problems.push(`${key}.proxmoxNode must name the Proxmox node of the VM`);
  }
  for (const [field, values] of [
    ["hostname", all.map((node) => node.hostname)],
    ["vmId", all.map((node) => String(node.vmId))],
    ["address", all.map((node) => addressOf(node.address))],
  ] as const) {
    const seen = new Set<string>();
    for (const value of values) {
      if (seen.has(value)) problems.push(`${field} '${value}' is used by more than one node; give every node its own`);
      seen.add(value);
    }
  }
  if (all.some((node) => addressOf(node.address) === args.vip)) {
    problems.push(`vip '${args.vip}' is also a node address; the VIP must be an unused address`);
  }
  const minimums: Record<TalosRole, RoleSize> = {
    controlplane: { cores: 2, memoryMiB: 2048, diskGiB: 10 },
    worker: { cores: 1, memoryMiB: 1024, diskGiB: 10 },
  };
  const prefix: Record<TalosRole, string> = { controlplane: "controlPlane", worker: "worker" };
  for (const role of ["controlplane", "worker"] as const) {
    for (const field of ["cores", "memoryMiB", "diskGiB"] as const) {
      const value = sizes[role][field];
      const key = `${prefix[role]}${field[0].toUpperCase()}${field.slice(1)}`;
      if (!Number.isInteger(value) || value < minimums[role][field]) {
        problems.push(`${key} ${value} is below Talos's minimum of ${minimums[role][field]}; raise it`);
      }
    }
  }
  if (args.workerDataDisk !== undefined) {
    const { sizeGiB, volumeName } = args.workerDataDisk;
    if (!Number.isInteger(sizeGiB) || sizeGiB < 2) {
      problems.push(`workerDataDisk.sizeGiB ${sizeGiB} must be a whole number of GiB, at least 2`);
    }
    if (!/^[a-z0-9-]{1,34}$/.test(volumeName)) {
      problems.push(`workerDataDisk.volumeName '${volumeName}' must be 1 to 34 lowercase letters, digits and hyphens`);
    }
  }
  if (args.cilium !== undefined) problems.push(...ciliumProblems(args.cilium));
  if (args.imageSha256 !== undefined && !/^[0-9a-f]{64}$/.test(args.imageSha256)) {
    problems.push("imageSha256 must be a SHA-256 hex digest (64 lowercase hex digits), or unset");
  }
  return problems;
}

/** One node's operations through the Talos API, in the order they run. */
export interface TalosNodeLifecycle {
  readonly hostname: string;
  readonly upgrade: TalosUpgrade;
  readonly apply: MachineConfigApply;
  readonly healthy: NodeHealthy;
}

/**
 * A Talos Linux cluster on Proxmox VE: the nocloud disk image downloaded once per Proxmox node, one first-boot config
 * snippet per Talos node, and the VMs (Talos's Proxmox settings,
 * https://docs.siderolabs.com/talos/v1.11/platform-specific-installations/virtualized-platforms/proxmox: VirtIO SCSI
 * `virtio-scsi-pci` and never `virtio-scsi-single`, CPU type `host`, ballooning off, the qemu guest agent the
 * image's schematic carries, static addresses), then etcd bootstrapped on the first control plane, the health gate
 * on the Kubernetes API, the admin credentials and a Kubernetes provider that waits for the gate.
 *
 * Day two goes through the Talos API, one node at a time, control planes first: each node's Talos upgrade, then its
 * machine config, then a health gate, and the next node starts after that gate (`lifecycle`). A VM is replaced only
 * when its virtual hardware changes (cores, memory, disks, boot image); every VM is `protect`ed, so even that stops
 * `pulumi up` until an operator replaces the node on purpose (docs/runbooks/cluster-upgrade.md).
 */
export class TalosCluster extends pulumi.ComponentResource {
  /** The admin kubeconfig (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** The talosconfig (secret). */
  readonly talosconfig: pulumi.Output<string>;
  /** The API endpoint, `https://<vip>:6443`. */
  readonly endpoint: pulumi.Output<string>;
  /** Each node's rendered machine config by host name (secret), for `talosctl apply-config`. */
  readonly machineConfigs: pulumi.Output<Record<string, string>>;
  /** Each node's VM id by host name. */
  readonly vmIds: pulumi.Output<Record<string, number>>;
  /** The health gate: depend on it before talking to the Kubernetes API by other means. */
  readonly apiReady: KubernetesApiReady;
  /** A Kubernetes provider on the admin kubeconfig; it is only created once the API answers `/readyz`. */
  readonly kubernetesProvider: kubernetes.Provider;
  /** Each node's upgrade, config apply and health gate, in the order they run. */
  readonly lifecycle: readonly TalosNodeLifecycle[];

  constructor(name: string, args: TalosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // The component lived in components/proxmox until it moved here with the Talos code; the alias keeps the URNs of
    // deployed clusters (and of every child, which inherits it) instead of replacing them
    // (https://www.pulumi.com/docs/iac/concepts/options/aliases/).
    super(
      "foundation:talos:Cluster",
      name,
      {},
      pulumi.mergeOptions(opts, { aliases: [{ type: "foundation:proxmox:TalosCluster" }] }),
    );
    const sizes: Record<TalosRole, RoleSize> = {
      controlplane: {
        cores: args.controlPlaneCores ?? 2,
        memoryMiB: args.controlPlaneMemoryMiB ?? 4096,
        diskGiB: args.controlPlaneDiskGiB ?? 32,
      },
      worker: {
        cores: args.workerCores ?? 4,
        memoryMiB: args.workerMemoryMiB ?? 8192,
        diskGiB: args.workerDiskGiB ?? 64,
      },
    };
    const problems = validate(args, sizes);
    if (problems.length > 0) throw new pulumi.ResourceError(`TalosCluster '${name}': ${problems.join("; ")}`, this);

    const talosVersion = args.talosVersion ?? DEFAULT_TALOS_VERSION;
    const imageVersion = args.imageVersion ?? talosVersion;
    const kubernetesVersion = args.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSIONS[talosLine(talosVersion)];
    const settings = args.versionSettings ?? { talosVersion: "talosVersion", kubernetesVersion: "kubernetesVersion" };
    const schematic = schematicId([QEMU_GUEST_AGENT_EXTENSION]);
    const cluster: TalosClusterSettings = {
      clusterName: args.clusterName,
      talosVersion,
      kubernetesVersion,
      vip: args.vip,
      schematicId: schematic,
      podSubnets: args.podSubnets,
      serviceSubnets: args.serviceSubnets,
      timeServers: args.timeServers,
      ...(args.cilium === undefined
        ? { cni: args.cni }
        : { cni: "none" as const, kubeProxy: false, inlineManifests: [ciliumInlineManifest(args.cilium)] }),
      ...(args.talosApiAccess === undefined ? {} : { talosApiAccess: args.talosApiAccess }),
      ...(args.firewall === undefined
        ? {}
        : {
            firewall: {
              adminCidrs: args.firewall.adminCidrs,
              controlPlanes: args.controlPlanes.map((node) => addressOf(node.address)),
              workers: (args.workers ?? []).map((node) => addressOf(node.address)),
              podSubnets: args.podSubnets ?? DEFAULT_POD_SUBNETS,
              nodeServices: [...cniNodeServices(args.cilium !== undefined), ...(args.firewall.nodeServices ?? [])],
            },
          }),
    };
    const nodes = [
      ...args.controlPlanes.map((spec) => ({ spec, role: "controlplane" as const })),
      ...(args.workers ?? []).map((spec) => ({ spec, role: "worker" as const })),
    ];

    // One download per Proxmox node: `iso` storage is node-local unless shared, and every VM's disk copies it.
    const images = new Map<string, proxmoxve.download.File>();
    for (const proxmoxNode of new Set(nodes.map(({ spec }) => spec.proxmoxNode))) {
      images.set(
        proxmoxNode,
        new proxmoxve.download.File(
          `${name}-image-${proxmoxNode}`,
          {
            nodeName: proxmoxNode,
            datastoreId: args.imageDatastoreId,
            contentType: "iso",
            url: talosImageUrl(schematic, imageVersion),
            fileName: talosImageFileName(schematic, imageVersion),
            decompressionAlgorithm: "gz",
            overwrite: false,
            ...(args.imageSha256 === undefined ? {} : { checksum: args.imageSha256, checksumAlgorithm: "sha256" }),
          },
          { parent: this },
        ),
      );
    }

    const configs: Record<string, pulumi.Output<string>> = {};
    const vms = nodes.map(({ spec, role }) => {
      const dataDisk = role === "worker" ? args.workerDataDisk : undefined;
      const node: TalosNodeSettings = {
        hostname: spec.hostname,
        role,
        address: spec.address,
        gateway: args.gateway,
        nameservers: args.nameservers,
        ...(spec.nodeLabels === undefined ? {} : { nodeLabels: spec.nodeLabels }),
        ...(dataDisk === undefined
          ? {}
          : {
              // The only disk that is not the system disk; 1 GiB below its size leaves room for the partition table.
              userVolumes: [
                { name: dataDisk.volumeName, diskSelector: "!system_disk", minSize: `${dataDisk.sizeGiB - 1}GiB` },
              ],
            }),
      };
      const render = (talos: string) =>
        pulumi.secret(
          pulumi
            .output(args.secrets.bundle)
            .apply((secrets) => renderMachineConfig({ cluster: { ...cluster, talosVersion: talos }, node, secrets })),
        );
      configs[spec.hostname] = render(talosVersion);
      const snippet = new proxmoxve.FileLegacy(
        `${name}-${spec.hostname}-config`,
        {
          nodeName: spec.proxmoxNode,
          datastoreId: args.snippetsDatastoreId,
          contentType: "snippets",
          // Written for the boot image's Talos line, which is what reads it.
          sourceRaw: { data: render(imageVersion), fileName: machineConfigSnippetName(spec.hostname) },
        },
        // A seed: Talos reads it on the VM's first boot only, so rewriting it would change nothing on a running node
        // (and the file would disappear between the provider's delete and create). Later config reaches the node
        // through MachineConfigApply; a new VM boots this seed and then gets the current config the same way.
        { parent: this, ignoreChanges: ["sourceRaw"] },
      );
      const size = sizes[role];
      const image = images.get(spec.proxmoxNode) as proxmoxve.download.File;
      const vm = new proxmoxve.VmLegacy(
        `${name}-${spec.hostname}`,
        {
          nodeName: spec.proxmoxNode,
          vmId: spec.vmId,
          name: spec.hostname,
          description: `Talos ${role} of cluster ${args.clusterName} (managed by Foundation)`,
          tags: ["foundation", "talos", role],
          onBoot: true,
          started: true,
          // Talos may ignore an ACPI shutdown during boot; destroying must not hang on it.
          stopOnDestroy: true,
          // Reboots are the Talos API's business, one node at a time behind health gates: an in-place change the
          // provider would apply with a reboot (cloud-init network settings) waits for the node's next reboot instead.
          rebootAfterUpdate: false,
          bios: "ovmf",
          machine: "q35",
          // Not pre-enrolled: the nocloud image is not signed with the Microsoft keys Secure Boot would demand.
          efiDisk: { datastoreId: args.datastoreId, fileFormat: "raw", type: "4m", preEnrolledKeys: false },
          operatingSystem: { type: "l26" },
          cpu: { cores: size.cores, sockets: 1, type: args.cpuType ?? "host" },
          // floating 0: no balloon device; Talos does not support memory hotplug (Talos's Proxmox guide, above).
          memory: { dedicated: size.memoryMiB, floating: 0 },
          // The schematic carries siderolabs/qemu-guest-agent; without it the agent flag would only stall the provider.
          agent: { enabled: true, trim: true, type: "virtio" },
          // virtio-scsi-single makes Talos hang at bootstrap or miss its disk
          // (https://github.com/siderolabs/talos/issues/11173).
          scsiHardware: "virtio-scsi-pci",
          disks: [
            {
              interface: "scsi0",
              datastoreId: args.datastoreId,
              // A decompressed download must be attached with fileId, not importFrom (the provider's d.ts).
              fileId: image.id,
              fileFormat: "raw",
              size: size.diskGiB,
              discard: "on",
              ssd: true,
            },
            ...(dataDisk === undefined
              ? []
              : [
                  {
                    interface: "scsi1",
                    datastoreId: args.datastoreId,
                    fileFormat: "raw",
                    size: dataDisk.sizeGiB,
                    discard: "on",
                    ssd: true,
                  },
                ]),
          ],
          networkDevices: [
            { bridge: args.bridge, model: "virtio", vlanId: args.vlanId, firewall: cluster.firewall !== undefined },
          ],
          serialDevices: [{ device: "socket" }],
          initialization: {
            datastoreId: args.datastoreId,
            type: "nocloud",
            // The same address as the machine config's LinkConfig, from the same node entry: Proxmox writes it as
            // nocloud network-config, which Talos applies as platform config before its own
            // (https://docs.siderolabs.com/talos/v1.11/platform-specific-installations/cloud-platforms/nocloud).
            ipConfigs: [{ ipv4: { address: spec.address, gateway: args.gateway } }],
            dns: { servers: [...args.nameservers] },
            userDataFileId: snippet.id,
          },
        },
        {
          parent: this,
          // Only virtual hardware replaces a node: cores, memory, the disks and the image they are made from.
          // Config and version changes go through the Talos API below. The fixed vmId cannot be held twice.
          replaceOnChanges: ["cpu", "memory", "disks"],
          deleteBeforeReplace: true,
          // Control planes hold etcd, workers their data disk and the volumes on it: replacing one is a deliberate,
          // one-at-a-time operation (docs/runbooks/cluster-upgrade.md), set on the VM itself so no caller option
          // removes it.
          protect: true,
        },
      );
      if (cluster.firewall !== undefined) {
        // Gone with its VM, and made again for a new one: the rules live in the VM's own firewall file.
        const withVm = { parent: this, replaceWith: [vm], deletedWith: vm };
        const rules = new proxmoxve.firewall.RulesLegacy(
          `${name}-${spec.hostname}-firewall-rules`,
          {
            nodeName: spec.proxmoxNode,
            vmId: spec.vmId,
            rules: talosProxmoxFirewallRules(role, cluster.firewall, args.firewall?.loadBalancer).map((rule) => ({
              ...rule,
            })),
          },
          { ...withVm, dependsOn: [vm] },
        );
        new proxmoxve.firewall.OptionsLegacy(
          `${name}-${spec.hostname}-firewall`,
          { nodeName: spec.proxmoxNode, vmId: spec.vmId, enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT" },
          { ...withVm, dependsOn: [vm, rules] },
        );
      }
      return vm;
    });
    const controlPlaneVms = vms.slice(0, args.controlPlanes.length);

    const controlPlaneIps = args.controlPlanes.map((spec) => addressOf(spec.address));
    const credentials = new TalosAdminCredentials(
      `${name}-admin`,
      {
        clusterName: args.clusterName,
        vip: args.vip,
        endpoints: controlPlaneIps,
        osCaCertPem: args.secrets.osCaCertPem,
        osCaKeyPem: args.secrets.osCaKeyPem,
        kubernetesCaCertPem: args.secrets.kubernetesCaCertPem,
        kubernetesCaKeyPem: args.secrets.kubernetesCaKeyPem,
      },
      { parent: this },
    );

    // Bootstrap once per cluster: a new cluster id (new secrets) bootstraps again; replacing the first control plane
    // must not, because the others still hold etcd and it rejoins them.
    const clusterId = pulumi.secret(pulumi.output(args.secrets.bundle).apply((secrets) => secrets.clusterId));
    const bootstrap = new Bootstrap(
      `${name}-bootstrap`,
      {
        node: controlPlaneIps[0],
        caCertPem: args.secrets.osCaCertPem,
        clientCertPem: credentials.talosClientCertPem,
        clientKeyPem: credentials.talosClientKeyPem,
        triggers: [clusterId],
      },
      { parent: this, dependsOn: controlPlaneVms },
    );
    this.apiReady = new KubernetesApiReady(
      `${name}-api-ready`,
      {
        host: args.vip,
        caCertPem: args.secrets.kubernetesCaCertPem,
        clientCertPem: credentials.kubernetesClientCertPem,
        clientKeyPem: credentials.kubernetesClientKeyPem,
        triggers: [bootstrap.id],
      },
      { parent: this, dependsOn: [bootstrap] },
    );
    this.kubernetesProvider = new kubernetes.Provider(
      `${name}-kubernetes`,
      { kubeconfig: credentials.kubeconfig },
      { parent: this, dependsOn: [this.apiReady] },
    );

    // One node at a time, control planes first (Kubernetes' control plane before any kubelet, and etcd never loses
    // more than one member): the Talos upgrade, then the config written for the new version, then the gate the next
    // node waits for. A new config for an older Talos would not validate on a node still running it, and the old
    // config stays valid on the new version, so the upgrade goes first.
    const lifecycle: TalosNodeLifecycle[] = [];
    let previous: pulumi.Resource = this.apiReady;
    nodes.forEach(({ spec, role }, index) => {
      const vm = vms[index];
      const target = {
        node: addressOf(spec.address),
        hostname: spec.hostname,
        vmId: vm.vmId,
        caCertPem: args.secrets.osCaCertPem,
        clientCertPem: credentials.talosClientCertPem,
        clientKeyPem: credentials.talosClientKeyPem,
      };
      const upgrade = new TalosUpgrade(
        `${name}-${spec.hostname}-upgrade`,
        {
          ...target,
          talosVersion,
          image: installerImage(schematic, talosVersion),
          talosVersionSetting: settings.talosVersion,
        },
        { parent: this, dependsOn: [vm, previous] },
      );
      // The digest is of secret-bearing text, but of 256-bit random keys among it: it tells nothing about them, and
      // in the clear it is what `pulumi preview` shows changing.
      const configSha256 = pulumi.unsecret(configs[spec.hostname].apply(machineConfigSha256));
      const apply = new MachineConfigApply(
        `${name}-${spec.hostname}-apply`,
        {
          ...target,
          machineConfig: configs[spec.hostname],
          configSha256,
          talosVersion,
          kubernetesVersion,
          kubernetesVersionSetting: settings.kubernetesVersion,
        },
        { parent: this, dependsOn: [upgrade] },
      );
      const healthy = new NodeHealthy(
        `${name}-${spec.hostname}-healthy`,
        {
          ...target,
          role,
          talosVersion,
          kubernetesVersion,
          apiHost: args.vip,
          kubernetesCaCertPem: args.secrets.kubernetesCaCertPem,
          adminCertPem: credentials.kubernetesClientCertPem,
          adminKeyPem: credentials.kubernetesClientKeyPem,
          triggers: [configSha256, talosVersion],
        },
        { parent: this, dependsOn: [apply] },
      );
      lifecycle.push({ hostname: spec.hostname, upgrade, apply, healthy });
      previous = healthy;
    });
    this.lifecycle = lifecycle;

    this.kubeconfig = credentials.kubeconfig;
    this.talosconfig = credentials.talosconfig;
    this.endpoint = pulumi.output(`https://${args.vip}:${KUBERNETES_API_PORT}`);
    this.machineConfigs = pulumi.secret(pulumi.all(configs));
    this.vmIds = pulumi.all(
      Object.fromEntries(
        nodes.map(({ spec }, index) => [spec.hostname, vms[index].vmId.apply((id) => id ?? spec.vmId)]),
      ),
    );
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
      endpoint: this.endpoint,
      machineConfigs: this.machineConfigs,
      vmIds: this.vmIds,
    });
  }
}
