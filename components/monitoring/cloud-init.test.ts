import { parse } from "yaml";
import { dashboardFiles, ruleFiles } from "../../monitoring/files";
import { renderAlertmanagerConfig } from "./alertmanager-config";
import {
  monitoringFirewallCommands,
  MonitoringVmUserDataInput,
  renderMonitoringUserData,
  serviceArgs,
} from "./cloud-init";
import { renderGrafanaDashboardProviders, renderGrafanaDatasources, renderGrafanaIni } from "./grafana";
import { renderPrometheusConfig } from "./prometheus-config";
import { runTool } from "./testing";

const PROMETHEUS = renderPrometheusConfig({
  externalLabels: { site: "lab" },
  ruleFiles: ["/etc/prometheus/rules/*.rules.yml"],
  alertmanagers: ["localhost:9093"],
  runnerTargets: { kind: "static", hosts: [{ address: "192.168.10.30", instance: "runner-01.lab.example.com" }] },
  self: { instance: "monitoring-01.lab.example.com" },
});
const ALERTMANAGER = renderAlertmanagerConfig({
  receiver: { type: "webhook", url: "https://alerts.example.com/hooks/s3cr3t" },
});
const GRAFANA_INI = renderGrafanaIni({
  rootUrl: "http://monitoring-01.lab.example.com:3000/",
  adminPassword: "Abcdefgh12345678Abcdefgh12345678",
});

function input(overrides: Partial<MonitoringVmUserDataInput> = {}): MonitoringVmUserDataInput {
  return {
    hostname: "monitoring-01",
    fqdn: "monitoring-01.lab.example.com",
    timezone: "Europe/Berlin",
    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx9exampleexampleexampleexampleexample admin@example"],
    packages: {
      prometheus: "2.42.0+ds-5+deb12u1",
      alertmanager: "0.25.0-1+b4",
      nodeExporter: "1.5.0-1+b6",
      grafana: "11.6.0",
    },
    retentionDays: 15,
    prometheusConfig: PROMETHEUS,
    ruleFiles: ruleFiles(),
    alertmanagerConfig: ALERTMANAGER,
    grafanaIni: GRAFANA_INI,
    grafanaDatasources: renderGrafanaDatasources("http://localhost:9090"),
    grafanaDashboardProviders: renderGrafanaDashboardProviders(),
    dashboards: dashboardFiles(),
    firewall: {
      adminCidrs: ["192.168.10.0/24"],
      egress: [{ to: "192.168.10.30/32", port: 9252, comment: "scrape gitlab-runner metrics of runner-01" }],
    },
    ...overrides,
  };
}

type WriteFile = { path: string; content: string; owner: string; permissions: string; defer?: boolean };
type CloudConfig = Record<string, unknown> & { write_files: WriteFile[]; runcmd: string[][]; packages: unknown[] };

const rendered = (overrides: Partial<MonitoringVmUserDataInput> = {}): CloudConfig =>
  parse(renderMonitoringUserData(input(overrides))) as CloudConfig;

describe("cloud-init schema (the real validator)", () => {
  test.each<[string, Partial<MonitoringVmUserDataInput>]>([
    ["the monitoring VM with the committed rules and dashboards", {}],
    [
      "defaults (UTC) and mail delivery on port 587",
      {
        timezone: undefined,
        firewall: { adminCidrs: ["10.0.0.0/8"], egress: [{ to: "any", port: 587, comment: "alert delivery" }] },
      },
    ],
  ])("accepts %s", (_name, overrides) => {
    const result = runTool(
      "cloud-init",
      ["schema", "--config-file", "user-data.yaml"],
      { "user-data.yaml": renderMonitoringUserData(input(overrides)) },
      "cloud-init",
    );
    expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toContain("Valid cloud-config");
  });
});

