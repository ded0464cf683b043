import { parse } from "yaml";
import { dashboardFiles, ruleFiles } from "../../monitoring/files";
import { configEditor, Recording } from "../../tools/plan/testing";
import { present } from "../../tools/plan/values";
import { loadConfig } from "../configuration";
import { labConfigSchema } from "./config";
import { recordLab, sampleLabConfig } from "./testing";

const sample = sampleLabConfig().config;
const edited = configEditor(sample);

const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const SNIPPET = "proxmoxve:index/fileLegacy:FileLegacy";
const RULES = "proxmoxve:firewall/rulesLegacy:RulesLegacy";

interface Monitoring {
  placement: string;
  vm?: Record<string, unknown> & { image: { fileName: string }; adminCidrs: string[] };
  alerting: { receiver: string; webhook?: { url: string }; email?: Record<string, string> };
}
interface RunnerManager {
  placement: string;
  vm: { firewall: { monitoringCidrs: string[] } };
}

/** The problems `loadConfig` reports for a config, one line each; none when it is valid. */
function problemsOf(config: Record<string, string>): string[] {
  try {
    loadConfig("lab", labConfigSchema, config);
    return [];
  } catch (err) {
    return (err as Error).message.split("\n").slice(1);
  }
}

type UserData = { write_files: { path: string; content: string }[]; runcmd: string[][] };

function userData(rec: Recording, name: string): UserData {
  return parse(String((rec.inputsOf(name, SNIPPET).sourceRaw as { data: string }).data)) as UserData;
}

const file = (data: UserData, path: string) => data.write_files.find((f) => f.path === path)?.content ?? "";

const external = edited<Monitoring>("monitoring", (m) => (m.placement = "external"));
const externalWithScraper = edited<RunnerManager>(
  "runnerManager",
  (m) => (m.vm.firewall.monitoringCidrs = ["192.168.20.0/24"]),
  external,
);

