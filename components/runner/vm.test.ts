import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import { record } from "../../tools/plan/testing";
import { snippetFileName } from "../proxmox/cloud-init-vm";
import { RunnerVm, RunnerVmArgs } from "./vm";

const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const args: RunnerVmArgs = {
  nodeName: "pve1",
  vmId: 9100,
  name: "gitlab-runner",
  cores: 4,
  memoryMiB: 8192,
  diskGiB: 64,
  datastoreId: "local-lvm",
  imageDatastoreId: "images",
  snippetsDatastoreId: "local",
  bridge: "vmbr0",
  ipv4: { address: "192.0.2.20/24", gateway: "192.0.2.1" },
  dnsServers: ["192.0.2.1"],
  image: {
    url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2",
    sha512: "a".repeat(128),
    fileName: "debian-12-genericcloud-amd64.qcow2",
  },
  userData: pulumi.secret("#cloud-config\nhostname: gitlab-runner\n"),
  firewall: { adminCidrs: ["192.0.2.0/28"], monitoringCidrs: ["198.51.100.5/32"], fleetSshCidrs: ["0.0.0.0/0"] },
};

async function recordVm(overrides: Partial<RunnerVmArgs> = {}) {
  return record(() => {
    new RunnerVm("runner", { ...args, ...overrides }, { providers: { proxmoxve: new proxmoxve.Provider("pve", {}) } });
  });
}

describe("RunnerVm", () => {
  it("drops every inbound packet at the host but SSH from the admins and scrapes from monitoring", async () => {
    const rec = await recordVm();
    const vm = rec.named("runner-vm", VM);
    const rules = rec.named("runner-firewall-rules", "proxmoxve:firewall/rulesLegacy:RulesLegacy");
    const options = rec.named("runner-firewall", "proxmoxve:firewall/optionsLegacy:OptionsLegacy");
    const rule = (dport: string, source: string, comment: string) => ({
      type: "in",
      action: "ACCEPT",
      proto: "tcp",
      dport,
      source,
      comment,
    });
    expect(rec.inputsOf("runner-firewall-rules")).toEqual({
      nodeName: "pve1",
      vmId: 9100,
      rules: [
        rule("22", "192.0.2.0/28", "ssh from admin network"),
        rule("9100", "198.51.100.5/32", "node_exporter"),
        rule("8080", "198.51.100.5/32", "cadvisor"),
        rule("9252", "198.51.100.5/32", "gitlab-runner metrics"),
      ],
    });
    expect(rec.inputsOf("runner-firewall")).toEqual({
      nodeName: "pve1",
      vmId: 9100,
      enabled: true,
      inputPolicy: "DROP",
      outputPolicy: "ACCEPT",
    });
    // The rules exist before the firewall that would otherwise drop SSH is switched on.
    expect(rules.dependencies).toEqual([vm.urn]);
    expect([...options.dependencies].sort()).toEqual([vm.urn, rules.urn].sort());
    expect(rec.inputsOf("runner-vm", VM).networkDevices).toEqual([
      { bridge: "vmbr0", model: "virtio", firewall: true },
    ]);
  });

  it("boots a verified cloud image with VirtIO SCSI, the guest agent, no ballooning and a static address", async () => {
    const rec = await recordVm();
    expect(rec.inputsOf("runner-image")).toMatchObject({
      datastoreId: "images",
      contentType: "import",
      url: args.image.url,
      checksum: args.image.sha512,
      checksumAlgorithm: "sha512",
    });
    const vm = rec.inputsOf("runner-vm", VM);
    expect(vm).toMatchObject({
      nodeName: "pve1",
      vmId: 9100,
      scsiHardware: "virtio-scsi-pci",
      cpu: { cores: 4, type: "host" },
      memory: { dedicated: 8192, floating: 0 },
      agent: { enabled: true, trim: true },
      operatingSystem: { type: "l26" },
    });
    expect(vm.disks).toEqual([
      {
        interface: "scsi0",
        datastoreId: "local-lvm",
        importFrom: "images:import/debian-12-genericcloud-amd64.qcow2",
        size: 64,
        discard: "on",
        ssd: true,
        iothread: false,
      },
    ]);
    expect(vm.networkDevices).toEqual([{ bridge: "vmbr0", model: "virtio", firewall: true }]);
    expect(vm.initialization).toEqual({
      datastoreId: "local-lvm",
      type: "nocloud",
      ipConfigs: [{ ipv4: { address: "192.0.2.20/24", gateway: "192.0.2.1" } }],
      dns: { servers: ["192.0.2.1"] },
      userDataFileId: `local:snippets/${snippetFileName("gitlab-runner", "#cloud-config\nhostname: gitlab-runner\n")}`,
    });
  });

  it("keeps the user-data secret and replaces the VM when it changes", async () => {
    const rec = await recordVm();
    expect(rec.isSecretInput("runner-user-data", "sourceRaw")).toBe(true);
    expect(rec.inputsOf("runner-user-data")).toMatchObject({ datastoreId: "local", contentType: "snippets" });
    expect(rec.named("runner-vm", VM)).toMatchObject({
      replaceOnChanges: ["initialization.userDataFileId"],
      deleteBeforeReplace: true,
      protect: false,
    });
    expect(snippetFileName("vm", "a")).not.toBe(snippetFileName("vm", "b"));
    expect(snippetFileName("vm", "a")).toMatch(/^vm-user-data-[0-9a-f]{12}\.yaml$/);
  });

  it("refuses a VM too small to run jobs, and a malformed address", async () => {
    await expect(
      recordVm({ cores: 1, memoryMiB: 1024, ipv4: { address: "192.0.2.20", gateway: "192.0.2.1" } }),
    ).rejects.toThrow(
      "RunnerVm 'runner': cores must be at least 2 (the manager runs Docker jobs beside the runner); memoryMiB must be at least 2048; ipv4.address '192.0.2.20' must be an address with its prefix, e.g. 192.0.2.20/24",
    );
  });
});
