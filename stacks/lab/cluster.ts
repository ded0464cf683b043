/**
 * The lab's Talos cluster and GitOps (phase 4): the secrets bundle, the cluster on Proxmox with its health gate and
 * Kubernetes provider, and Flux on the group's GitOps repository (docs/lab.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { addressOf } from "../../components/common/ipv4";
import { ETCD_BACKUP_NAMESPACE, ETCD_BACKUP_ROLE } from "../../components/kubernetes/etcd-backup/etcd-backup";
import { Flux } from "../../components/kubernetes/flux/flux";
import { METALLB_NODE_SERVICES } from "../../components/kubernetes/platform/metallb";
import { proxmoxTopologyLabels } from "../../components/kubernetes/platform/storage";
import { TalosCluster, TalosNodeSpec } from "../../components/talos/cluster";
import { TalosSecrets } from "../../components/talos/secrets";
import { LabClusterConfig } from "./config";
import { LOCAL_PATH_VOLUME } from "./platform";

/**
 * Options that put every resource of a component behind the cluster's health gate: the cluster's Kubernetes
 * provider, `dependsOn` the gate on the component, and a transformation that adds the gate to every Kubernetes
 * resource beneath it (children do not inherit a component's `dependsOn`). The provider already waits for the gate; the explicit edge on each resource makes the order
 * visible in `pulumi preview` and the offline plan, as docs/lab.md promises ("every Kubernetes resource takes the
 * gate in dependsOn").
 */
export function behindHealthGate(cluster: TalosCluster): pulumi.ComponentResourceOptions {
  const gate = cluster.apiReady;
  return {
    providers: { kubernetes: cluster.kubernetesProvider },
    dependsOn: [gate],
    transformations: [
      (args) =>
        args.type.startsWith("kubernetes:")
          ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { dependsOn: [gate] }) }
          : undefined,
    ],
  };
}

/** The nodes of one role with their labels: the Proxmox CSI plugin's topology labels when it is the backend. */
function nodesOf(config: LabClusterConfig, nodes: LabClusterConfig["talos"]["controlPlanes"]): TalosNodeSpec[] {
  const csi = config.platform.storage.backend === "proxmox-csi" ? config.platform.storage.proxmoxCsi : undefined;
  return nodes.map((node) => ({
    ...node,
    ...(csi === undefined ? {} : { nodeLabels: proxmoxTopologyLabels(csi.region, node.proxmoxNode) }),
  }));
}

/** The cluster and its GitOps. */
export interface LabCluster {
  readonly cluster: TalosCluster;
  readonly flux: Flux;
  /** Options for every Kubernetes component: {@link behindHealthGate}. */
  readonly kubernetes: pulumi.ComponentResourceOptions;
}

/** Creates the Talos secrets, the cluster on Proxmox and Flux. */
export function labCluster(
  config: LabClusterConfig,
  gitops: {
    readonly repositoryUrl: string;
    readonly path: string;
    readonly branch: string;
    readonly deployPrivateKey: pulumi.Input<string>;
  },
  providers: pulumi.ComponentResourceOptions,
): LabCluster {
  const { talos, proxmox, network } = config;
  const secrets = new TalosSecrets(talos.clusterName, {}, providers);
  const cluster = new TalosCluster(
    talos.clusterName,
    {
      clusterName: talos.clusterName,
      talosVersion: talos.talosVersion,
      imageVersion: talos.imageVersion,
      kubernetesVersion: talos.kubernetesVersion,
      versionSettings: {
        talosVersion: "foundation:talos.talosVersion",
        kubernetesVersion: "foundation:talos.kubernetesVersion",
      },
      vip: talos.vip,
      controlPlanes: nodesOf(config, talos.controlPlanes),
      workers: nodesOf(config, talos.workers),
      gateway: network.gateway,
      nameservers: network.nameservers,
      timeServers: network.timeServers,
      cilium: talos.cilium,
      // The admins, and the runner VM whose deploy jobs run Pulumi's Talos and Kubernetes resources; in the cluster
      // placement those jobs come from the pod network, which the rules let reach the APIs.
      firewall: {
        adminCidrs: [
          ...talos.adminCidrs,
          ...(config.runnerManager.placement === "vm" && config.runnerManager.vm !== undefined
            ? [`${addressOf(config.runnerManager.vm.address)}/32`]
            : []),
        ],
        nodeServices: METALLB_NODE_SERVICES,
        // Traefik's address is in the MetalLB pool, which the nodes answer for: HTTP and HTTPS from anywhere.
        loadBalancer: { addresses: config.platform.metallb.addresses, ports: [80, 443] },
      },
      // The etcd backup job takes snapshots through the Talos API, with that one role, from its namespace only.
      talosApiAccess: { roles: [ETCD_BACKUP_ROLE], namespaces: [ETCD_BACKUP_NAMESPACE] },
      podSubnets: talos.podSubnets,
      serviceSubnets: talos.serviceSubnets,
      secrets,
      datastoreId: proxmox.vmDatastore,
      imageDatastoreId: proxmox.imageDatastore,
      snippetsDatastoreId: proxmox.snippetsDatastore,
      bridge: proxmox.bridge,
      cpuType: talos.cpuType,
      controlPlaneCores: talos.controlPlane.cores,
      controlPlaneMemoryMiB: talos.controlPlane.memoryMiB,
      controlPlaneDiskGiB: talos.controlPlane.diskGiB,
      workerCores: talos.worker.cores,
      workerMemoryMiB: talos.worker.memoryMiB,
      workerDiskGiB: talos.worker.diskGiB,
      ...(config.platform.storage.backend === "local-path" && config.platform.storage.localPath !== undefined
        ? { workerDataDisk: { sizeGiB: config.platform.storage.localPath.diskGiB, volumeName: LOCAL_PATH_VOLUME } }
        : {}),
    },
    providers,
  );
  const kubernetes = behindHealthGate(cluster);
  const flux = new Flux(
    "flux",
    {
      repositoryUrl: gitops.repositoryUrl,
      branch: gitops.branch,
      path: gitops.path,
      deployKeyPrivateKey: pulumi.secret(gitops.deployPrivateKey),
      knownHosts: config.flux.knownHosts.join("\n"),
    },
    kubernetes,
  );
  return { cluster, flux, kubernetes };
}
