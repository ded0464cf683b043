import * as proxmoxve from "@muhlba91/pulumi-proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parse } from "yaml";
import { dashboardFiles, ruleFiles } from "../../monitoring/files";
import { present, reveal } from "../../tools/plan/values";
import { record } from "../../tools/plan/testing";
import { monitoringEgress, MonitoringVm, MonitoringVmArgs } from "./monitoring-vm";

const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const SNIPPET = "proxmoxve:index/fileLegacy:FileLegacy";
const WEBHOOK = "https://alerts.example.com/hooks/foundation?token=s3cr3t";

const args: MonitoringVmArgs = {
  nodeName: "pve1",
  vmId: 9110,
  hostname: "monitoring-01",
  fqdn: "monitoring-01.lab.example.com",
  cores: 2,
  memoryMiB: 4096,
  diskGiB: 40,
  datastoreId: "local-lvm",
  imageDatastoreId: "images",
  snippetsDatastoreId: "local",
  bridge: "vmbr0",
  ipv4: { address: "192.0.2.40/24", gateway: "192.0.2.1" },
  dnsServers: ["192.0.2.1"],
  image: {
    url: "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2",
    sha512: "a".repeat(128),
    fileName: "monitoring-debian-12-genericcloud-amd64.qcow2",
  },
  sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx9exampleexampleexampleexampleexample admin@example"],
  packages: {
    prometheus: "2.42.0+ds-5+deb12u1",
    alertmanager: "0.25.0-1+b4",
    nodeExporter: "1.5.0-1+b6",
    grafana: "11.6.0",
  },
  retentionDays: 15,
  externalLabels: { site: "lab" },
  runnerHosts: [{ address: "192.0.2.30", instance: "runner-01.lab.example.com" }],
  ruleFiles: ruleFiles(),
  dashboards: dashboardFiles(),
  receiver: pulumi.secret({ type: "webhook" as const, url: WEBHOOK }),
  adminCidrs: ["198.51.100.0/24"],
};

async function recordVm(overrides: Partial<MonitoringVmArgs> = {}) {
  return record(() => {
    const vm = new MonitoringVm(
      "monitoring",
      { ...args, ...overrides },
      { providers: { proxmoxve: new proxmoxve.Provider("pve", {}), random: new random.Provider("random", {}) } },
    );
    return { grafana: vm.grafanaUrl, password: vm.grafanaAdminPassword };
  });
}

