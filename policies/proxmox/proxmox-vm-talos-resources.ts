import { asObject, defineResourcePolicy, whenKnown } from "../policy";
import { tagsOf, VM_TYPE, vmLabel } from "./vms";

/** The tag components/talos/cluster.ts gives every Talos node, beside its role. */
const TALOS_TAG = "talos";

/**
 * Talos's minimum system requirements per role (the policy's `url`): control planes 2 cores and 2 GiB, workers 1 core
 * and 1 GiB.
 */
const MINIMUMS = {
  controlplane: { cores: 2, memoryMiB: 2048 },
  worker: { cores: 1, memoryMiB: 1024 },
} as const;

/** The provider's defaults when `cpu.cores`/`cpu.sockets` or `memory.dedicated` are unset (its d.ts). */
const DEFAULTS = { cores: 1, sockets: 1, memoryMiB: 512 };

/**
 * Talos VMs get at least the CPU and memory Talos requires for their role; below it etcd and the API server
 * starve and bootstrap stalls. The role is the VM's `controlplane` or `worker` tag.
 */
export const proxmoxVmTalosResources = defineResourcePolicy({
  name: "proxmox-vm-talos-resources",
  description:
    "Talos VMs have at least the CPU and memory Talos requires: 2 cores and 2 GiB for a control plane, 1 core " +
    "and 1 GiB for a worker.",
  severity: "high",
  remediationSteps:
    "Raise cpu.cores and memory.dedicated (MiB) of the VM to at least the minimum of its role; the TalosCluster " +
    "arguments controlPlaneCores, controlPlaneMemoryMiB, workerCores and workerMemoryMiB set them, and Talos " +
    "recommends 4 GiB for control planes and 2 GiB for workers.",
  url: "https://www.talos.dev/v1.11/introduction/system-requirements/",
  area: "proxmox",
  types: [VM_TYPE],
  check: (args, report) => {
    const tags = tagsOf(args.props);
    if (!tags.includes(TALOS_TAG)) return;
    const role = tags.includes("controlplane") ? "controlplane" : tags.includes("worker") ? "worker" : undefined;
    const vm = vmLabel(args.props, args.name);
    if (role === undefined) {
      report(`Talos ${vm} has no role tag; tag it controlplane or worker`);
      return;
    }
    const minimum = MINIMUMS[role];
    const cpu = asObject(args.props.cpu);
    whenKnown(() => {
      const cores = Number(cpu.cores ?? DEFAULTS.cores) * Number(cpu.sockets ?? DEFAULTS.sockets);
      if (cores < minimum.cores) {
        report(`Talos ${role} ${vm} has ${cores} core(s); Talos needs at least ${minimum.cores}`);
      }
    });
    whenKnown(() => {
      const memory = Number(asObject(args.props.memory).dedicated ?? DEFAULTS.memoryMiB);
      if (memory < minimum.memoryMiB) {
        report(`Talos ${role} ${vm} has ${memory} MiB of memory; Talos needs at least ${minimum.memoryMiB} MiB`);
      }
    });
  },
});
