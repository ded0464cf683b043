import { runResourcePolicy, UNKNOWN } from "../testing";
import { runnerVm, talosVm } from "./testing";
import { proxmoxVmFirewall } from "./proxmox-vm-firewall";

const run = (networkDevices: unknown[]) => runResourcePolicy(proxmoxVmFirewall, runnerVm({ networkDevices }));

describe("proxmox-vm-firewall", () => {
  it("passes a VM with the firewall on every device", async () => {
    expect(await runResourcePolicy(proxmoxVmFirewall, runnerVm())).toEqual([]);
    expect(
      await runResourcePolicy(
        proxmoxVmFirewall,
        talosVm("worker", { networkDevices: [{ bridge: "vmbr0", model: "virtio", firewall: true }] }),
      ),
    ).toEqual([]);
  });

  it("fails each device that bypasses the firewall, on any VM", async () => {
    expect(
      await run([{ bridge: "vmbr0", firewall: true }, { bridge: "vmbr1" }, { bridge: "vmbr2", firewall: false }]),
    ).toEqual([
      "VM gitlab-runner-1: networkDevices[1] bypasses the Proxmox firewall; set firewall to true",
      "VM gitlab-runner-1: networkDevices[2] bypasses the Proxmox firewall; set firewall to true",
    ]);
    expect(await runResourcePolicy(proxmoxVmFirewall, talosVm("worker"))).toEqual([
      "VM talos-w-1: networkDevices[0] bypasses the Proxmox firewall; set firewall to true",
    ]);
  });

  it("skips a device setting unknown at preview", async () => {
    expect(await run([{ bridge: "vmbr0", firewall: UNKNOWN }])).toEqual([]);
  });
});