describe("renderMonitoringUserData", () => {
  test("starts with the #cloud-config marker and sets the host with key-only SSH", () => {
    const text = renderMonitoringUserData(input());
    expect(text.split("\n")[0]).toBe("#cloud-config");
    const config = parse(text) as Record<string, unknown>;
    expect([config.hostname, config.fqdn, config.ssh_pwauth, config.disable_root]).toEqual([
      "monitoring-01",
      "monitoring-01.lab.example.com",
      false,
      true,
    ]);
  });

  test("installs every service at its pinned version, Grafana from its own signed repository", () => {
    const config = rendered();
    expect(config.packages).toEqual([
      "ca-certificates",
      "ufw",
      "qemu-guest-agent",
      ["prometheus", "2.42.0+ds-5+deb12u1"],
      ["prometheus-alertmanager", "0.25.0-1+b4"],
      ["prometheus-node-exporter", "1.5.0-1+b6"],
      ["grafana", "11.6.0"],
    ]);
    expect((config.apt as { sources: unknown }).sources).toEqual({
      "grafana.list": {
        source: "deb [signed-by=$KEY_FILE] https://apt.grafana.com stable main",
        keyid: "B53AE77BADB630A683046005963FA27710458545",
        keyserver: "hkps://keyserver.ubuntu.com",
      },
    });
  });

  test("writes every file after the packages, readable by its service only, secrets included", () => {
    const files = rendered().write_files.map((f) => [f.path, f.owner, f.permissions, f.defer]);
    expect(files).toEqual([
      ["/etc/prometheus/prometheus.yml", "root:prometheus", "0640", true],
      ["/etc/prometheus/rules/monitoring.rules.yml", "root:prometheus", "0640", true],
      ["/etc/prometheus/rules/runner.rules.yml", "root:prometheus", "0640", true],
      ["/etc/prometheus/alertmanager.yml", "root:prometheus", "0640", true],
      ["/etc/default/prometheus", "root:root", "0644", true],
      ["/etc/default/prometheus-alertmanager", "root:root", "0644", true],
      ["/etc/default/prometheus-node-exporter", "root:root", "0644", true],
      ["/etc/grafana/grafana.ini", "root:grafana", "0640", true],
      ["/etc/grafana/provisioning/datasources/foundation.yaml", "root:grafana", "0640", true],
      ["/etc/grafana/provisioning/dashboards/foundation.yaml", "root:grafana", "0640", true],
      ["/var/lib/grafana/dashboards/foundation/runner.json", "root:grafana", "0640", true],
    ]);
  });

  test("ships the configs, rules and dashboards unchanged", () => {
    const config = rendered();
    const content = (path: string) => config.write_files.find((f) => f.path === path)?.content;
    expect(content("/etc/prometheus/prometheus.yml")).toBe(PROMETHEUS);
    expect(content("/etc/prometheus/alertmanager.yml")).toBe(ALERTMANAGER);
    expect(content("/etc/grafana/grafana.ini")).toBe(GRAFANA_INI);
    for (const file of ruleFiles()) expect(content(`/etc/prometheus/rules/${file.name}`)).toBe(file.content);
    for (const file of dashboardFiles()) {
      expect(content(`/var/lib/grafana/dashboards/foundation/${file.name}`)).toBe(file.content);
    }
  });

  test("keeps Alertmanager out of a cluster, node_exporter on loopback, and samples for the retention", () => {
    const content = (path: string) => rendered().write_files.find((f) => f.path === path)?.content;
    expect(content("/etc/default/prometheus")).toBe(
      'ARGS="--storage.tsdb.retention.time=15d --web.external-url=http://monitoring-01.lab.example.com:9090/"\n',
    );
    expect(content("/etc/default/prometheus-alertmanager")).toBe(
      'ARGS="--cluster.listen-address= --web.external-url=http://monitoring-01.lab.example.com:9093/"\n',
    );
    expect(content("/etc/default/prometheus-node-exporter")).toBe('ARGS="--web.listen-address=127.0.0.1:9100"\n');
  });

  test("closes the firewall first, checks the configs as written, then restarts the services", () => {
    const { runcmd } = rendered();
    const firewall = monitoringFirewallCommands(input().firewall);
    expect(runcmd).toEqual([
      ["set", "-e"],
      ...firewall,
      ["promtool", "check", "config", "/etc/prometheus/prometheus.yml"],
      ["amtool", "check-config", "/etc/prometheus/alertmanager.yml"],
      ["systemctl", "enable", "--now", "qemu-guest-agent"],
      ["systemctl", "restart", "prometheus-node-exporter", "prometheus", "prometheus-alertmanager"],
      ["systemctl", "enable", "grafana-server"],
      ["systemctl", "restart", "grafana-server"],
    ]);
  });

  test("is deterministic", () => {
    expect(renderMonitoringUserData(input())).toBe(renderMonitoringUserData(input()));
  });

  test.each<[string, Partial<MonitoringVmUserDataInput>, string[]]>([
    [
      "a floating package version and no retention",
      { packages: { ...input().packages, grafana: "latest" }, retentionDays: 0 },
      [
        'packages.grafana: "latest" is not a Debian package version like 2.42.0+ds-5+deb12u1',
        "retentionDays: 0 must be a whole number of days, at least 1",
      ],
    ],
    [
      "a rule file by path and no dashboards",
      { ruleFiles: [{ name: "../rules.yml", content: "" }], dashboards: [] },
      [
        'ruleFiles: "../rules.yml" must be a plain file name ending in .rules.yml',
        "dashboards: ship at least one .json file",
      ],
    ],
    [
      "UIs open to the world and a bad egress",
      { firewall: { adminCidrs: ["0.0.0.0/0"], egress: [{ to: "runner-01", port: 70000, comment: "x" }] } },
      [
        'firewall.adminCidrs: "0.0.0.0/0" opens the UIs to every address; name the admin networks',
        'firewall.egress: "runner-01" is not a CIDR (a single host is /32) or any',
        "firewall.egress: 70000 is not a TCP port",
      ],
    ],
    [
      "no SSH key and no admin network",
      { sshAuthorizedKeys: [], firewall: { adminCidrs: [], egress: [] } },
      [
        "sshAuthorizedKeys: give at least one public key, or nobody can log in to repair the VM",
        "firewall.adminCidrs: give at least one CIDR, or nobody can reach the UIs or SSH in",
      ],
    ],
  ])("refuses %s, naming every field", (_name, overrides, problems) => {
    expect(() => renderMonitoringUserData(input(overrides))).toThrow(
      new Error(`invalid monitoring VM user-data:\n  - ${problems.join("\n  - ")}`),
    );
  });
});

