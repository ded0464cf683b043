/** Configuration of the `lab` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { PLACEMENTS } from "../../components/runner/placement";
import {
  addressOf,
  cidrContains,
  cidrsOverlap,
  hostAddressProblem,
  inRange,
  rangeOf,
} from "../../components/common/ipv4";
import { imagePinProblem, isDigestPinnedImage, isDnsLabel, isIpv4Cidr } from "../../components/common/validation";
import { cidr, commonShape, email, hostname, httpsUrl, ipv4, loadConfig, version } from "../configuration";
import { GRAPH } from "../graph";
import { talosVersionProblems } from "./versions";
import { ETCD_BACKUP_NAMESPACE } from "../../components/kubernetes/etcd-backup/etcd-backup";
import { monitoringConfigSchema, monitoringIssues } from "./monitoring";

const dnsLabel = () =>
  z.string().refine(isDnsLabel, {
    error: "must be a DNS label: lowercase letters, digits and inner hyphens, e.g. talos-cp-1",
  });

/** An IPv4 address with its prefix length, as Proxmox and Talos take a static address. */
const addressWithPrefix = () =>
  z.string().refine((value) => isIpv4Cidr(value), {
    error: "must be an IPv4 address with its prefix length, e.g. 192.168.10.11/24",
  });

const vmId = () =>
  z
    .number()
    .int({ error: "must be a whole number from 100 to 999999999 (Proxmox's VM id range)" })
    .min(100, { error: "must be a whole number from 100 to 999999999 (Proxmox's VM id range)" })
    .max(999_999_999, { error: "must be a whole number from 100 to 999999999 (Proxmox's VM id range)" });

const positive = () => z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" });

const sha = (bits: 256 | 512) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bits / 4}}$`), {
    error: `must be the SHA-${bits} as ${bits / 4} lowercase hex digits, as published beside the download`,
  });

/** A container image pinned by a version tag or a digest: never `latest`, never untagged. */
const pinnedImage = () =>
  z.string().refine((image) => imagePinProblem(image) === undefined, {
    error: "must be an image pinned by a version tag or a digest, e.g. docker:28.1.1-dind (never latest)",
  });

/** A container image pinned by digest: `<repository>[:<tag>]@sha256:<64 hex>`. */
const digestImage = () =>
  z.string().refine(isDigestPinnedImage, {
    error: "must be an image pinned by digest, <repository>[:<tag>]@sha256:<64 hex>",
  });

/** A Proxmox datastore id. */
const datastore = () =>
  z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, { error: "must be a Proxmox storage id, e.g. local-lvm" });

const vmSize = (minimum: { cores: number; memoryMiB: number; diskGiB: number }) =>
  z
    .object({
      cores: z
        .number()
        .int()
        .min(minimum.cores, { error: `must be at least ${minimum.cores} (Talos's minimum)` }),
      memoryMiB: z
        .number()
        .int()
        .min(minimum.memoryMiB, { error: `must be at least ${minimum.memoryMiB} (Talos's minimum)` }),
      diskGiB: z
        .number()
        .int()
        .min(minimum.diskGiB, { error: `must be at least ${minimum.diskGiB} (Talos's minimum)` }),
    })
    .strict();

const talosNode = z
  .object({
    hostname: dnsLabel(),
    /** The Proxmox node the VM runs on. */
    proxmoxNode: z.string().min(1),
    vmId: vmId(),
    address: addressWithPrefix(),
  })
  .strict();

