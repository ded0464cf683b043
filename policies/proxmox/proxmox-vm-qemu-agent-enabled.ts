import { asObject, defineResourcePolicy } from "../policy";
import { VM_TYPE, vmLabel } from "./vms";

/**
 * Every VM runs with the QEMU guest agent enabled: without it Proxmox cannot shut the guest down cleanly, freeze its
 * filesystems for a consistent backup, or report its addresses (the provider's `ipv4Addresses` stay empty). Images
 * must carry the agent (Debian's cloud image installs it from user-data; Talos images get the
 * `siderolabs/qemu-guest-agent` extension from their schematic), or the flag only stalls the provider.
 */
export const proxmoxVmQemuAgentEnabled = defineResourcePolicy({
  name: "proxmox-vm-qemu-agent-enabled",
  description: "Every Proxmox VM has the QEMU guest agent enabled.",
  severity: "low",
  remediationSteps:
    "Set agent: { enabled: true, trim: true } on the proxmoxve.VmLegacy and make sure the image runs the agent: " +
    "install qemu-guest-agent from cloud-init user-data, or add the siderolabs/qemu-guest-agent extension to the " +
    "Talos schematic.",
  url: "https://pve.proxmox.com/wiki/Qemu-guest-agent",
  area: "proxmox",
  types: [VM_TYPE],
  check: (args, report) => {
    if (asObject(args.props.agent).enabled !== true) {
      report(`${vmLabel(args.props, args.name)} has the QEMU guest agent off; set agent.enabled to true`);
    }
  },
});