describe("monitoringFirewallCommands", () => {
  test("denies by default; in, SSH and the UIs from the admin networks only; out, the services and the egress", () => {
    expect(
      monitoringFirewallCommands({
        adminCidrs: ["192.168.10.0/24"],
        egress: [{ to: "192.168.10.30/32", port: 9252, comment: "scrape" }],
      }).map((command) => command.join(" ")),
    ).toEqual([
      "ufw default deny incoming",
      "ufw default deny outgoing",
      "ufw allow in proto tcp from 192.168.10.0/24 to any port 22 comment ssh from admin network",
      "ufw allow in proto tcp from 192.168.10.0/24 to any port 3000 comment grafana from admin network",
      "ufw allow in proto tcp from 192.168.10.0/24 to any port 9090 comment prometheus from admin network",
      "ufw allow in proto tcp from 192.168.10.0/24 to any port 9093 comment alertmanager from admin network",
      "ufw allow out proto tcp to any port 443 comment https",
      "ufw allow out proto udp to any port 123 comment ntp",
      "ufw allow out to any port 53 comment dns",
      "ufw allow out proto tcp to 192.168.10.30/32 port 9252 comment scrape",
      "ufw --force enable",
    ]);
  });
});

describe("serviceArgs", () => {
  test("refuses what the environment file cannot hold unquoted", () => {
    expect(() => serviceArgs(["--web.external-url=http://a b/"])).toThrow(
      'service args: "--web.external-url=http://a b/" must be a --flag=value without spaces or quotes',
    );
    expect(serviceArgs([])).toBe('ARGS=""\n');
  });
});
