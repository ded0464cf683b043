/**
 * The lab's platform services (phase 5, docs/platform.md): MetalLB, Traefik, the default StorageClass, External
 * Secrets, ExternalDNS and cert-manager, each behind the cluster's health gate.
 */
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsAccessKey, defaultDenyPolicySpec } from "../../components/kubernetes/platform/common";
import { EtcdBackup, EtcdBackupDestinationArgs } from "../../components/kubernetes/etcd-backup/etcd-backup";
import { CertManager } from "../../components/kubernetes/platform/cert-manager";
import { ExternalDns } from "../../components/kubernetes/platform/external-dns";
import { ExternalSecrets } from "../../components/kubernetes/platform/external-secrets";
import { MetalLb } from "../../components/kubernetes/platform/metallb";
import { Storage, StorageBackend } from "../../components/kubernetes/platform/storage";
import { Traefik } from "../../components/kubernetes/platform/traefik";
import { LabClusterConfig } from "./config";
import { ProxmoxCsiIdentity } from "../../components/proxmox/csi-identity";
import type { TalosCluster } from "../../components/talos/cluster";
import type { awsOutputs } from "../aws/outputs";
import type { ContractValues } from "../contract";

/**
 * The Talos user volume local-path-provisioner keeps its volumes in (docs/platform.md, "local-path needs a user
 * volume"): the name Talos's own local-storage guide uses, mounted at `/var/mnt/<name>`.
 */
export const LOCAL_PATH_VOLUME = "local-path-provisioner";

/** What the platform needs from the `aws` stack: plain values where they shape objects, secrets as Outputs. */
export interface PlatformUpstream {
  readonly region: string;
  readonly domain: string;
  readonly zoneId: pulumi.Input<string>;
  readonly dnsCredentials: pulumi.Input<AwsAccessKey>;
  readonly secretsCredentials: pulumi.Input<AwsAccessKey>;
  /** Secrets Manager prefix of the lab's secrets, ending in `/`. */
  readonly secretsPrefix: pulumi.Input<string>;
  /** Where the etcd snapshots go (the `aws` output `etcdBackup`), plain: it shapes the backup job. */
  readonly etcdBackup: ContractValues<typeof awsOutputs>["etcdBackup"];
}

/** The names applications use the platform by: the lab's contract outputs. */
export interface LabPlatform {
  readonly traefik: Traefik;
  readonly storage: Storage;
  readonly externalSecrets: ExternalSecrets;
  readonly certManager: CertManager;
}

/**
 * The storage backend config names. The Proxmox CSI plugin gets its own user and API token on the stack's Proxmox
 * API, made here with the stack's Proxmox provider; the token's secret stays a Pulumi secret into the chart values.
 */
function storageBackend(config: LabClusterConfig, proxmox: pulumi.ComponentResourceOptions): StorageBackend {
  const storage = config.platform.storage;
  if (storage.backend === "proxmox-csi" && storage.proxmoxCsi !== undefined) {
    const csi = storage.proxmoxCsi;
    const identity = new ProxmoxCsiIdentity("proxmox-csi", { userId: csi.userId, tokenName: csi.tokenName }, proxmox);
    return {
      kind: "proxmox-csi",
      url: `${config.proxmox.endpoint}/api2/json`,
      insecure: config.proxmox.insecure,
      tokenId: identity.tokenId,
      tokenSecret: identity.tokenSecret,
      region: csi.region,
      storage: csi.storage,
      fsType: csi.fsType,
    };
  }
  return { kind: "local-path", path: `/var/mnt/${LOCAL_PATH_VOLUME}` };
}

/**
 * The default-deny policy of a namespace a component of another domain made (the in-cluster runner manager's): every
 * namespace of the lab has one (docs/platform.md, "NetworkPolicy").
 */
