import { runResourcePolicy, UNKNOWN } from "../testing";
import { runnerVm, talosVm } from "./testing";
import { proxmoxVmTalosHardware } from "./proxmox-vm-talos-hardware";

const run = (changes: Record<string, unknown>) => runResourcePolicy(proxmoxVmTalosHardware, talosVm("worker", changes));

describe("proxmox-vm-talos-hardware", () => {
  it("passes the settings TalosCluster gives its VMs, and the provider's default controller", async () => {
    expect(await run({ scsiHardware: "virtio-scsi-pci" })).toEqual([]);
    expect(await run({ cpu: { cores: 4, type: "x86-64-v2-AES" }, memory: { dedicated: 8192 } })).toEqual([]);
  });

  it.each([
    [
      { cpu: { cores: 4, type: "kvm64" } },
      'Talos VM talos-w-1 has CPU type "kvm64", which lacks x86-64-v2; set cpu.type to "host"',
    ],
    [{ cpu: { cores: 4 } }, 'Talos VM talos-w-1 has CPU type "qemu64", which lacks x86-64-v2; set cpu.type to "host"'],
    [
      { memory: { dedicated: 8192, floating: 4096 } },
      "Talos VM talos-w-1 balloons its memory (floating 4096 MiB); set memory.floating to 0",
    ],
    [
      { scsiHardware: "virtio-scsi-single" },
      'Talos VM talos-w-1 uses the disk controller "virtio-scsi-single"; set scsiHardware to "virtio-scsi-pci"',
    ],
  ])("fails %j", async (changes, message) => {
    expect(await run(changes)).toEqual([message]);
  });

  it("leaves VMs that are not Talos nodes alone", async () => {
    expect(await runResourcePolicy(proxmoxVmTalosHardware, runnerVm({ scsiHardware: "virtio-scsi-single" }))).toEqual(
      [],
    );
  });

  it("skips settings unknown at preview", async () => {
    expect(await run({ cpu: { type: UNKNOWN }, memory: { floating: UNKNOWN }, scsiHardware: UNKNOWN })).toEqual([]);
  });
});
