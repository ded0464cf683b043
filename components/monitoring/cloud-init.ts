/**
 * The pure renderer of the monitoring VM's cloud-init user-data (docs/monitoring.md): Prometheus, Alertmanager and
 * node_exporter from Debian, Grafana from Grafana's apt repository, every one at a pinned package version, their
 * rendered configuration, the committed rules and dashboards, and a host firewall that admits only the admin networks
 * and lets the VM out only to what it needs. The output must pass `cloud-init schema` (tested).
 *
 * Layout on first boot (cloud-init's module order on Debian): `bootcmd` → `apt` sources → packages → deferred
 * `write_files` (after packages, so the `prometheus` and `grafana` users that own the files exist and the packages'
 * own default files are overwritten, not the other way round) → `runcmd`: firewall, config checks, restarts.
 */
import { Document } from "yaml";
import {
  APT_BOOTCMD,
  DEBIAN_HTTPS_MIRRORS,
  isCidr,
  ufwCommands,
  VmIdentity,
  vmIdentityConfig,
  vmIdentityProblems,
} from "../proxmox/cloud-init";
import { GRAFANA_DASHBOARDS_DIR, GRAFANA_PROVISIONING_DIR } from "./grafana";
import { MONITORING_PORTS } from "./prometheus-config";

/**
 * Grafana's apt signing key, by full fingerprint: the key that signs https://apt.grafana.com since its rotation on
 * 2023-08-24 ("B53A E77B ADB6 30A6 8304 6005 963F A277 1045 8545", https://apt.grafana.com).
 */
export const GRAFANA_APT_KEY_FINGERPRINT = "B53AE77BADB630A683046005963FA27710458545";

/** Where the VM keeps its Prometheus settings (the Debian packages' paths). */
export const PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml";
/** The rule files' directory; `prometheus.yml` loads `*.rules.yml` from it. */
export const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";
/** Alertmanager's config (it holds the receiver's secret). */
export const ALERTMANAGER_CONFIG_PATH = "/etc/prometheus/alertmanager.yml";

/** Package versions, each an exact Debian version string (`apt-cache policy <package>` shows the candidates). */
export interface MonitoringPackages {
  /** Debian's `prometheus`, e.g. `2.42.0+ds-5+deb12u1` (bookworm). */
  readonly prometheus: string;
  /** Debian's `prometheus-alertmanager`, e.g. `0.25.0-1+b4`. */
  readonly alertmanager: string;
  /** Debian's `prometheus-node-exporter`, e.g. `1.5.0-1+b6`. */
  readonly nodeExporter: string;
  /** `grafana` from apt.grafana.com, e.g. `11.6.0`. */
  readonly grafana: string;
}

/** A file shipped as it is committed: a rule file or a dashboard. */
export interface ShippedFile {
  /** File name (no directories), e.g. `runner.rules.yml`. */
  readonly name: string;
  readonly content: string;
}

/** A destination the VM may open TCP connections to. */
export interface Egress {
  /** Address or CIDR; `any` for every address. */
  readonly to: string;
  readonly port: number;
  readonly comment: string;
}

/** Who may reach the VM, and where it may go besides https, NTP and DNS. */
export interface MonitoringFirewall {
  /** Networks allowed to SSH in and open the three UIs. `/0` is refused. */
  readonly adminCidrs: readonly string[];
  /** The exporters it scrapes, and where alerts are delivered when that is not https. */
  readonly egress: readonly Egress[];
}

/** Everything the monitoring VM's user-data needs. */
export interface MonitoringVmUserDataInput extends VmIdentity {
  /** The name people open the UIs by; Prometheus and Alertmanager build their links from it. */
  readonly fqdn: string;
  readonly packages: MonitoringPackages;
  /** How many days Prometheus keeps samples. */
  readonly retentionDays: number;
  /** The rendered `prometheus.yml` (components/monitoring/prometheus-config.ts). */
  readonly prometheusConfig: string;
  /** The rule files, each named `*.rules.yml`. */
  readonly ruleFiles: readonly ShippedFile[];
  /** The rendered `alertmanager.yml` (secret: it holds the receiver's URL or password). */
  readonly alertmanagerConfig: string;
  /** The rendered `grafana.ini` (secret: it holds the admin password). */
  readonly grafanaIni: string;
  /** The rendered data source provisioning file. */
  readonly grafanaDatasources: string;
  /** The rendered dashboard provider file. */
  readonly grafanaDashboardProviders: string;
  /** The dashboards, each a `*.json` file. */
  readonly dashboards: readonly ShippedFile[];
  readonly firewall: MonitoringFirewall;
}