describe("MonitoringVm", () => {
  it("is one VM with its image, user-data, host firewall and Grafana password, all children of the component", async () => {
    const rec = await recordVm();
    const component = rec.named("monitoring", "foundation:monitoring:MonitoringVm");
    expect(rec.resources.filter((r) => r.parent === component.urn).map((r) => `${r.type}::${r.name}`)).toEqual([
      "random:index/randomPassword:RandomPassword::monitoring-grafana-admin",
      "proxmoxve:download/file:File::monitoring-image",
      `${SNIPPET}::monitoring-user-data`,
      `${VM}::monitoring-vm`,
      "proxmoxve:firewall/rulesLegacy:RulesLegacy::monitoring-firewall-rules",
      "proxmoxve:firewall/optionsLegacy:OptionsLegacy::monitoring-firewall",
    ]);
    expect(rec.inputsOf("monitoring-grafana-admin")).toEqual({ length: 32, special: false });
    expect(rec.inputsOf("monitoring-vm", VM)).toMatchObject({
      vmId: 9110,
      name: "monitoring-01",
      tags: ["foundation", "monitoring"],
      cpu: { cores: 2, type: "host" },
      memory: { dedicated: 4096, floating: 0 },
      networkDevices: [{ bridge: "vmbr0", model: "virtio", firewall: true }],
      initialization: { ipConfigs: [{ ipv4: { address: "192.0.2.40/24", gateway: "192.0.2.1" } }] },
    });
  });

  it("lets only the admin networks reach SSH and the three UIs, and drops everything else inbound at the host", async () => {
    const rec = await recordVm();
    const rule = (dport: string, comment: string) => ({
      type: "in",
      action: "ACCEPT",
      proto: "tcp",
      dport,
      source: "198.51.100.0/24",
      comment,
    });
    expect(rec.inputsOf("monitoring-firewall-rules")).toEqual({
      nodeName: "pve1",
      vmId: 9110,
      rules: [
        rule("22", "ssh from admin network"),
        rule("3000", "grafana from admin network"),
        rule("9090", "prometheus from admin network"),
        rule("9093", "alertmanager from admin network"),
      ],
    });
    expect(rec.inputsOf("monitoring-firewall")).toEqual({
      nodeName: "pve1",
      vmId: 9110,
      enabled: true,
      inputPolicy: "DROP",
      outputPolicy: "ACCEPT",
    });
  });

  it("keeps the receiver's URL and the Grafana password secret in the user-data and out of the plan", async () => {
    const rec = await recordVm();
    expect(rec.isSecretInput("monitoring-user-data", "sourceRaw")).toBe(true);
    expect(reveal(rec.outputs.password)).not.toBe("");
    const printed = JSON.stringify(rec.resources.map((r) => present(r.inputs, false)));
    expect(printed).not.toContain("s3cr3t");
    expect(printed).not.toContain(String(reveal(rec.outputs.password)));
    const userData = parse(String((rec.inputsOf("monitoring-user-data").sourceRaw as { data: string }).data)) as {
      write_files: { path: string; content: string }[];
    };
    const file = (path: string) => userData.write_files.find((f) => f.path === path)?.content ?? "";
    expect(file("/etc/prometheus/alertmanager.yml")).toContain(WEBHOOK);
    expect(file("/etc/grafana/grafana.ini")).toContain(`admin_password = ${String(reveal(rec.outputs.password))}`);
    expect(reveal(rec.outputs.grafana)).toBe("http://monitoring-01.lab.example.com:3000/");
  });

  it("scrapes the runner hosts by address and lets the VM out to their exporters only", async () => {
    const rec = await recordVm();
    const userData = parse(String((rec.inputsOf("monitoring-user-data").sourceRaw as { data: string }).data)) as {
      write_files: { path: string; content: string }[];
      runcmd: string[][];
    };
    const prometheus = parse(
      userData.write_files.find((f) => f.path === "/etc/prometheus/prometheus.yml")?.content ?? "",
    );
    expect(prometheus.scrape_configs[2]).toEqual({
      job_name: "gitlab-runner",
      static_configs: [{ targets: ["192.0.2.30:9252"], labels: { instance: "runner-01.lab.example.com" } }],
    });
    expect(userData.runcmd.filter((c) => c[0] === "ufw" && c.includes("out") && c.includes("192.0.2.30/32"))).toEqual([
      [
        "ufw",
        "allow",
        "out",
        "proto",
        "tcp",
        "to",
        "192.0.2.30/32",
        "port",
        "9100",
        "comment",
        "scrape node_exporter of runner-01.lab.example.com",
      ],
      [
        "ufw",
        "allow",
        "out",
        "proto",
        "tcp",
        "to",
        "192.0.2.30/32",
        "port",
        "8080",
        "comment",
        "scrape cadvisor of runner-01.lab.example.com",
      ],
      [
        "ufw",
        "allow",
        "out",
        "proto",
        "tcp",
        "to",
        "192.0.2.30/32",
        "port",
        "9252",
        "comment",
        "scrape gitlab-runner metrics of runner-01.lab.example.com",
      ],
    ]);
  });

  it("refuses a VM too small for Prometheus and Grafana and a runner host by name", async () => {
    await expect(
      recordVm({ memoryMiB: 1024, diskGiB: 10, runnerHosts: [{ address: "runner-01", instance: "runner-01" }] }),
    ).rejects.toThrow(
      "MonitoringVm 'monitoring': memoryMiB must be at least 2048 (Prometheus and Grafana side by side); diskGiB must " +
        "be at least 20 (the system and Prometheus's samples); runnerHosts: 'runner-01' must be an IPv4 address (the " +
        "firewall lets the VM out to it)",
    );
  });
});

describe("monitoringEgress", () => {
  const hosts = [{ address: "192.0.2.30", instance: "runner-01" }];

  test.each<[string, Parameters<typeof monitoringEgress>[1], { to: string; port: number; comment: string }[]]>([
    ["an https webhook needs nothing beyond https", { type: "webhook", url: WEBHOOK }, []],
    [
      "a webhook on its own port",
      { type: "webhook", url: "https://alerts.example.com:8443/hook" },
      [{ to: "any", port: 8443, comment: "alert delivery" }],
    ],
    [
      "mail goes to the submission port",
      { type: "email", to: "a@example.com", from: "b@example.com", smarthost: "smtp.example.com:587" },
      [{ to: "any", port: 587, comment: "alert delivery" }],
    ],
  ])("%s", (_name, receiver, delivery) => {
    expect(monitoringEgress(hosts, receiver)).toEqual([
      { to: "192.0.2.30/32", port: 9100, comment: "scrape node_exporter of runner-01" },
      { to: "192.0.2.30/32", port: 8080, comment: "scrape cadvisor of runner-01" },
      { to: "192.0.2.30/32", port: 9252, comment: "scrape gitlab-runner metrics of runner-01" },
      ...delivery,
    ]);
  });
});
