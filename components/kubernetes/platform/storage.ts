import * as pulumi from "@pulumi/pulumi";
import { CHARTS, createNamespace, createRelease, requireDnsLabel, resources } from "./common";

/**
 * Dynamic volumes on a Proxmox VE storage, attached to the node's VM as disks
 * (https://github.com/sergelogvinov/proxmox-csi-plugin/blob/main/docs/install.md).
 */
export interface ProxmoxCsiBackend {
  readonly kind: "proxmox-csi";
  /** Proxmox VE API URL, e.g. `https://pve.example.com:8006/api2/json`. */
  readonly url: string;
  /** Accept a self-signed API certificate. @default false */
  readonly insecure?: boolean;
  /** API token id of the CSI user, e.g. `kubernetes-csi@pve!csi` (role: VM.Audit VM.Config.Disk Datastore.*). */
  readonly tokenId: string;
  /** The token's secret; kept a Pulumi secret. */
  readonly tokenSecret: pulumi.Input<string>;
  /** Region name of the Proxmox cluster; every node carries it as `topology.kubernetes.io/region`. */
  readonly region: string;
  /** Proxmox storage id the disks are made on, e.g. `local-lvm`. */
  readonly storage: string;
  /** File system of new volumes. @default "xfs" */
  readonly fsType?: "ext4" | "xfs";
}

/**
 * Node-local directories on a Talos user volume (https://docs.siderolabs.com/kubernetes-guides/csi/local-storage);
 * volumes live and die with their node.
 */
export interface LocalPathBackend {
  readonly kind: "local-path";
  /**
   * Directory on every node, the mount point of a Talos `UserVolumeConfig` named `local-path-provisioner`.
   * @default "/var/mnt/local-path-provisioner"
   */
  readonly path?: string;
}

/** Where the default StorageClass provisions volumes. */
export type StorageBackend = ProxmoxCsiBackend | LocalPathBackend;

/** Arguments of {@link Storage}. */
export interface StorageArgs {
  /** The provisioner behind the default StorageClass. */
  readonly backend: StorageBackend;
  /** Name of the default StorageClass. @default "proxmox-csi" or "local-path", after the backend */
  readonly storageClassName?: string;
  /**
   * What happens to a volume when its claim is deleted. `Retain` keeps the data until someone deletes the volume.
   * @default "Retain"
   */
  readonly reclaimPolicy?: "Delete" | "Retain";
  /** Namespace of the provisioner. @default "csi-proxmox" or "local-path-storage", after the backend */
  readonly namespace?: string;
}

/** Annotation that makes a StorageClass the cluster's default. */
export const DEFAULT_CLASS_ANNOTATION = { "storageclass.kubernetes.io/is-default-class": "true" } as const;

/**
 * The labels the Proxmox CSI plugin needs on every node
 * (https://github.com/sergelogvinov/proxmox-csi-plugin/blob/main/docs/install.md): the region of the Proxmox cluster
 * and, as the zone, the name of the Proxmox node the VM runs on. Without them the plugin cannot place or attach a
 * volume. The lab puts them in each node's Talos `machine.nodeLabels`.
 */
export function proxmoxTopologyLabels(region: string, proxmoxNode: string): Record<string, string> {
  return { "topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": proxmoxNode };
}

/** Plain inputs of {@link proxmoxCsiValues}. */
export interface ProxmoxCsiValuesInput {
  readonly url: string;
  readonly insecure: boolean;
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly region: string;
  readonly storage: string;
  readonly fsType: "ext4" | "xfs";
  readonly storageClassName: string;
  readonly reclaimPolicy: "Delete" | "Retain";
}

const SIDECAR = resources("10m", "16Mi", "100m", "64Mi");

/**
 * Proxmox CSI chart values: the cluster's API token, one default StorageClass, the controller on control planes
 * (with the toleration for their taint), requests and limits on every container.
 */
