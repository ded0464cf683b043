import { runResourcePolicy, UNKNOWN } from "../testing";
import { runnerVm, talosVm } from "./testing";
import { proxmoxVmRunnerFirewall } from "./proxmox-vm-runner-firewall";

const run = (networkDevices: unknown[]) => runResourcePolicy(proxmoxVmRunnerFirewall, runnerVm({ networkDevices }));

describe("proxmox-vm-runner-firewall", () => {
  it("passes the runner VM with the firewall on every device", async () => {
    expect(await runResourcePolicy(proxmoxVmRunnerFirewall, runnerVm())).toEqual([]);
  });

  it("fails each device that bypasses the firewall", async () => {
    expect(
      await run([{ bridge: "vmbr0", firewall: true }, { bridge: "vmbr1" }, { bridge: "vmbr2", firewall: false }]),
    ).toEqual([
      "runner VM gitlab-runner-1: networkDevices[1] bypasses the Proxmox firewall; set firewall to true",
      "runner VM gitlab-runner-1: networkDevices[2] bypasses the Proxmox firewall; set firewall to true",
    ]);
  });

  it("checks only the runner VM, by its tag", async () => {
    expect(await runResourcePolicy(proxmoxVmRunnerFirewall, talosVm("worker"))).toEqual([]);
  });

  it("skips a device setting or tags unknown at preview", async () => {
    expect(await run([{ bridge: "vmbr0", firewall: UNKNOWN }])).toEqual([]);
    expect(await runResourcePolicy(proxmoxVmRunnerFirewall, runnerVm({ tags: UNKNOWN, networkDevices: [{}] }))).toEqual(
      [],
    );
  });
});
