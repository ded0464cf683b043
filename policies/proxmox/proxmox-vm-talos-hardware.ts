import { asObject, defineResourcePolicy, whenKnown } from "../policy";
import { tagsOf, VM_TYPE, vmLabel } from "./vms";

/** CPU types that offer the x86-64-v2 instructions Talos needs; the provider's default `qemu64` does not. */
const TALOS_CPU_TYPES = ["host", "x86-64-v2", "x86-64-v2-AES", "x86-64-v3", "x86-64-v4"];

/** The provider's defaults when `cpu.type` or `scsiHardware` are unset (its d.ts). */
const DEFAULT_CPU_TYPE = "qemu64";
const DEFAULT_SCSI_HARDWARE = "virtio-scsi-pci";

/**
 * Talos VMs use the virtual hardware Talos's Proxmox guide asks for (the policy's `url`): a CPU type with x86-64-v2
 * (`host` or `x86-64-v2-AES`, not the provider's `qemu64`), no memory ballooning (Talos does not support memory
 * hotplug), and the VirtIO SCSI controller `virtio-scsi-pci`, never `virtio-scsi-single`, which hangs bootstrap or
 * hides the disk (siderolabs/talos#11173).
 */
export const proxmoxVmTalosHardware = defineResourcePolicy({
  name: "proxmox-vm-talos-hardware",
  description: "Talos VMs have an x86-64-v2 CPU type, memory ballooning off and the virtio-scsi-pci disk controller.",
  severity: "high",
  remediationSteps:
    'Set cpu.type to "host" (or "x86-64-v2-AES" to keep live migration), memory.floating to 0 and scsiHardware ' +
    'to "virtio-scsi-pci" on the Talos VM; components/talos/cluster.ts TalosCluster does all three.',
  url: "https://www.talos.dev/v1.11/talos-guides/install/virtualized-platforms/proxmox/",
  area: "proxmox",
  types: [VM_TYPE],
  check: (args, report) => {
    if (!tagsOf(args.props).includes("talos")) return;
    const vm = `Talos ${vmLabel(args.props, args.name)}`;
    whenKnown(() => {
      const type = asObject(args.props.cpu).type ?? DEFAULT_CPU_TYPE;
      if (typeof type !== "string" || !TALOS_CPU_TYPES.includes(type)) {
        report(`${vm} has CPU type ${JSON.stringify(type)}, which lacks x86-64-v2; set cpu.type to "host"`);
      }
    });
    whenKnown(() => {
      const floating = asObject(args.props.memory).floating;
      if (floating !== undefined && floating !== 0) {
        report(`${vm} balloons its memory (floating ${String(floating)} MiB); set memory.floating to 0`);
      }
    });
    whenKnown(() => {
      const controller = args.props.scsiHardware ?? DEFAULT_SCSI_HARDWARE;
      if (controller !== DEFAULT_SCSI_HARDWARE) {
        report(`${vm} uses the disk controller ${JSON.stringify(controller)}; set scsiHardware to "virtio-scsi-pci"`);
      }
    });
  },
});