/** The runner VM: the `vm` placement's settings. */
const runnerVmSchema = z
  .object({
    proxmoxNode: z.string().min(1),
    vmId: vmId(),
    hostname: dnsLabel(),
    /** Fully qualified name; monitoring/targets/runner-vm.yml scrapes the VM by it. */
    fqdn: hostname(),
    address: addressWithPrefix(),
    cores: z.number().int().min(2, { error: "must be at least 2: the manager runs Docker jobs beside the runner" }),
    memoryMiB: z.number().int().min(2048, { error: "must be at least 2048" }),
    diskGiB: z.number().int().min(20, { error: "must be at least 20 (Docker images and the build cache)" }),
    image: z.object({ url: httpsUrl(), sha512: sha(512), fileName: z.string().regex(/^[\w.-]+\.qcow2$/) }).strict(),
    sshAuthorizedKeys: z.array(z.string().min(1)).min(1, { error: "give at least one key, or nobody can log in" }),
    gitlabRunnerVersion: z.string().regex(/^\d+\.\d+\.\d+-\d+$/, {
      error: "must be a Debian package version like 17.11.1-1 (the same runner version as cluster.runnerImage)",
    }),
    signingHelper: z.object({ version: version(), sha256: sha(256) }).strict(),
    firewall: z
      .object({
        adminCidrs: z
          .array(cidr())
          .min(1, { error: "give at least one network, or nobody can SSH in" })
          .refine((cidrs) => !cidrs.some((block) => block.endsWith("/0")), {
            error:
              "0.0.0.0/0 lets every address reach SSH on the host that holds the runner tokens; name the networks that need it",
          }),
        /** Networks allowed to scrape the exporters besides the monitoring VM, which always may (stacks/lab/monitoring.ts). */
        monitoringCidrs: z.array(cidr()).refine((cidrs) => !cidrs.some((block) => block.endsWith("/0")), {
          error: "0.0.0.0/0 lets every address read the exporters; name the monitoring hosts' networks",
        }),
        fleetSshCidrs: z.array(cidr()).min(1),
      })
      .strict(),
  })
  .strict();

/** The in-cluster manager: the `cluster` placement's settings. */
const runnerClusterSchema = z
  .object({
    runnerImage: pinnedImage(),
    credentialHelperImage: pinnedImage(),
    dindImage: pinnedImage(),
    namespace: dnsLabel(),
  })
  .strict();

const proxmoxCsiSchema = z
  .object({
    /** The plugin's Proxmox user; the stack makes it, its role and its API token (components/proxmox/csi-identity.ts). */
    userId: z
      .string()
      .regex(/^[^@!\s]+@pve$/, { error: "must be a user of the pve realm, e.g. kubernetes-csi@pve" })
      .default("kubernetes-csi@pve"),
    tokenName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9._-]*$/, {
        error: "must start with a letter and hold letters, digits, . _ -, e.g. csi",
      })
      .default("csi"),
    region: dnsLabel(),
    storage: datastore(),
    fsType: z.enum(["ext4", "xfs"]),
  })
  .strict();

/** The Talos cluster: versions, the VIP, the nodes and their sizes, the CNI. */
const talosSchema = z
  .object({
    clusterName: dnsLabel(),
    talosVersion: z.string().regex(/^v\d+\.\d+\.\d+$/, { error: "must be a Talos release vX.Y.Z, e.g. v1.13.9" }),
    /** The Talos release new VMs boot from; running nodes are upgraded through the Talos API instead. */
    imageVersion: z.string().regex(/^v\d+\.\d+\.\d+$/, { error: "must be a Talos release vX.Y.Z, e.g. v1.13.9" }),
    kubernetesVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must be X.Y.Z without a v, e.g. 1.36.3" }),
    /** The control-plane VIP: an unused address on the lab network, outside the MetalLB pool. */
    vip: ipv4(),
    /**
     * Networks that reach the nodes' Talos API and the Kubernetes API: the people who run talosctl and kubectl. The
     * runner VM, which runs the deploy jobs, is let in besides; every other port is for the nodes themselves.
     */
    adminCidrs: z
      .array(cidr())
      .min(1, { error: "give at least one network, or nobody but the deploy jobs can reach the cluster's APIs" })
      .refine((cidrs) => !cidrs.some((block) => block.endsWith("/0")), {
        error:
          "0.0.0.0/0 lets every address reach the Talos and Kubernetes APIs; name the networks of the people who run talosctl and kubectl",
      }),
    cpuType: z.enum(["host", "x86-64-v2-AES"]),
    controlPlane: vmSize({ cores: 2, memoryMiB: 2048, diskGiB: 10 }),
    worker: vmSize({ cores: 1, memoryMiB: 1024, diskGiB: 10 }),
    controlPlanes: z.array(talosNode).min(3, { error: "list at least three control planes (an odd number)" }),
    workers: z.array(talosNode),
    podSubnets: z.array(cidr()).min(1),
    serviceSubnets: z.array(cidr()).min(1),
    /** The CNI: Cilium, installed by the control planes at bootstrap (read at bootstrap only). */
    cilium: z
      .object({
        version: z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must be a Cilium release X.Y.Z, e.g. 1.18.0" }),
        cliImage: digestImage(),
      })
      .strict(),
  })
  .strict();

