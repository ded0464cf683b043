/**
 * A Debian cloud-image VM on Proxmox that is configured once, on first boot, by cloud-init user-data from a snippet:
 * the shape the runner manager's VM and the monitoring VM share. Each VM downloads its own image, so removing one VM
 * (the runner VM after the move into the cluster, say) never pulls the disk image from under another.
 */
import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/** The cloud image the VM boots: downloaded once onto the node, verified by its published checksum. */
export interface CloudImage {
  /** HTTPS URL of the qcow2 cloud image, e.g. Debian 12 genericcloud. */
  readonly url: string;
  /** Its SHA-512 (Debian publishes SHA512SUMS beside each image). */
  readonly sha512: string;
  /** File name on the datastore; `.qcow2` for an `import` content datastore. */
  readonly fileName: string;
}

/** One rule of a VM's Proxmox firewall (`proxmoxve.firewall.RulesLegacy`). */
export interface ProxmoxFirewallRule {
  readonly type: "in" | "out";
  readonly action: "ACCEPT";
  readonly proto: "tcp" | "udp" | "icmp";
  /** Destination ports (`22`, `80,443`, `2379:2380`); none for ICMP. */
  readonly dport?: string;
  /** Who may connect (inbound rules). */
  readonly source?: string;
  /** Where the VM may connect to (outbound rules). */
  readonly dest?: string;
  readonly comment: string;
}

/** What {@link createCloudInitVm} builds. */
export interface CloudInitVmArgs {
  /** Proxmox node the VM runs on. */
  readonly nodeName: string;
  /** Fixed VM id, so the VM keeps its id across the node's inventory. */
  readonly vmId: number;
  /** VM name (also its host name). */
  readonly name: string;
  /** The VM's description in the Proxmox UI. */
  readonly description: string;
  /** Proxmox tags: what the VM is, for people and for the policy pack. */
  readonly tags: readonly string[];
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  /** Datastore for the disk and the cloud-init drive. */
  readonly datastoreId: string;
  /** Datastore with the `import` content type, for the cloud image. */
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
  /** The rendered cloud-init user-data; secret when it carries credentials. */
  readonly userData: pulumi.Input<string>;
  /** The VM's Proxmox firewall rules; everything inbound they do not accept is dropped. */
  readonly firewallRules: readonly ProxmoxFirewallRule[];
  /**
   * What the Proxmox firewall does with outbound traffic no rule accepts.
   * @default "ACCEPT" (the guest's own firewall decides)
   */
  readonly outputPolicy?: "ACCEPT" | "DROP";
}

/** The resources {@link createCloudInitVm} made. */
export interface CloudInitVm {
  readonly vm: proxmoxve.VmLegacy;
  readonly snippet: proxmoxve.FileLegacy;
}

/**
 * The name of the user-data snippet: the content's hash is part of it, so new user-data is a new snippet and the VM
 * that boots from it is replaced (cloud-init only runs on first boot; an in-place change would silently do nothing).
 */
export function snippetFileName(vmName: string, userData: string): string {
  return `${vmName}-user-data-${createHash("sha256").update(userData).digest("hex").slice(0, 12)}.yaml`;
}

/** Problems with the arguments every cloud-init VM shares, each naming the argument. */
export function cloudInitVmProblems(args: Pick<CloudInitVmArgs, "ipv4" | "image">): string[] {
  const problems: string[] = [];
  if (!/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/.test(args.ipv4.address)) {
    problems.push(`ipv4.address '${args.ipv4.address}' must be an address with its prefix, e.g. 192.0.2.20/24`);
  }
  if (!/^[0-9a-f]{128}$/.test(args.image.sha512)) problems.push("image.sha512 must be a SHA-512 hex digest");
  return problems;
}

/**
 * Creates the image download, the user-data snippet, the VM and its Proxmox firewall as children of `parent`, named
 * `<name>-image`, `<name>-user-data`, `<name>-vm`, `<name>-firewall-rules` and `<name>-firewall`: a Debian cloud
 * image imported as the disk, VirtIO SCSI, the qemu guest agent, a static address, user-data from the snippet.
 */
export function createCloudInitVm(name: string, args: CloudInitVmArgs, parent: pulumi.Resource): CloudInitVm {
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
    { parent },
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
    { parent },
  );
  const vm = new proxmoxve.VmLegacy(
    `${name}-vm`,
    {
      nodeName: args.nodeName,
      vmId: args.vmId,
      name: args.name,
      description: args.description,
      tags: [...args.tags],
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
    { parent, replaceOnChanges: ["initialization.userDataFileId"], deleteBeforeReplace: true },
  );
  // The NIC's `firewall` flag only takes effect with the VM's firewall enabled, and an enabled firewall without
  // its rules drops SSH and scrapes too, so the rules go first
  // (https://pve.proxmox.com/pve-docs/chapter-pve-firewall.html). Proxmox keeps both in the VM's own firewall
  // file, which goes with the VM: they are replaced with it and never deleted on their own.
  const withVm = { parent, replaceWith: [vm], deletedWith: vm };
  const firewallRules = new proxmoxve.firewall.RulesLegacy(
    `${name}-firewall-rules`,
    { nodeName: args.nodeName, vmId: args.vmId, rules: args.firewallRules.map((rule) => ({ ...rule })) },
    { ...withVm, dependsOn: [vm] },
  );
  new proxmoxve.firewall.OptionsLegacy(
    `${name}-firewall`,
    {
      nodeName: args.nodeName,
      vmId: args.vmId,
      enabled: true,
      inputPolicy: "DROP",
      outputPolicy: args.outputPolicy ?? "ACCEPT",
    },
    { ...withVm, dependsOn: [vm, firewallRules] },
  );
  return { vm, snippet };
}
