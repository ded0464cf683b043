/**
 * The monitoring VM (docs/monitoring.md): Prometheus, Alertmanager and Grafana on a small Debian VM of their own on
 * Proxmox, apart from the runner manager's VM, so the host that holds the runner tokens exposes no web UI. Everything
 * on it comes from one user-data file (./cloud-init.ts); a change to it replaces the VM, like the runner VM.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { METRICS_PORTS } from "../runner/user-data";
import { CloudImage, cloudInitVmProblems, createCloudInitVm, ProxmoxFirewallRule } from "../proxmox/cloud-init-vm";
import { AlertReceiver, renderAlertmanagerConfig } from "./alertmanager-config";
import { Egress, MonitoringPackages, PROMETHEUS_RULES_DIR, renderMonitoringUserData, ShippedFile } from "./cloud-init";
import { renderGrafanaDashboardProviders, renderGrafanaDatasources, renderGrafanaIni } from "./grafana";
import { MONITORING_PORTS, renderPrometheusConfig, ScrapeHost } from "./prometheus-config";

/** Arguments of {@link MonitoringVm}. */
export interface MonitoringVmArgs {
  /** Proxmox node the VM runs on. */
  readonly nodeName: string;
  /** Fixed VM id. */
  readonly vmId: number;
  /** Host name (a DNS label); also the VM's name. */
  readonly hostname: string;
  /** The name people open the UIs by. */
  readonly fqdn: string;
  readonly cores: number;
  readonly memoryMiB: number;
  /** Disk size; Prometheus keeps its samples here. */
  readonly diskGiB: number;
  /** Datastore for the disk and the cloud-init drive. */
  readonly datastoreId: string;
  /** Datastore with the `import` content type, for the cloud image. */
  readonly imageDatastoreId: string;
  /** Datastore with the `snippets` content type, for the user-data. */
  readonly snippetsDatastoreId: string;
  /** Bridge of the VM's NIC. */
  readonly bridge: string;
  /** Static address in CIDR form and its gateway. */
  readonly ipv4: { readonly address: string; readonly gateway: string };
  readonly dnsServers: readonly string[];
  readonly image: CloudImage;
  /** SSH public keys of the admins. */
  readonly sshAuthorizedKeys: readonly string[];
  /**
   * IANA time zone.
   * @default "Etc/UTC"
   */
  readonly timezone?: string;
  /** Exact package versions. */
  readonly packages: MonitoringPackages;
  /** Days of samples Prometheus keeps. */
  readonly retentionDays: number;
  /** Labels every series and alert carries, e.g. `{ site: "lab" }`. */
  readonly externalLabels: Readonly<Record<string, string>>;
  /** The runner manager hosts to scrape (node_exporter, cAdvisor, the runner), by IP address; empty for none. */
  readonly runnerHosts: readonly ScrapeHost[];
  /** The rule files (monitoring/rules). */
  readonly ruleFiles: readonly ShippedFile[];
  /** The dashboards (monitoring/dashboards). */
  readonly dashboards: readonly ShippedFile[];
  /** Where alerts go; a secret (its URL or password). */
  readonly receiver: pulumi.Input<AlertReceiver>;
  /**
   * How long a firing warning waits before it is sent again.
   * @default "4h"
   */
  readonly repeatInterval?: string;
  /**
   * How long a firing critical alert waits before it is sent again.
   * @default "1h"
   */
  readonly criticalRepeatInterval?: string;
  /** The networks allowed to SSH in and open the UIs. */
  readonly adminCidrs: readonly string[];
}

/**
 * The inbound rules of the VM's Proxmox firewall: SSH and the three UIs from the admin networks, nothing else. The
 * host enforces them even while the guest's ufw is not up yet.
 */
export function monitoringProxmoxFirewallRules(adminCidrs: readonly string[]): ProxmoxFirewallRule[] {
  const ports: readonly (readonly [number, string])[] = [
    [22, "ssh from admin network"],
    [MONITORING_PORTS.grafana, "grafana from admin network"],
    [MONITORING_PORTS.prometheus, "prometheus from admin network"],
    [MONITORING_PORTS.alertmanager, "alertmanager from admin network"],
  ];
  return adminCidrs.flatMap((source) =>
    ports.map(([port, comment]): ProxmoxFirewallRule => ({
      type: "in",
      action: "ACCEPT",
      proto: "tcp",
      dport: String(port),
      source,
      comment,
    })),
  );
}

/**
 * Where the VM may connect besides https, NTP and DNS: each runner host's three exporters, and the mail server when
 * alerts go by mail (or a webhook on a port other than 443).
 */
export function monitoringEgress(runnerHosts: readonly ScrapeHost[], receiver: AlertReceiver): Egress[] {
  const scrapes = runnerHosts.flatMap((host) =>
    (
      [
        [METRICS_PORTS.nodeExporter, "node_exporter"],
        [METRICS_PORTS.cadvisor, "cadvisor"],
        [METRICS_PORTS.runner, "gitlab-runner metrics"],
      ] as const
    ).map(([port, what]) => ({ to: `${host.address}/32`, port, comment: `scrape ${what} of ${host.instance}` })),
  );
  const deliveryPort =
    receiver.type === "email" ? Number(receiver.smarthost.split(":").pop()) : Number(new URL(receiver.url).port || 443);
  const delivery = deliveryPort === 443 ? [] : [{ to: "any", port: deliveryPort, comment: "alert delivery" }];
  return [...scrapes, ...delivery];
}