/** The keys of the cluster (phases 4 and 5), which come together or not at all. */
export const CLUSTER_KEYS = ["talos", "flux", "platform"] as const;

/** The cluster's own rules on its network: pod and service blocks, and etcd's quorum. */
function talosIssues(talos: Talos, network: string, issue: Issue): void {
  // Pod and service addresses are routed inside the cluster: a block that overlaps the LAN (or the other block)
  // makes the LAN's hosts, the gateway among them, unreachable from pods
  // (https://www.talos.dev/v1.11/reference/configuration/v1alpha1/config/#Config.cluster.network).
  const clusterBlocks = (["podSubnets", "serviceSubnets"] as const).flatMap((key) =>
    talos[key].map((block, i) => ({ block, path: ["talos", key, i], name: `talos.${key}[${i}]` })),
  );
  clusterBlocks.forEach(({ block, path }, i) => {
    if (cidrsOverlap(block, network)) {
      issue(path, `${block} overlaps the lab network ${network}; pick a block outside it, e.g. 10.244.0.0/16`);
    }
    for (const other of clusterBlocks.slice(0, i)) {
      if (cidrsOverlap(block, other.block)) {
        issue(path, `${block} overlaps ${other.block} (${other.name}); pod and service blocks must not overlap`);
      }
    }
  });
  if (talos.controlPlanes.length % 2 === 0) {
    issue(["talos", "controlPlanes"], "list an odd number of control planes, so etcd keeps quorum with one down");
  }
}

