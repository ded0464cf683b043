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
import { awsRegion, cidr, commonShape, email, hostname, httpsUrl, ipv4, loadConfig, version } from "../configuration";
import { GRAPH } from "../graph";
import { talosVersionProblems } from "./versions";
import { ETCD_BACKUP_NAMESPACE } from "../../components/kubernetes/etcd-backup/etcd-backup";
import { monitoringConfigSchema, monitoringIssues } from "./monitoring";

const dnsLabel = () =>
  z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: "must be a DNS label: lowercase letters, digits and inner hyphens, e.g. talos-cp-1",
  });

/** An IPv4 address with its prefix length, as Proxmox and Talos take a static address. */
const addressWithPrefix = () =>
  z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/([0-9]|[12][0-9]|3[0-2])$/, {
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
  z.string().refine(
    (image) => {
      if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
      const tag = /:([A-Za-z0-9._-]+)$/.exec(image.slice(image.lastIndexOf("/") + 1))?.[1];
      return tag !== undefined && tag !== "latest";
    },
    { error: "must be an image pinned by a version tag or a digest, e.g. docker:28.1.1-dind (never latest)" },
  );

/** A container image pinned by digest: `<repository>[:<tag>]@sha256:<64 hex>`. */
const digestImage = () =>
  z.string().regex(/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$/, {
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
    talos: z
      .object({
        clusterName: dnsLabel(),
        talosVersion: z.string().regex(/^v\d+\.\d+\.\d+$/, { error: "must be a Talos release vX.Y.Z, e.g. v1.13.9" }),
        /** The Talos release new VMs boot from; running nodes are upgraded through the Talos API instead. */
        imageVersion: z.string().regex(/^v\d+\.\d+\.\d+$/, { error: "must be a Talos release vX.Y.Z, e.g. v1.13.9" }),
        kubernetesVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must be X.Y.Z without a v, e.g. 1.36.3" }),
        /** The control-plane VIP: an unused address on the lab network, outside the MetalLB pool. */
        vip: ipv4(),
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
      .strict(),
    /** Where Prometheus, Alertmanager and Grafana run (docs/monitoring.md). */
    monitoring: monitoringConfigSchema,
    flux: z
      .object({
        /** The cluster's root in the GitOps repository (the repository itself comes from the `group` stack). */
        path: z
          .string()
          .regex(/^\.\/[\w./-]+$/, { error: "must be a path under the repository root, e.g. ./clusters/lab" }),
        branch: z.string().min(1),
        /** The Git server's host keys (`known_hosts` lines), checked out of band. */
        knownHosts: z.array(z.string().min(1)).min(1),
      })
      .strict(),
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
            /** The destination; the aws stack's backup bucket once it publishes one. */
            destination: z
              .object({
                bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" }),
                region: awsRegion(),
                keyPrefix: z
                  .string()
                  .regex(/^([A-Za-z0-9!_.*'()-]+\/)+$/, { error: "must end in '/', e.g. etcd/lab/" }),
                kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, {
                  error: "must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>",
                }),
                /** The writer's access key in Secrets Manager under the lab's prefix (JSON accessKeyId, secretAccessKey). */
                credentialsSecret: z.string().regex(/^[A-Za-z0-9_+=.@-][A-Za-z0-9/_+=.@-]*$/, {
                  error: "must be a Secrets Manager name under the lab's prefix, e.g. etcd-backup/credentials",
                }),
              })
              .strict(),
          })
          .strict(),
      })
      .strict(),
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

    // Every static address on the LAN, by the key that sets it: each inside the network, none used twice.
    const addresses: { path: (string | number)[]; ip: string }[] = [{ path: ["talos", "vip"], ip: config.talos.vip }];
    if (manager.vm !== undefined)
      addresses.push({ path: ["runnerManager", "vm", "address"], ip: addressOf(manager.vm.address) });
    for (const group of ["controlPlanes", "workers"] as const) {
      config.talos[group].forEach((node, i) =>
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
    // Pod and service addresses are routed inside the cluster: a block that overlaps the LAN (or the other block)
    // makes the LAN's hosts, the gateway among them, unreachable from pods
    // (https://www.talos.dev/v1.11/reference/configuration/v1alpha1/config/#Config.cluster.network).
    const clusterBlocks = (["podSubnets", "serviceSubnets"] as const).flatMap((key) =>
      config.talos[key].map((block, i) => ({ block, path: ["talos", key, i], name: `talos.${key}[${i}]` })),
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
    if (config.talos.controlPlanes.length % 2 === 0) {
      issue(["talos", "controlPlanes"], "list an odd number of control planes, so etcd keeps quorum with one down");
    }
    const vmIds = [
      ...(manager.vm === undefined ? [] : [manager.vm.vmId]),
      ...[...config.talos.controlPlanes, ...config.talos.workers].map((node) => node.vmId),
    ];
    for (const id of new Set(vmIds)) {
      if (vmIds.filter((other) => other === id).length > 1) issue(["talos"], `vmId ${id} is used by more than one VM`);
    }

    // MetalLB hands out addresses that ARP answers on the LAN: they must be on it, and clear of every VM and the VIP.
    const pool = config.platform.metallb.addresses;
    pool.forEach((entry, i) => {
      const range = rangeOf(entry);
      const path = ["platform", "metallb", "addresses", i];
      if (range === undefined) {
        issue(path, `'${entry}' must be an IPv4 range a.b.c.d-a.b.c.e (ascending) or a CIDR a.b.c.d/n`);
      } else if (!inNetwork(range[0]) || !inNetwork(range[1])) {
        issue(path, `'${entry}' is outside the lab network ${network}; MetalLB answers ARP on that network only`);
      } else {
        for (const { ip } of addresses) {
          if (inRange(range, ip)) issue(path, `'${entry}' contains ${ip}, which ${seen.get(ip)} already uses`);
        }
        if (inRange(range, config.network.gateway)) {
          issue(path, `'${entry}' contains the gateway ${config.network.gateway}; MetalLB would answer ARP for it`);
        }
      }
    });
    const lb = config.platform.traefik.loadBalancerIp;
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

    for (const { path, message } of talosVersionProblems(config.talos)) issue(["talos", ...path], message);
    if (!config.platform.externalSecrets.allowedNamespaces.includes(ETCD_BACKUP_NAMESPACE)) {
      issue(
        ["platform", "externalSecrets", "allowedNamespaces"],
        `must include ${ETCD_BACKUP_NAMESPACE}: the etcd backup job reads its AWS credentials through the store`,
      );
    }

    const storage = config.platform.storage;
    const settings = storage.backend === "proxmox-csi" ? "proxmoxCsi" : "localPath";
    if (storage[settings] === undefined) {
      issue(["platform", "storage", settings], `backend is '${storage.backend}' but storage.${settings} is not set`);
    }
    if (storage.backend === "local-path" && config.talos.workers.length === 0) {
      issue(
        ["platform", "storage", "backend"],
        "local-path keeps volumes on the workers' data disks and the cluster has no workers; add a worker or use proxmox-csi",
      );
    }
  });

/** The validated `lab` config. */
export type LabConfig = z.infer<typeof labConfigSchema>;

/** Loads and validates the running stack's config. */
export function labConfig(): LabConfig {
  return loadConfig("lab", labConfigSchema);
}