/** Prometheus, Alertmanager and Grafana on a Proxmox VM of their own. */
export class MonitoringVm extends pulumi.ComponentResource {
  /** The VM's id on the node. */
  readonly vmId: pulumi.Output<number>;
  /** Grafana, for the admin networks. */
  readonly grafanaUrl: pulumi.Output<string>;
  /** Prometheus's UI, for the admin networks. */
  readonly prometheusUrl: pulumi.Output<string>;
  /** Alertmanager's UI, for the admin networks. */
  readonly alertmanagerUrl: pulumi.Output<string>;
  /** The password of Grafana's `admin` user (secret). */
  readonly grafanaAdminPassword: pulumi.Output<string>;

  constructor(name: string, args: MonitoringVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:monitoring:MonitoringVm", name, {}, opts);
    const problems: string[] = [];
    if (args.cores < 1) problems.push("cores must be at least 1");
    if (args.memoryMiB < 2048) problems.push("memoryMiB must be at least 2048 (Prometheus and Grafana side by side)");
    if (args.diskGiB < 20) problems.push("diskGiB must be at least 20 (the system and Prometheus's samples)");
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(args.ipv4.address.split("/")[0])) {
      problems.push(`ipv4.address '${args.ipv4.address}' must be an IPv4 address with its prefix`);
    }
    for (const host of args.runnerHosts) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(host.address)) {
        problems.push(`runnerHosts: '${host.address}' must be an IPv4 address (the firewall lets the VM out to it)`);
      }
    }
    problems.push(...cloudInitVmProblems(args));
    if (problems.length > 0) throw new pulumi.ResourceError(`MonitoringVm '${name}': ${problems.join("; ")}`, this);

    const base = `http://${args.fqdn}`;
    this.grafanaUrl = pulumi.output(`${base}:${MONITORING_PORTS.grafana}/`);
    this.prometheusUrl = pulumi.output(`${base}:${MONITORING_PORTS.prometheus}/`);
    this.alertmanagerUrl = pulumi.output(`${base}:${MONITORING_PORTS.alertmanager}/`);

    // Grafana's ini has no quoting, so the password is letters and digits only; 32 of them are plenty.
    const adminPassword = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 32, special: false },
      { parent: this },
    );
    this.grafanaAdminPassword = pulumi.secret(adminPassword.result);

    const prometheusConfig = renderPrometheusConfig(
      {
        externalLabels: args.externalLabels,
        ruleFiles: [`${PROMETHEUS_RULES_DIR}/*.rules.yml`],
        alertmanagers: [`localhost:${MONITORING_PORTS.alertmanager}`],
        runnerTargets: { kind: "static", hosts: args.runnerHosts },
        self: { instance: args.fqdn },
      },
      " Rendered by components/monitoring/prometheus-config.ts for the monitoring VM; do not edit on the host.",
    );
    const userData = pulumi.secret(
      pulumi.all([args.receiver, adminPassword.result]).apply(([receiver, password]) =>
        renderMonitoringUserData({
          hostname: args.hostname,
          fqdn: args.fqdn,
          timezone: args.timezone,
          sshAuthorizedKeys: args.sshAuthorizedKeys,
          packages: args.packages,
          retentionDays: args.retentionDays,
          prometheusConfig,
          ruleFiles: args.ruleFiles,
          alertmanagerConfig: renderAlertmanagerConfig({
            receiver,
            repeatInterval: args.repeatInterval,
            criticalRepeatInterval: args.criticalRepeatInterval,
          }),
          grafanaIni: renderGrafanaIni({ rootUrl: `${base}:${MONITORING_PORTS.grafana}/`, adminPassword: password }),
          grafanaDatasources: renderGrafanaDatasources(`http://localhost:${MONITORING_PORTS.prometheus}`),
          grafanaDashboardProviders: renderGrafanaDashboardProviders(),
          dashboards: args.dashboards,
          firewall: { adminCidrs: args.adminCidrs, egress: monitoringEgress(args.runnerHosts, receiver) },
        }),
      ),
    );

    const { vm } = createCloudInitVm(
      name,
      {
        nodeName: args.nodeName,
        vmId: args.vmId,
        name: args.hostname,
        description: "Prometheus, Alertmanager and Grafana (managed by Foundation)",
        tags: ["foundation", "monitoring"],
        cores: args.cores,
        memoryMiB: args.memoryMiB,
        diskGiB: args.diskGiB,
        datastoreId: args.datastoreId,
        imageDatastoreId: args.imageDatastoreId,
        snippetsDatastoreId: args.snippetsDatastoreId,
        bridge: args.bridge,
        ipv4: args.ipv4,
        dnsServers: args.dnsServers,
        image: args.image,
        userData,
        firewallRules: monitoringProxmoxFirewallRules(args.adminCidrs),
      },
      this,
    );
    this.vmId = vm.vmId.apply((id) => id ?? args.vmId);
    this.registerOutputs({
      vmId: this.vmId,
      grafanaUrl: this.grafanaUrl,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      grafanaAdminPassword: this.grafanaAdminPassword,
    });
  }
}