/** The `lab` stack's config schema; `Pulumi.lab.yaml` documents every key. */
export const labConfigSchema = z
  .object({
    ...commonShape(GRAPH.lab.needs),
    proxmox: z
      .object({
        /** API endpoint; the API token comes from the environment (PROXMOX_VE_API_TOKEN), never config. */
        endpoint: httpsUrl(),
        /** Accept a self-signed API certificate. Off by default: pin a real certificate instead. */
        insecure: z.boolean().default(false),
        /** SSH user for uploading snippets (cloud-init user-data), which the Proxmox API cannot do. */
        sshUsername: z.string().regex(/^[a-z_][a-z0-9_-]*$/, { error: "must be a Unix user name, e.g. root" }),
        /** Datastore of VM disks, EFI disks and cloud-init drives. */
        vmDatastore: datastore(),
        /** Datastore with the `iso` and `import` content types, for the Talos and Debian images. */
        imageDatastore: datastore(),
        /** Datastore with the `snippets` content type, for user-data and machine configs. */
        snippetsDatastore: datastore(),
        /** Bridge every lab VM's NIC is on. */
        bridge: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/, { error: "must be a bridge name, e.g. vmbr0" }),
      })
      .strict(),
    /** The lab LAN every VM and Service address lives on. */
    network: z
      .object({
        cidr: cidr(),
        gateway: ipv4(),
        nameservers: z.array(ipv4()).min(1),
        /** NTP servers; bootstrap waits for time sync, so a lab without internet access names a local one. */
        timeServers: z.array(z.union([ipv4(), hostname()])).min(1),
      })
      .strict(),
    /** The runner manager's own settings; the runners themselves come from the `aws` and `group` stacks. */
    runner: z
      .object({
        concurrent: positive(),
        checkInterval: positive(),
        shutdownTimeout: positive(),
        logLevel: z.enum(["debug", "info", "warn", "error", "fatal", "panic"]),
        logFormat: z.enum(["runner", "text", "json"]),
        fleet: z
          .object({
            /** Fleeting plugin reference, pinned to a major version. */
            plugin: z.string().regex(/^[a-z0-9-]+:\d+$/, { error: "must be <plugin>:<major>, e.g. aws:1" }),
            awsProfile: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'must be letters, digits, "-" or "_"' }),
            username: z.string().regex(/^[a-z_][a-z0-9_-]*$/, { error: "must be a Unix user name, e.g. ec2-user" }),
            useExternalAddress: z.boolean(),
          })
          .strict(),
      })
      .strict(),
    /**
     * Where the manager runs. Both placements' settings may stay in config; only the named one is built, so switching
     * (and rolling back) is one key and two managers never drive one autoscaling group.
     */
    runnerManager: z
      .object({
        placement: z.enum(PLACEMENTS),
        vm: runnerVmSchema.optional(),
        cluster: runnerClusterSchema.optional(),
      })
      .strict(),
    /**
     * The cluster (phases 4 and 5): `talos`, `flux` and `platform` come together or not at all. Without them the
     * stack is the runner VM alone (docs/lab.md, "Two shapes"), and adding them later leaves the runner VM as it is.
     */
    talos: talosSchema.optional(),
    /** Where Prometheus, Alertmanager and Grafana run (docs/monitoring.md). */
    monitoring: monitoringConfigSchema,
    flux: z
      .object({
        /** The Git server's host keys (`known_hosts` lines), checked out of band. */
        knownHosts: z.array(z.string().min(1)).min(1),
      })
      .strict()
      .optional(),
    platform: z
      .object({
        metallb: z
          .object({
            /** Ranges `a.b.c.d-a.b.c.e` or CIDRs on the lab network, outside its DHCP range. */
            addresses: z.array(z.string()).min(1),
            announceFromControlPlanes: z.boolean(),
          })
          .strict(),
        traefik: z.object({ replicas: positive(), loadBalancerIp: ipv4() }).strict(),
        storage: z
          .object({
            backend: z.enum(["proxmox-csi", "local-path"]),
            reclaimPolicy: z.enum(["Retain", "Delete"]),
            proxmoxCsi: proxmoxCsiSchema.optional(),
            localPath: z
              .object({
                /** Size of each worker's data disk, the Talos user volume local-path-provisioner keeps volumes on. */
                diskGiB: z.number().int().min(2, { error: "must be at least 2 (GiB)" }),
              })
              .strict()
              .optional(),
          })
          .strict(),
        externalSecrets: z.object({ allowedNamespaces: z.array(dnsLabel()) }).strict(),
        externalDns: z.object({ txtOwnerId: dnsLabel(), policy: z.enum(["sync", "upsert-only"]) }).strict(),
        certManager: z.object({ email: email(), acmeServer: httpsUrl() }).strict(),
        /** Scheduled etcd snapshots to S3 (docs/runbooks/etcd-restore.md). */
        etcdBackup: z
          .object({
            schedule: z
              .string()
              .regex(/^\S+( \S+){4}$/, { error: "must be a cron expression of five fields, e.g. 0 */6 * * *" }),
            talosctlImage: digestImage(),
            awsCliImage: digestImage(),
            // The destination (bucket, key, the writer's credentials) is the aws stack's etcdBackup output.
          })
          .strict(),
      })
      .strict()
      .optional(),
  })
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    const network = config.network.cidr;
    const inNetwork = (ip: string) => cidrContains(network, ip);

    if (!inNetwork(config.network.gateway)) {
      issue(["network", "gateway"], `${config.network.gateway} is outside the lab network ${network}`);
    } else {
      const problem = hostAddressProblem(network, config.network.gateway);
      if (problem !== undefined) issue(["network", "gateway"], `${problem}; give the router's address`);
    }

    // The placement named must have its settings; the other placement's settings may stay for a rollback.
    const manager = config.runnerManager;
    for (const { path, message } of monitoringIssues(config)) issue(path, message);
    if (manager[manager.placement] === undefined) {
      issue(
        ["runnerManager", manager.placement],
        `placement is '${manager.placement}' but runnerManager.${manager.placement} is not set; add that ` +
          "placement's settings (docs/runbooks/runner-migration.md)",
      );
    }
    if (manager.vm?.firewall.fleetSshCidrs.includes("0.0.0.0/0") === false && config.runner.fleet.useExternalAddress) {
      issue(
        ["runnerManager", "vm", "firewall", "fleetSshCidrs"],
        "runner.fleet.useExternalAddress connects to the instances' public addresses, which are not known in " +
          "advance; allow 0.0.0.0/0 (the fleet's security group still admits only the manager)",
      );
    }

    // The cluster's blocks come together: with some of them the cluster would be half built.
    const set = CLUSTER_KEYS.filter((key) => config[key] !== undefined);
    if (set.length > 0 && set.length < CLUSTER_KEYS.length) {
      const given = set.map((key) => `foundation:${key}`).join(" and ");
      for (const key of CLUSTER_KEYS.filter((k) => config[k] === undefined)) {
        issue(
          [key],
          `is required with ${given}: the cluster takes foundation:talos, foundation:flux and foundation:platform ` +
            `together; add it (Pulumi.lab.yaml shows every key), or remove ${given} to build the runner VM alone`,
        );
      }
    }
    if (set.length === 0 && manager.placement === "cluster") {
      issue(
        ["runnerManager", "placement"],
        "'cluster' runs the manager in the lab's cluster, and this config has none (no foundation:talos, " +
          "foundation:flux or foundation:platform); keep 'vm' until the cluster is up, then move it " +
          "(docs/runbooks/runner-migration.md)",
      );
    }
    const { talos, platform } = config;

    // Every static address on the LAN, by the key that sets it: each inside the network, none used twice.
    const addresses: { path: (string | number)[]; ip: string }[] = [];
    if (talos !== undefined) addresses.push({ path: ["talos", "vip"], ip: talos.vip });
    if (manager.vm !== undefined)
      addresses.push({ path: ["runnerManager", "vm", "address"], ip: addressOf(manager.vm.address) });
    for (const group of ["controlPlanes", "workers"] as const) {
      talos?.[group].forEach((node, i) =>
        addresses.push({ path: ["talos", group, i, "address"], ip: addressOf(node.address) }),
      );
    }
    const seen = new Map<string, string>();
    for (const { path, ip } of addresses) {
      if (!inNetwork(ip)) issue(path, `${ip} is outside the lab network ${network} (network.cidr)`);
      else {
        const problem = hostAddressProblem(network, ip);
        if (problem !== undefined) issue(path, `${problem}; pick a free host address`);
      }
      if (ip === config.network.gateway)
        issue(path, `${ip} is the network's gateway (network.gateway); pick a free host address`);
      const first = seen.get(ip);
      if (first !== undefined) issue(path, `${ip} is already used by ${first}; give every VM and the VIP its own`);
      else seen.set(ip, `foundation:${path.join(".").replace(/\.(\d+)\./g, "[$1].")}`);
    }
    if (talos !== undefined) talosIssues(talos, network, issue);
    const vmIds = [
      ...(manager.vm === undefined ? [] : [manager.vm.vmId]),
      ...(talos === undefined ? [] : [...talos.controlPlanes, ...talos.workers]).map((node) => node.vmId),
    ];
    for (const id of new Set(vmIds)) {
      if (vmIds.filter((other) => other === id).length > 1) issue(["talos"], `vmId ${id} is used by more than one VM`);
    }
    if (platform !== undefined) platformIssues(platform, addresses, seen, config.network, issue);
    if (talos !== undefined) {
      for (const { path, message } of talosVersionProblems(talos)) issue(["talos", ...path], message);
    }
    if (platform !== undefined && !platform.externalSecrets.allowedNamespaces.includes(ETCD_BACKUP_NAMESPACE)) {
      issue(
        ["platform", "externalSecrets", "allowedNamespaces"],
        `must include ${ETCD_BACKUP_NAMESPACE}: the etcd backup job reads its AWS credentials through the store`,
      );
    }
    if (platform !== undefined) storageIssues(platform, talos, issue);
  });

