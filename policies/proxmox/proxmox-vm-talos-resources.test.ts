import { runResourcePolicy, UNKNOWN } from "../testing";
import { runnerVm, talosVm } from "./testing";
import { proxmoxVmTalosResources } from "./proxmox-vm-talos-resources";

describe("proxmox-vm-talos-resources", () => {
  it("passes Talos nodes at and above the minimums", async () => {
    expect(await runResourcePolicy(proxmoxVmTalosResources, talosVm("controlplane"))).toEqual([]);
    const minimalWorker = talosVm("worker", { cpu: { cores: 1 }, memory: { dedicated: 1024 } });
    expect(await runResourcePolicy(proxmoxVmTalosResources, minimalWorker)).toEqual([]);
    const twoSockets = talosVm("controlplane", { cpu: { cores: 1, sockets: 2 }, memory: { dedicated: 2048 } });
    expect(await runResourcePolicy(proxmoxVmTalosResources, twoSockets)).toEqual([]);
  });

  it("fails a control plane below 2 cores and 2 GiB", async () => {
    const small = talosVm("controlplane", { cpu: { cores: 1 }, memory: { dedicated: 1024 } });
    expect(await runResourcePolicy(proxmoxVmTalosResources, small)).toEqual([
      "Talos controlplane VM talos-cp-1 has 1 core(s); Talos needs at least 2",
      "Talos controlplane VM talos-cp-1 has 1024 MiB of memory; Talos needs at least 2048 MiB",
    ]);
  });

  it("fails a worker on the provider's defaults (1 core, 512 MiB)", async () => {
    const defaults = talosVm("worker", { cpu: undefined, memory: undefined });
    expect(await runResourcePolicy(proxmoxVmTalosResources, defaults)).toEqual([
      "Talos worker VM talos-w-1 has 512 MiB of memory; Talos needs at least 1024 MiB",
    ]);
  });

  it("fails a Talos VM without a role tag, and leaves other VMs alone", async () => {
    expect(await runResourcePolicy(proxmoxVmTalosResources, talosVm("worker", { tags: ["talos"] }))).toEqual([
      "Talos VM talos-w-1 has no role tag; tag it controlplane or worker",
    ]);
    expect(await runResourcePolicy(proxmoxVmTalosResources, runnerVm({ cpu: { cores: 1 } }))).toEqual([]);
  });

  it("skips sizes unknown at preview", async () => {
    const unknown = talosVm("controlplane", { cpu: { cores: UNKNOWN }, memory: { dedicated: UNKNOWN } });
    expect(await runResourcePolicy(proxmoxVmTalosResources, unknown)).toEqual([]);
  });
});