const DEBIAN_VERSION = /^[0-9][A-Za-z0-9.+~:-]*$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function validate(input: MonitoringVmUserDataInput): string[] {
  const problems = vmIdentityProblems(input);
  for (const [name, version] of Object.entries(input.packages)) {
    if (!DEBIAN_VERSION.test(version)) {
      problems.push(`packages.${name}: "${version}" is not a Debian package version like 2.42.0+ds-5+deb12u1`);
    }
  }
  if (!Number.isInteger(input.retentionDays) || input.retentionDays < 1) {
    problems.push(`retentionDays: ${input.retentionDays} must be a whole number of days, at least 1`);
  }
  for (const [field, files, suffix] of [
    ["ruleFiles", input.ruleFiles, ".rules.yml"],
    ["dashboards", input.dashboards, ".json"],
  ] as const) {
    if (files.length === 0) problems.push(`${field}: ship at least one ${suffix} file`);
    for (const file of files) {
      if (!FILE_NAME.test(file.name) || !file.name.endsWith(suffix)) {
        problems.push(`${field}: "${file.name}" must be a plain file name ending in ${suffix}`);
      }
    }
  }
  if (input.firewall.adminCidrs.length === 0) {
    problems.push("firewall.adminCidrs: give at least one CIDR, or nobody can reach the UIs or SSH in");
  }
  for (const cidr of input.firewall.adminCidrs) {
    if (!isCidr(cidr)) problems.push(`firewall.adminCidrs: "${cidr}" is not a CIDR like 192.0.2.0/24`);
    else if (cidr.endsWith("/0")) {
      problems.push(`firewall.adminCidrs: "${cidr}" opens the UIs to every address; name the admin networks`);
    }
  }
  for (const egress of input.firewall.egress) {
    if (egress.to !== "any" && !isCidr(egress.to)) {
      problems.push(`firewall.egress: "${egress.to}" is not a CIDR (a single host is /32) or any`);
    }
    if (!Number.isInteger(egress.port) || egress.port < 1 || egress.port > 65535) {
      problems.push(`firewall.egress: ${egress.port} is not a TCP port`);
    }
  }
  return problems;
}

/** A Debian `/etc/default/<service>` file setting `ARGS`, the flags the packaged unit passes to the daemon. */
export function serviceArgs(args: readonly string[]): string {
  for (const arg of args) {
    // The file is read by systemd's EnvironmentFile and by sh: no quoting is possible, so nothing that needs it.
    if (!/^--[a-z][a-z0-9.-]*(=[A-Za-z0-9_.:/@+-]*)?$/.test(arg)) {
      throw new Error(`service args: ${JSON.stringify(arg)} must be a --flag=value without spaces or quotes`);
    }
  }
  return `ARGS="${args.join(" ")}"\n`;
}

/** The UIs the admin networks reach, by port. */
const UI_PORTS: readonly (readonly [number, string])[] = [
  [22, "ssh from admin network"],
  [MONITORING_PORTS.grafana, "grafana from admin network"],
  [MONITORING_PORTS.prometheus, "prometheus from admin network"],
  [MONITORING_PORTS.alertmanager, "alertmanager from admin network"],
];

/**
 * The ufw commands, as argv arrays: deny by default both ways; in, SSH and the three UIs from the admin networks
 * only; out, HTTPS (Debian and Grafana's repositories, the keyserver, a webhook receiver), NTP, DNS, and the listed
 * egress (the exporters it scrapes, a mail server). Prometheus, Alertmanager and node_exporter talk to each other on
 * loopback, which ufw's before-rules always allow.
 */
export function monitoringFirewallCommands(firewall: MonitoringFirewall): string[][] {
  return ufwCommands(
    firewall.adminCidrs.flatMap((peer) => UI_PORTS.map(([port, comment]) => ({ peer, port, comment }))),
    firewall.egress.map((egress) => ({ peer: egress.to, port: egress.port, comment: egress.comment })),
  );
}

/** A deferred file: written after the packages, so the owners exist and the packages' defaults are replaced. */
function deferred(path: string, content: string, owner: string, permissions: string): Record<string, unknown> {
  return { path, content, owner, permissions, defer: true };
}

