/** Test fixtures of the Proxmox policies: VMs shaped as components/runner/vm.ts and components/talos/cluster.ts make them. */
import type { ResourceFixture } from "../testing";
import { VM_TYPE } from "./vms";

/** The runner VM, as components/runner/vm.ts creates it, with `changes` merged in. */
export function runnerVm(changes: Record<string, unknown> = {}): ResourceFixture {
  return {
    type: VM_TYPE,
    name: "runner-vm",
    props: {
      nodeName: "pve1",
      name: "gitlab-runner-1",
      tags: ["foundation", "gitlab-runner"],
      cpu: { cores: 2, type: "host" },
      memory: { dedicated: 4096, floating: 0 },
      agent: { enabled: true, trim: true },
      networkDevices: [{ bridge: "vmbr0", model: "virtio", firewall: true }],
      ...changes,
    },
  };
}

/** A Talos node of `role`, as components/talos/cluster.ts creates it, with `changes` merged in. */
export function talosVm(role: "controlplane" | "worker", changes: Record<string, unknown> = {}): ResourceFixture {
  return {
    type: VM_TYPE,
    name: `lab-talos-${role}`,
    props: {
      nodeName: "pve1",
      name: `talos-${role === "controlplane" ? "cp" : "w"}-1`,
      tags: ["foundation", "talos", role],
      cpu: { cores: role === "controlplane" ? 2 : 4, sockets: 1, type: "host" },
      memory: { dedicated: role === "controlplane" ? 4096 : 8192, floating: 0 },
      agent: { enabled: true, trim: true, type: "virtio" },
      networkDevices: [{ bridge: "vmbr0", model: "virtio" }],
      ...changes,
    },
  };
}
