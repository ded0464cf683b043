import { asList, asObject, defineResourcePolicy, whenKnown } from "../policy";
import { tagsOf, VM_TYPE, vmLabel } from "./vms";

/** The tag components/runner/vm.ts gives the runner manager's VM. */
const RUNNER_TAG = "gitlab-runner";

/**
 * The runner VM runs untrusted job code beside the runner's credentials, so each of its network devices goes
 * through the Proxmox firewall (`firewall: true`); the rules themselves (outbound to GitLab, AWS and the registry
 * only) live in the node's and the VM's firewall configuration.
 */
export const proxmoxVmRunnerFirewall = defineResourcePolicy({
  name: "proxmox-vm-runner-firewall",
  description: "Every network device of the GitLab runner VM has the Proxmox firewall enabled.",
  severity: "high",
  remediationSteps:
    "Set firewall: true on every entry of networkDevices of the runner VM (components/runner/vm.ts does), " +
    "and enable the firewall for the VM and the datacenter with the rules docs/runbooks/runner.md lists.",
  url: "https://pve.proxmox.com/pve-docs/chapter-pve-firewall.html",
  area: "proxmox",
  types: [VM_TYPE],
  check: (args, report) => {
    if (!tagsOf(args.props).includes(RUNNER_TAG)) return;
    const vm = vmLabel(args.props, args.name);
    const devices = asList(args.props.networkDevices as unknown[]).map(asObject);
    devices.forEach((device, index) => {
      whenKnown(() => {
        if (device.firewall !== true) {
          report(`runner ${vm}: networkDevices[${index}] bypasses the Proxmox firewall; set firewall to true`);
        }
      });
    });
  },
});