export function proxmoxCsiValues(input: ProxmoxCsiValuesInput): Record<string, unknown> {
  return {
    config: {
      clusters: [
        {
          url: input.url,
          insecure: input.insecure,
          token_id: input.tokenId,
          token_secret: input.tokenSecret,
          region: input.region,
        },
      ],
    },
    storageClass: [
      {
        name: input.storageClassName,
        storage: input.storage,
        reclaimPolicy: input.reclaimPolicy,
        fstype: input.fsType,
        annotations: { ...DEFAULT_CLASS_ANNOTATION },
      },
    ],
    nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
    tolerations: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
    controller: {
      plugin: { resources: resources("10m", "32Mi", "200m", "128Mi") },
      attacher: { resources: SIDECAR },
      provisioner: { resources: SIDECAR },
      resizer: { resources: SIDECAR },
    },
    node: {
      plugin: { resources: resources("10m", "32Mi", "200m", "128Mi") },
      driverRegistrar: { resources: SIDECAR },
    },
    livenessprobe: { resources: SIDECAR },
  };
}

/** Plain inputs of {@link localPathValues}. */
export interface LocalPathValuesInput {
  readonly path: string;
  readonly storageClassName: string;
  readonly reclaimPolicy: "Delete" | "Retain";
}

/** local-path-provisioner chart values: one default StorageClass over `path` on every node. */
export function localPathValues(input: LocalPathValuesInput): Record<string, unknown> {
  return {
    storageClass: {
      create: true,
      name: input.storageClassName,
      defaultClass: true,
      reclaimPolicy: input.reclaimPolicy,
      provisionerName: "rancher.io/local-path",
    },
    nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [input.path] }],
    resources: resources("10m", "32Mi", "200m", "128Mi"),
  };
}

/**
 * The cluster's default StorageClass, from the Proxmox CSI plugin or local-path-provisioner. Both need a privileged
 * namespace: the CSI node plugin and local-path's helper pods mount host paths
 * (https://docs.siderolabs.com/kubernetes-guides/security/pod-security).
 */
export class Storage extends pulumi.ComponentResource {
  /** Name of the default StorageClass. */
  readonly storageClassName: pulumi.Output<string>;
  /** The provisioner's namespace. */
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:Storage", name, {}, opts);
    const backend = args.backend;
    const storageClassName = args.storageClassName ?? backend.kind;
    const reclaimPolicy = args.reclaimPolicy ?? "Retain";
    const namespaceName = args.namespace ?? (backend.kind === "proxmox-csi" ? "csi-proxmox" : "local-path-storage");
    requireDnsLabel(this, "Storage", name, "namespace", namespaceName);
    requireDnsLabel(this, "Storage", name, "storageClassName", storageClassName);

    const localPath = backend.kind === "local-path" ? (backend.path ?? "/var/mnt/local-path-provisioner") : "";
    if (backend.kind === "proxmox-csi") {
      if (!/^https:\/\/[^/]+(:[0-9]+)?\/api2\/json$/.test(backend.url)) {
        throw new pulumi.ResourceError(
          `Storage '${name}': backend.url '${backend.url}' must be the Proxmox API URL, https://<host>:8006/api2/json`,
          this,
        );
      }
      if (!/^[^@!\s]+@[^@!\s]+![^@!\s]+$/.test(backend.tokenId)) {
        throw new pulumi.ResourceError(
          `Storage '${name}': backend.tokenId '${backend.tokenId}' must be user@realm!token, e.g. kubernetes-csi@pve!csi`,
          this,
        );
      }
    } else if (!localPath.startsWith("/var/")) {
      throw new pulumi.ResourceError(
        `Storage '${name}': backend.path '${localPath}' must be under /var (Talos's only writable file system), e.g. /var/mnt/local-path-provisioner`,
        this,
      );
    }

    const namespace = createNamespace(`${name}-namespace`, namespaceName, "privileged", this);
    if (backend.kind === "proxmox-csi") {
      const values = pulumi.secret(backend.tokenSecret).apply((tokenSecret) =>
        proxmoxCsiValues({
          url: backend.url,
          insecure: backend.insecure ?? false,
          tokenId: backend.tokenId,
          tokenSecret,
          region: backend.region,
          storage: backend.storage,
          fsType: backend.fsType ?? "xfs",
          storageClassName,
          reclaimPolicy,
        }),
      );
      createRelease(`${name}-chart`, "proxmox-csi-plugin", CHARTS.proxmoxCsi, namespace, values, this);
    } else {
      createRelease(
        `${name}-chart`,
        "local-path-provisioner",
        CHARTS.localPath,
        namespace,
        localPathValues({ path: localPath, storageClassName, reclaimPolicy }),
        this,
      );
    }

    this.storageClassName = pulumi.output(storageClassName);
    this.namespace = namespace.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName, namespace: this.namespace });
  }
}
