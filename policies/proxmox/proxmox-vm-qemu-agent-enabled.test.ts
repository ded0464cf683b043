import { runResourcePolicy, UNKNOWN } from "../testing";
import { runnerVm, talosVm } from "./testing";
import { proxmoxVmQemuAgentEnabled } from "./proxmox-vm-qemu-agent-enabled";

describe("proxmox-vm-qemu-agent-enabled", () => {
  it("passes the runner VM and Talos nodes as the components create them", async () => {
    expect(await runResourcePolicy(proxmoxVmQemuAgentEnabled, runnerVm())).toEqual([]);
    expect(await runResourcePolicy(proxmoxVmQemuAgentEnabled, talosVm("worker"))).toEqual([]);
  });

  it.each([
    ["off", { agent: { enabled: false } }],
    ["unset, the provider's default", { agent: undefined }],
  ])("fails the agent %s", async (_case, changes) => {
    expect(await runResourcePolicy(proxmoxVmQemuAgentEnabled, runnerVm(changes))).toEqual([
      "VM gitlab-runner-1 has the QEMU guest agent off; set agent.enabled to true",
    ]);
  });

  it("names a VM without a name by its logical name, and skips an agent unknown at preview", async () => {
    expect(await runResourcePolicy(proxmoxVmQemuAgentEnabled, runnerVm({ name: undefined, agent: {} }))).toEqual([
      "VM runner-vm has the QEMU guest agent off; set agent.enabled to true",
    ]);
    expect(await runResourcePolicy(proxmoxVmQemuAgentEnabled, runnerVm({ agent: { enabled: UNKNOWN } }))).toEqual([]);
  });
});