describe("lab monitoring", () => {
  let rec: Recording;
  let inCluster: Recording;
  beforeAll(async () => {
    rec = await recordLab();
    inCluster = await recordLab(edited<{ placement: string }>("runnerManager", (m) => (m.placement = "cluster")));
  });

  it("builds the monitoring VM beside the runner VM, with its own image, snippet and host firewall", () => {
    const component = rec.named("monitoring", "foundation:monitoring:MonitoringVm");
    expect(rec.resources.filter((r) => r.parent === component.urn).map((r) => `${r.type}::${r.name}`)).toEqual([
      "random:index/randomPassword:RandomPassword::monitoring-grafana-admin",
      "proxmoxve:download/file:File::monitoring-image",
      `${SNIPPET}::monitoring-user-data`,
      `${VM}::monitoring-vm`,
      `${RULES}::monitoring-firewall-rules`,
      "proxmoxve:firewall/optionsLegacy:OptionsLegacy::monitoring-firewall",
    ]);
    expect(rec.inputsOf("monitoring-vm", VM)).toMatchObject({
      nodeName: "pve1",
      vmId: 9110,
      name: "monitoring-01",
      tags: ["foundation", "monitoring"],
      networkDevices: [{ bridge: "vmbr0", model: "virtio", firewall: true }],
      initialization: { ipConfigs: [{ ipv4: { address: "192.168.10.40/24", gateway: "192.168.10.1" } }] },
    });
    expect(rec.inputsOf("monitoring-image")).toMatchObject({
      datastoreId: "local",
      fileName: "monitoring-debian-12-genericcloud-amd64.qcow2",
    });
  });

  it("lets only the monitoring VM reach the runner VM's exporters, at the host and in the guest", () => {
    const metrics = (rec.inputsOf("runner-firewall-rules", RULES).rules as { dport: string; source: string }[])
      .filter((rule) => rule.dport !== "22")
      .map((rule) => [rule.dport, rule.source]);
    expect(metrics).toEqual([
      ["9100", "192.168.10.40/32"],
      ["8080", "192.168.10.40/32"],
      ["9252", "192.168.10.40/32"],
    ]);
    const inbound = userData(rec, "runner-user-data")
      .runcmd.filter((c) => c[0] === "ufw" && c[2] === "in")
      .map((c) => `${c[6]} ${c[10]}`);
    expect(inbound).toEqual([
      "192.168.10.0/24 22",
      "192.168.10.40/32 9100",
      "192.168.10.40/32 8080",
      "192.168.10.40/32 9252",
    ]);
  });

  it("opens SSH and the three UIs to the admin networks only", () => {
    expect(
      (rec.inputsOf("monitoring-firewall-rules", RULES).rules as { type: string; dport: string; source: string }[]).map(
        (rule) => `${rule.type} ${rule.source} ${rule.dport}`,
      ),
    ).toEqual([
      "in 192.168.10.0/24 22",
      "in 192.168.10.0/24 3000",
      "in 192.168.10.0/24 9090",
      "in 192.168.10.0/24 9093",
    ]);
    expect(rec.inputsOf("monitoring-firewall")).toMatchObject({ enabled: true, inputPolicy: "DROP" });
  });

  it("scrapes the runner VM by address and names its series by the VM's host name", () => {
    const prometheus = parse(file(userData(rec, "monitoring-user-data"), "/etc/prometheus/prometheus.yml")) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: object }[] }[];
    };
    expect(prometheus.scrape_configs.map((job) => [job.job_name, job.static_configs.map((c) => c.targets[0])])).toEqual(
      [
        ["node", ["192.168.10.30:9100", "127.0.0.1:9100"]],
        ["cadvisor", ["192.168.10.30:8080"]],
        ["gitlab-runner", ["192.168.10.30:9252"]],
        ["prometheus", ["localhost:9090"]],
        ["alertmanager", ["localhost:9093"]],
      ],
    );
    expect(prometheus.scrape_configs[2].static_configs[0].labels).toEqual({ instance: "runner-01.lab.example.com" });
  });

  it("ships the committed rules and dashboards, and routes alerts to the configured receiver", () => {
    const data = userData(rec, "monitoring-user-data");
    for (const rules of ruleFiles()) expect(file(data, `/etc/prometheus/rules/${rules.name}`)).toBe(rules.content);
    for (const board of dashboardFiles()) {
      expect(file(data, `/var/lib/grafana/dashboards/foundation/${board.name}`)).toBe(board.content);
    }
    expect(parse(file(data, "/etc/prometheus/alertmanager.yml")).receivers).toEqual([
      {
        name: "foundation",
        webhook_configs: [{ url: "https://alerts.example.com/hooks/foundation", send_resolved: true }],
      },
    ]);
  });

  it("keeps the receiver's URL and Grafana's password secret: the plan's JSON shows neither", () => {
    expect(rec.isSecretInput("monitoring-user-data", "sourceRaw")).toBe(true);
    const printed = JSON.stringify(rec.resources.map((r) => present(r.inputs, false)));
    expect(printed).not.toContain("alerts.example.com/hooks");
    expect(printed).not.toContain("admin_password");
  });

  it("keeps watching the lab when the manager runs in the cluster: no runner VM to scrape or to let the VM out to", () => {
    expect(inCluster.ofType("foundation:monitoring:MonitoringVm")).toHaveLength(1);
    const data = userData(inCluster, "monitoring-user-data");
    const prometheus = parse(file(data, "/etc/prometheus/prometheus.yml")) as {
      scrape_configs: { job_name: string; static_configs: unknown[] }[];
    };
    expect(prometheus.scrape_configs.find((job) => job.job_name === "gitlab-runner")?.static_configs).toEqual([]);
    expect(data.runcmd.filter((c) => c[0] === "ufw" && c.includes("192.168.10.30/32"))).toEqual([]);
  });

  it("builds nothing for an existing Prometheus and lets that one scrape the runner VM", async () => {
    const ext = await recordLab(externalWithScraper);
    expect(ext.ofType("foundation:monitoring:MonitoringVm")).toEqual([]);
    expect(ext.resources.filter((r) => r.name.startsWith("monitoring"))).toEqual([]);
    expect(
      (ext.inputsOf("runner-firewall-rules", RULES).rules as { dport: string; source: string }[])
        .filter((rule) => rule.dport === "9252")
        .map((rule) => rule.source),
    ).toEqual(["192.168.20.0/24"]);
  });
});

