import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { FirewallPolicy, METRICS_PORTS } from "./cloud-init";

/** The cloud image the VM boots: downloaded once onto the node, verified by its published checksum. */
export interface CloudImage {
  /** HTTPS URL of the qcow2 cloud image, e.g. Debian 12 genericcloud. */
  readonly url: string;
  /** Its SHA-512 (Debian publishes SHA512SUMS beside each image). */
  readonly sha512: string;
  /** File name on the datastore; `.qcow2` for an `import` content datastore. */
  readonly fileName: string;
}

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
  /** The rendered cloud-init user-data (components/proxmox/cloud-init.ts); secret, it carries tokens and keys. */
  readonly userData: pulumi.Input<string>;
  /** Who may reach the VM: the same policy the user-data's guest firewall enforces. */
  readonly firewall: FirewallPolicy;
}

/** One rule of the VM's Proxmox firewall (`proxmoxve.firewall.RulesLegacy`). */
export interface ProxmoxFirewallRule {
  readonly type: "in";
  readonly action: "ACCEPT";
  readonly proto: "tcp";
  readonly dport: string;
  readonly source: string;
  readonly comment: string;
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
 * The name of the user-data snippet: the content's hash is part of it, so new user-data is a new snippet and the VM
 * that boots from it is replaced (cloud-init only runs on first boot; an in-place change would silently do nothing).
 */
export function snippetFileName(vmName: string, userData: string): string {
  return `${vmName}-user-data-${createHash("sha256").update(userData).digest("hex").slice(0, 12)}.yaml`;
}

/**
 * The runner manager's VM on Proxmox: a Debian cloud image imported as its disk, VirtIO SCSI, the qemu guest agent,
 * a static address, and user-data from a snippet. Stateless by design: reprovisioning is a replacement
 * (docs/runbooks/runner.md), so the VM is not protected.
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
    if (!/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/.test(args.ipv4.address)) {
      problems.push(`ipv4.address '${args.ipv4.address}' must be an address with its prefix, e.g. 192.0.2.20/24`);
    }
    if (!/^[0-9a-f]{128}$/.test(args.image.sha512)) problems.push("image.sha512 must be a SHA-512 hex digest");
    if (problems.length > 0) throw new pulumi.ResourceError(`RunnerVm '${name}': ${problems.join("; ")}`, this);

    const image = new proxmoxve.download.File(
      `${name}-image`,
      {
        nodeName: args.nodeName,
        datastoreId: args.imageDatastoreId,
        contentType: "import",
        url: args.image.url,
        fileName: args.image.fileName,
        checksum: args.image.sha512,
        checksumAlgorithm: "sha512",
        overwrite: false,
      },
      { parent: this },
    );
    const snippet = new proxmoxve.FileLegacy(
      `${name}-user-data`,
      {
        nodeName: args.nodeName,
        datastoreId: args.snippetsDatastoreId,
        contentType: "snippets",
        sourceRaw: {
          data: args.userData,
          fileName: pulumi.output(args.userData).apply((data) => snippetFileName(args.name, data)),
        },
      },
      { parent: this },
    );
    const vm = new proxmoxve.VmLegacy(
      `${name}-vm`,
      {
        nodeName: args.nodeName,
        vmId: args.vmId,
        name: args.name,
        description: "GitLab Runner manager (managed by Foundation)",
        tags: ["foundation", "gitlab-runner"],
        onBoot: true,
        started: true,
        stopOnDestroy: true,
        machine: "q35",
        operatingSystem: { type: "l26" },
        cpu: { cores: args.cores, type: "host" },
        memory: { dedicated: args.memoryMiB, floating: 0 },
        agent: { enabled: true, trim: true },
        scsiHardware: "virtio-scsi-pci",
        disks: [
          {
            interface: "scsi0",
            datastoreId: args.datastoreId,
            importFrom: image.id,
            size: args.diskGiB,
            discard: "on",
            ssd: true,
            iothread: false,
          },
        ],
        networkDevices: [{ bridge: args.bridge, model: "virtio", firewall: true, vlanId: args.vlanId }],
        serialDevices: [{ device: "socket" }],
        initialization: {
          datastoreId: args.datastoreId,
          type: "nocloud",
          ipConfigs: [{ ipv4: { address: args.ipv4.address, gateway: args.ipv4.gateway } }],
          dns: { servers: [...args.dnsServers] },
          userDataFileId: snippet.id,
        },
      },
      // New user-data (a new snippet) must mean a new VM: cloud-init does not run again on an existing one. The
      // fixed vmId cannot be held by two VMs at once, so the old one goes first.
      { parent: this, replaceOnChanges: ["initialization.userDataFileId"], deleteBeforeReplace: true },
    );
    // The NIC's `firewall` flag only takes effect with the VM's firewall enabled, and an enabled firewall without
    // its rules drops SSH and scrapes too, so the rules go first
    // (https://pve.proxmox.com/pve-docs/chapter-pve-firewall.html). Proxmox keeps both in the VM's own firewall
    // file, which goes with the VM: they are replaced with it and never deleted on their own.
    const withVm = { parent: this, replaceWith: [vm], deletedWith: vm };
    const firewallRules = new proxmoxve.firewall.RulesLegacy(
      `${name}-firewall-rules`,
      { nodeName: args.nodeName, vmId: args.vmId, rules: proxmoxFirewallRules(args.firewall) },
      { ...withVm, dependsOn: [vm] },
    );
    new proxmoxve.firewall.OptionsLegacy(
      `${name}-firewall`,
      { nodeName: args.nodeName, vmId: args.vmId, enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT" },
      { ...withVm, dependsOn: [vm, firewallRules] },
    );
    this.vmId = vm.vmId.apply((id) => id ?? args.vmId);
    this.userDataFileId = snippet.id;
    this.registerOutputs({ vmId: this.vmId, userDataFileId: this.userDataFileId });
  }
}
