import { asList, asObject, defineResourcePolicy, whenKnown } from "../policy";
import { VM_TYPE, vmLabel } from "./vms";

/**
 * Every VM's network devices go through the Proxmox firewall (`firewall: true`): without the flag the host's rules
 * for the VM are not applied at all. The runner VM runs untrusted job code beside the runner's credentials, the
 * monitoring VM holds the alert receivers' secrets, and the Talos VMs hold etcd and the cluster's keys; the rules
 * themselves (docs/runbooks/runner.md, docs/lab.md "Ingress firewall") are the components' business.
 */
export const proxmoxVmFirewall = defineResourcePolicy({
  name: "proxmox-vm-firewall",
  description: "Every network device of every VM has the Proxmox firewall enabled.",
  severity: "high",
  remediationSteps:
    "Set firewall: true on every entry of networkDevices (components/proxmox/cloud-init-vm.ts does for the runner " +
    "and monitoring VMs, components/talos/cluster.ts for the Talos VMs when its firewall is set), and enable the " +
    "firewall for the VM and the datacenter.",
  url: "https://pve.proxmox.com/pve-docs/chapter-pve-firewall.html",
  area: "proxmox",
  types: [VM_TYPE],
  check: (args, report) => {
    const vm = vmLabel(args.props, args.name);
    const devices = asList(args.props.networkDevices as unknown[]).map(asObject);
    devices.forEach((device, index) => {
      whenKnown(() => {
        if (device.firewall !== true) {
          report(`${vm}: networkDevices[${index}] bypasses the Proxmox firewall; set firewall to true`);
        }
      });
    });
  },
});