/** The cloud-config as a plain object: what {@link renderMonitoringUserData} serializes. */
export function monitoringUserDataDocument(input: MonitoringVmUserDataInput): Record<string, unknown> {
  const problems = validate(input);
  if (problems.length > 0) {
    throw new Error(`invalid monitoring VM user-data:\n  - ${problems.join("\n  - ")}`);
  }
  const { packages } = input;
  const base = `http://${input.fqdn}`;
  return {
    ...vmIdentityConfig(input),
    bootcmd: APT_BOOTCMD,
    apt: {
      ...DEBIAN_HTTPS_MIRRORS,
      sources: {
        "grafana.list": {
          source: "deb [signed-by=$KEY_FILE] https://apt.grafana.com stable main",
          keyid: GRAFANA_APT_KEY_FINGERPRINT,
          keyserver: "hkps://keyserver.ubuntu.com",
        },
      },
    },
    package_update: true,
    package_upgrade: true,
    packages: [
      "ca-certificates",
      "ufw",
      "qemu-guest-agent",
      ["prometheus", packages.prometheus],
      ["prometheus-alertmanager", packages.alertmanager],
      ["prometheus-node-exporter", packages.nodeExporter],
      ["grafana", packages.grafana],
    ],
    write_files: [
      deferred(PROMETHEUS_CONFIG_PATH, input.prometheusConfig, "root:prometheus", "0640"),
      ...input.ruleFiles.map((file) =>
        deferred(`${PROMETHEUS_RULES_DIR}/${file.name}`, file.content, "root:prometheus", "0640"),
      ),
      deferred(ALERTMANAGER_CONFIG_PATH, input.alertmanagerConfig, "root:prometheus", "0640"),
      deferred(
        "/etc/default/prometheus",
        serviceArgs([
          `--storage.tsdb.retention.time=${input.retentionDays}d`,
          `--web.external-url=${base}:${MONITORING_PORTS.prometheus}/`,
        ]),
        "root:root",
        "0644",
      ),
      deferred(
        "/etc/default/prometheus-alertmanager",
        // One Alertmanager, no cluster: the gossip port (9094) stays closed instead of listening on every address.
        serviceArgs(["--cluster.listen-address=", `--web.external-url=${base}:${MONITORING_PORTS.alertmanager}/`]),
        "root:root",
        "0644",
      ),
      deferred(
        "/etc/default/prometheus-node-exporter",
        // Prometheus scrapes its own host on loopback; nothing else needs this host's exporter.
        serviceArgs([`--web.listen-address=127.0.0.1:${MONITORING_PORTS.nodeExporter}`]),
        "root:root",
        "0644",
      ),
      deferred("/etc/grafana/grafana.ini", input.grafanaIni, "root:grafana", "0640"),
      deferred(
        `${GRAFANA_PROVISIONING_DIR}/datasources/foundation.yaml`,
        input.grafanaDatasources,
        "root:grafana",
        "0640",
      ),
      deferred(
        `${GRAFANA_PROVISIONING_DIR}/dashboards/foundation.yaml`,
        input.grafanaDashboardProviders,
        "root:grafana",
        "0640",
      ),
      ...input.dashboards.map((file) =>
        deferred(`${GRAFANA_DASHBOARDS_DIR}/${file.name}`, file.content, "root:grafana", "0640"),
      ),
    ],
    runcmd: [
      // runcmd is a plain sh script: stop at the first failure, so a broken config shows in `cloud-init status`.
      ["set", "-e"],
      ...monitoringFirewallCommands(input.firewall),
      // The same checks the repository's tests run, now against the files as written on the VM.
      ["promtool", "check", "config", PROMETHEUS_CONFIG_PATH],
      ["amtool", "check-config", ALERTMANAGER_CONFIG_PATH],
      ["systemctl", "enable", "--now", "qemu-guest-agent"],
      // The Debian packages started with their defaults; the flags in /etc/default are only read at start.
      ["systemctl", "restart", "prometheus-node-exporter", "prometheus", "prometheus-alertmanager"],
      // Grafana's package does not enable its service.
      ["systemctl", "enable", "grafana-server"],
      ["systemctl", "restart", "grafana-server"],
    ],
  };
}

/**
 * Renders the user-data, `#cloud-config` first. Pure; throws listing every invalid input. The result holds the
 * receiver's secret and the Grafana admin password: keep it a secret.
 */
export function renderMonitoringUserData(input: MonitoringVmUserDataInput): string {
  const document = new Document(monitoringUserDataDocument(input), { aliasDuplicateObjects: false });
  document.commentBefore = "cloud-config";
  return document.toString({ lineWidth: 0 });
}
