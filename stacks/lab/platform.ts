/**
 * The lab's platform services (phase 5, docs/platform.md): MetalLB, Traefik, the default StorageClass, External
 * Secrets, ExternalDNS and cert-manager, each behind the cluster's health gate.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsAccessKey } from "../../components/kubernetes/platform/common";
import { CertManager } from "../../components/kubernetes/platform/cert-manager";
import { ExternalDns } from "../../components/kubernetes/platform/external-dns";
import { ExternalSecrets } from "../../components/kubernetes/platform/external-secrets";
import { MetalLb } from "../../components/kubernetes/platform/metallb";
import { Storage, StorageBackend } from "../../components/kubernetes/platform/storage";
import { Traefik } from "../../components/kubernetes/platform/traefik";
import { LabConfig } from "./config";
import { ProxmoxCsiIdentity } from "../../components/proxmox/csi-identity";

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
function storageBackend(config: LabConfig, proxmox: pulumi.ComponentResourceOptions): StorageBackend {
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
 * Creates the platform services with `opts` (the cluster's provider and health gate), and what they need of the
 * Proxmox cluster with `proxmox` (its provider).
 */
export function labPlatform(
  config: LabConfig,
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
  return { traefik, storage, externalSecrets, certManager };
}
