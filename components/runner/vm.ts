import * as pulumi from "@pulumi/pulumi";
import { CloudImage, cloudInitVmProblems, createCloudInitVm, ProxmoxFirewallRule } from "../proxmox/cloud-init-vm";
import { FirewallPolicy, METRICS_PORTS } from "./user-data";

/** Arguments of {@link RunnerVm}. */
export interface RunnerVmArgs {
  /** Proxmox node the VM runs on. */
  readonly nodeName: string;
  /** Fixed VM id, so the VM keeps its id across the node's inventory. */
  readonly vmId: number;
  /** VM name (also its host name). */
  readonly name: string;
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  /** Datastore for the disk and the cloud-init drive. */
  readonly datastoreId: string;
  /** Datastore with the `import` content type, for the cloud image (the lab's image datastore). */
  readonly imageDatastoreId: string;
  /** Datastore with the `snippets` content type, for the user-data. */
  readonly snippetsDatastoreId: string;
  /** Bridge of the VM's NIC. */
  readonly bridge: string;
  /** VLAN tag of the NIC, if any. */
  readonly vlanId?: number;
  /** Static address in CIDR form (`192.0.2.20/24`) and its gateway. */
  readonly ipv4: { readonly address: string; readonly gateway: string };
  readonly dnsServers: readonly string[];
  readonly image: CloudImage;
  /** The rendered cloud-init user-data (components/runner/user-data.ts); secret, it carries tokens and keys. */
  readonly userData: pulumi.Input<string>;
  /** Who may reach the VM: the same policy the user-data's guest firewall enforces. */
  readonly firewall: FirewallPolicy;
}

/**
 * The inbound rules of the VM's Proxmox firewall: SSH from the admin networks, the three metrics ports from the
 * monitoring networks; everything else inbound is dropped by the VM's input policy. Enforced by the host, so it holds
 * even while the guest's own firewall (ufw, from user-data) is not up yet or has been changed by hand. Outbound
 * stays with the guest, which knows the fleet's SSH destinations.
 */
export function proxmoxFirewallRules(policy: FirewallPolicy): ProxmoxFirewallRule[] {
  const accept = (source: string, port: number, comment: string): ProxmoxFirewallRule => ({
    type: "in",
    action: "ACCEPT",
    proto: "tcp",
    dport: String(port),
    source,
    comment,
  });
  return [
    ...policy.adminCidrs.map((cidr) => accept(cidr, 22, "ssh from admin network")),
    ...policy.monitoringCidrs.flatMap((cidr) => [
      accept(cidr, METRICS_PORTS.nodeExporter, "node_exporter"),
      accept(cidr, METRICS_PORTS.cadvisor, "cadvisor"),
      accept(cidr, METRICS_PORTS.runner, "gitlab-runner metrics"),
    ]),
  ];
}

/**
 * The runner manager's VM on Proxmox (components/proxmox/cloud-init-vm.ts): a Debian cloud image, the qemu guest
 * agent, a static address, user-data from a snippet, and the Proxmox firewall. Stateless by design: reprovisioning is
 * a replacement (docs/runbooks/runner.md), so the VM is not protected.
 */
export class RunnerVm extends pulumi.ComponentResource {
  /** The VM's id on the node. */
  readonly vmId: pulumi.Output<number>;
  /** The snippet's volume id (`<datastore>:snippets/<name>`). */
  readonly userDataFileId: pulumi.Output<string>;

  constructor(name: string, args: RunnerVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:proxmox:RunnerVm", name, {}, opts);
    const problems: string[] = [];
    if (args.cores < 2) problems.push("cores must be at least 2 (the manager runs Docker jobs beside the runner)");
    if (args.memoryMiB < 2048) problems.push("memoryMiB must be at least 2048");
    if (args.diskGiB < 20) problems.push("diskGiB must be at least 20 (Docker images and the build cache)");
    problems.push(...cloudInitVmProblems(args));
    if (problems.length > 0) throw new pulumi.ResourceError(`RunnerVm '${name}': ${problems.join("; ")}`, this);

    const { vm, snippet } = createCloudInitVm(
      name,
      {
        ...args,
        description: "GitLab Runner manager (managed by Foundation)",
        tags: ["foundation", "gitlab-runner"],
        firewallRules: proxmoxFirewallRules(args.firewall),
      },
      this,
    );
    this.vmId = vm.vmId.apply((id) => id ?? args.vmId);
    this.userDataFileId = snippet.id;
    this.registerOutputs({ vmId: this.vmId, userDataFileId: this.userDataFileId });
  }
}