export function defaultDenyFor(
  name: string,
  owner: pulumi.Resource & { readonly namespace: pulumi.Output<string> },
  cluster: TalosCluster,
): void {
  const policy = owner.namespace.apply((namespace) => defaultDenyPolicySpec(namespace));
  new kubernetes.networking.v1.NetworkPolicy(
    `${name}-default-deny`,
    {
      metadata: policy.metadata,
      spec: policy.apply((p) => p.spec as kubernetes.types.input.networking.v1.NetworkPolicySpec),
    },
    { provider: cluster.kubernetesProvider, dependsOn: [cluster.apiReady, owner] },
  );
}

/**
 * Where the etcd snapshots go: the `aws` stack's backup bucket, its KMS key and the name of the writer's access key
 * in Secrets Manager (components/aws/etcd-backup-store.ts), read through the cluster's ClusterSecretStore.
 */
function etcdBackupDestination(
  destination: ContractValues<typeof awsOutputs>["etcdBackup"],
  externalSecrets: ExternalSecrets,
): EtcdBackupDestinationArgs {
  return {
    bucket: destination.bucketName,
    region: destination.region,
    keyPrefix: destination.keyPrefix,
    kmsKeyArn: destination.kmsKeyArn,
    credentials: {
      secretKey: destination.credentialsSecretName,
      clusterSecretStoreName: externalSecrets.clusterSecretStoreName,
    },
  };
}

/**
 * Creates the platform services with `opts` (the cluster's provider and health gate), and what they need of the
 * Proxmox cluster with `proxmox` (its provider).
 */
export function labPlatform(
  config: LabClusterConfig,
  upstream: PlatformUpstream,
  opts: pulumi.ComponentResourceOptions,
  proxmox: pulumi.ComponentResourceOptions,
): LabPlatform {
  const { platform } = config;
  const metallb = new MetalLb(
    "metallb",
    { addresses: platform.metallb.addresses, announceFromControlPlanes: platform.metallb.announceFromControlPlanes },
    opts,
  );
  // Traefik's Service takes its fixed address from the pool, so the pool (and MetalLB's webhook) must exist first.
  const traefik = new Traefik(
    "traefik",
    {
      replicas: platform.traefik.replicas,
      loadBalancerIp: platform.traefik.loadBalancerIp,
      addressPool: metallb.poolName,
    },
    pulumi.mergeOptions(opts, { dependsOn: [metallb] }),
  );
  const storage = new Storage(
    "storage",
    { backend: storageBackend(config, proxmox), reclaimPolicy: platform.storage.reclaimPolicy },
    opts,
  );
  const externalSecrets = new ExternalSecrets(
    "external-secrets",
    {
      region: upstream.region,
      credentials: upstream.secretsCredentials,
      allowedNamespaces: platform.externalSecrets.allowedNamespaces,
    },
    opts,
  );
  new ExternalDns(
    "external-dns",
    {
      domain: upstream.domain,
      zoneId: upstream.zoneId,
      region: upstream.region,
      credentials: upstream.dnsCredentials,
      txtOwnerId: platform.externalDns.txtOwnerId,
      policy: platform.externalDns.policy,
    },
    opts,
  );
  const certManager = new CertManager(
    "cert-manager",
    {
      domain: upstream.domain,
      zoneId: upstream.zoneId,
      region: upstream.region,
      credentials: upstream.dnsCredentials,
      email: platform.certManager.email,
      acmeServer: platform.certManager.acmeServer,
    },
    opts,
  );
  const backup = platform.etcdBackup;
  new EtcdBackup(
    "etcd-backup",
    {
      schedule: backup.schedule,
      controlPlanes: config.talos.controlPlanes.map((node) => node.address.split("/")[0]),
      talosctlImage: backup.talosctlImage,
      awsCliImage: backup.awsCliImage,
      destination: etcdBackupDestination(upstream.etcdBackup, externalSecrets),
    },
    // The job reads its AWS key through the store, whose CRDs and webhook the External Secrets release installs.
    pulumi.mergeOptions(opts, { dependsOn: [externalSecrets] }),
  );
  return { traefik, storage, externalSecrets, certManager };
}