type Issue = (path: (string | number)[], message: string) => void;
type Talos = z.infer<typeof talosSchema>;
type Platform = NonNullable<LabConfig["platform"]>;

/** MetalLB's pool on the LAN, clear of every VM, the VIP and the gateway, and Traefik's address in it. */
function platformIssues(
  platform: Platform,
  addresses: readonly { readonly ip: string }[],
  seen: ReadonlyMap<string, string>,
  lan: LabConfig["network"],
  issue: Issue,
): void {
  // MetalLB hands out addresses that ARP answers on the LAN: they must be on it, and clear of every VM and the VIP.
  const pool = platform.metallb.addresses;
  pool.forEach((entry, i) => {
    const range = rangeOf(entry);
    const path = ["platform", "metallb", "addresses", i];
    if (range === undefined) {
      issue(path, `'${entry}' must be an IPv4 range a.b.c.d-a.b.c.e (ascending) or a CIDR a.b.c.d/n`);
    } else if (!cidrContains(lan.cidr, range[0]) || !cidrContains(lan.cidr, range[1])) {
      issue(path, `'${entry}' is outside the lab network ${lan.cidr}; MetalLB answers ARP on that network only`);
    } else {
      for (const { ip } of addresses) {
        if (inRange(range, ip)) issue(path, `'${entry}' contains ${ip}, which ${seen.get(ip)} already uses`);
      }
      if (inRange(range, lan.gateway)) {
        issue(path, `'${entry}' contains the gateway ${lan.gateway}; MetalLB would answer ARP for it`);
      }
    }
  });
  const lb = platform.traefik.loadBalancerIp;
  if (
    !pool.some((entry) => {
      const range = rangeOf(entry);
      return range !== undefined && inRange(range, lb);
    })
  ) {
    issue(
      ["platform", "traefik", "loadBalancerIp"],
      `${lb} is not in platform.metallb.addresses; pick one from the pool`,
    );
  }
}