describe("lab monitoring config", () => {
  it("accepts the sample, and an existing Prometheus that is let in", () => {
    expect(problemsOf(sample)).toEqual([]);
    expect(problemsOf(externalWithScraper)).toEqual([]);
  });

  it("sends mail when the receiver is email, with the mail settings of the config", async () => {
    const rec = await recordLab(edited<Monitoring>("monitoring", (m) => (m.alerting.receiver = "email")));
    const alertmanager = parse(file(userData(rec, "monitoring-user-data"), "/etc/prometheus/alertmanager.yml"));
    expect(alertmanager.receivers).toEqual([
      {
        name: "foundation",
        email_configs: [
          {
            to: "platform@example.com",
            from: "alertmanager@example.com",
            smarthost: "smtp.example.com:587",
            auth_username: "alertmanager",
            auth_password: "replace-with-a-secret",
            require_tls: true,
            send_resolved: true,
          },
        ],
      },
    ]);
    // Mail leaves on the submission port, which the VM's ufw lets out.
    expect(userData(rec, "monitoring-user-data").runcmd).toContainEqual([
      "ufw",
      "allow",
      "out",
      "proto",
      "tcp",
      "to",
      "any",
      "port",
      "587",
      "comment",
      "alert delivery",
    ]);
  });

  it("refuses a bad config before registering anything, naming the key", async () => {
    await expect(recordLab(external)).rejects.toThrow(
      'stack "lab" has 1 configuration problem; no resource was registered:\n' +
        "  - foundation:runnerManager.vm.firewall.monitoringCidrs: monitoring.placement is 'external', so the " +
        "existing Prometheus's networks must be listed here, or nothing can scrape the runner VM",
    );
  });

  it.each<[string, Record<string, string>, string[]]>([
    [
      "the vm placement without its settings",
      edited<Monitoring>("monitoring", (m) => delete m.vm),
      [
        "  - foundation:monitoring.vm: placement is 'vm' but monitoring.vm is not set; add the VM's settings " +
          "(docs/monitoring.md)",
      ],
    ],
    [
      "a gateway off the VM's network, the runner VM's id, its image file, and UIs open to the world",
      edited<Monitoring>("monitoring", (m) => {
        Object.assign(m.vm ?? {}, { gateway: "10.0.0.1", vmId: 9100 });
        m.vm!.image.fileName = "debian-12-genericcloud-amd64.qcow2";
        m.vm!.adminCidrs = ["0.0.0.0/0"];
      }),
      [
        "  - foundation:monitoring.vm.adminCidrs: 0.0.0.0/0 opens Grafana, Prometheus and Alertmanager to every " +
          "address; name the admin networks",
        "  - foundation:monitoring.vm.gateway: 10.0.0.1 is outside the VM's network 192.168.10.0/24",
        "  - foundation:monitoring.vm.vmId: 9100 is also the vmId of runnerManager.vm",
        "  - foundation:monitoring.vm.image.fileName: 'debian-12-genericcloud-amd64.qcow2' is also the runner VM's " +
          "image file on pve1:local; each VM downloads its own, so name this one differently, e.g. " +
          "monitoring-debian-12-genericcloud-amd64.qcow2",
      ],
    ],
    [
      "an address in MetalLB's pool and the runner VM's host name",
      edited<Monitoring>("monitoring", (m) =>
        Object.assign(m.vm ?? {}, { address: "192.168.10.210/24", hostname: "runner-01" }),
      ),
      [
        "  - foundation:monitoring.vm.address: 192.168.10.210 is in MetalLB's pool '192.168.10.200-192.168.10.220', " +
          "which hands it to Services",
        "  - foundation:monitoring.vm.hostname: 'runner-01' is the runner VM's host name too; give it its own",
      ],
    ],
    [
      "the runner VM's address",
      edited<Monitoring>("monitoring", (m) => Object.assign(m.vm ?? {}, { address: "192.168.10.30/24" })),
      ["  - foundation:monitoring.vm.address: 192.168.10.30 is also the address of runnerManager.vm"],
    ],
    [
      "a receiver Alertmanager has no integration for",
      edited<Monitoring>("monitoring", (m) => (m.alerting.receiver = "slack")),
      ['  - foundation:monitoring.alerting.receiver: must be one of "webhook", "email"; got the string "slack"'],
    ],
    [
      "mail as the receiver without its settings",
      edited<Monitoring>("monitoring", (m) => {
        m.alerting.receiver = "email";
        delete m.alerting.email;
      }),
      [
        "  - foundation:monitoring.alerting.email: receiver is 'email' but monitoring.alerting.email is not set; add " +
          "its settings",
      ],
    ],
    [
      "a mail user without a password",
      edited<Monitoring>("monitoring", (m) => delete m.alerting.email?.password),
      ["  - foundation:monitoring.alerting.email.password: give username and password together, or neither"],
    ],
    [
      "a plain-http webhook",
      edited<Monitoring>("monitoring", (m) => (m.alerting.webhook = { url: "http://alerts.example.com/hook" })),
      [
        "  - foundation:monitoring.alerting.webhook.url: must be an https:// URL without credentials in it, e.g. " +
          'https://alerts.example.com/hooks/foundation; got the string "http://alerts.example.com/hook"',
      ],
    ],
    [
      "a floating Grafana version",
      edited<Monitoring>("monitoring", (m) => ((m.vm!.packages as Record<string, string>).grafana = "latest")),
      [
        "  - foundation:monitoring.vm.packages.grafana: must be an exact Debian package version as apt-cache policy " +
          'prints it, e.g. 2.42.0+ds-5+deb12u1; got the string "latest"',
      ],
    ],
  ])("refuses %s", (_name, config, problems) => {
    expect(problemsOf(config)).toEqual(problems);
  });

  it("never repeats a receiver URL set as a secret", () => {
    const config = edited<Monitoring>(
      "monitoring",
      (m) => (m.alerting.webhook = { url: "http://alerts.example.com/s3cr3t" }),
    );
    let message = "";
    try {
      loadConfig("lab", labConfigSchema, config, (key) => key === "foundation:monitoring");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("foundation:monitoring.alerting.webhook.url: must be an https:// URL");
    expect(message).not.toContain("s3cr3t");
  });
});