/** The storage backend named has its settings, and local-path has workers to keep its volumes on. */
function storageIssues(platform: Platform, talos: Talos | undefined, issue: Issue): void {
  const storage = platform.storage;
  const settings = storage.backend === "proxmox-csi" ? "proxmoxCsi" : "localPath";
  if (storage[settings] === undefined) {
    issue(["platform", "storage", settings], `backend is '${storage.backend}' but storage.${settings} is not set`);
  }
  if (storage.backend === "local-path" && talos?.workers.length === 0) {
    issue(
      ["platform", "storage", "backend"],
      "local-path keeps volumes on the workers' data disks and the cluster has no workers; add a worker or use proxmox-csi",
    );
  }
}

/** The validated `lab` config; `talos`, `flux` and `platform` are all set or all absent. */
export type LabConfig = z.infer<typeof labConfigSchema>;

/** The lab config with its cluster: what the cluster's and the platform's code is built from. */
export type LabClusterConfig = LabConfig & Required<Pick<LabConfig, (typeof CLUSTER_KEYS)[number]>>;

/** True when the config has the cluster (the schema refuses a partial set, so one key decides). */
export function hasCluster(config: LabConfig): config is LabClusterConfig {
  return CLUSTER_KEYS.every((key) => config[key] !== undefined);
}

/** Loads and validates the running stack's config. */
export function labConfig(): LabConfig {
  return loadConfig("lab", labConfigSchema);
}
