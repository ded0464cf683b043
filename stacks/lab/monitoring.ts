/**
 * The lab's monitoring (docs/monitoring.md): where Prometheus, Alertmanager and Grafana run before the cluster exists.
 * `monitoring.placement: vm` builds a small VM of their own on Proxmox, apart from the runner manager's VM, so the host
 * that holds the runner tokens exposes nothing but its exporters, and those to the monitoring VM only; `external`
 * builds nothing and leaves the runner VM to an existing Prometheus (monitoring/prometheus.yml with
 * monitoring/targets/runner-vm.yml), allowed in through `runnerManager.vm.firewall.monitoringCidrs`.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  addressOf,
  cidrBounds,
  cidrContains,
  hostAddressProblem,
  inRange,
  rangeOf,
} from "../../components/common/ipv4";
import { isDnsLabel } from "../../components/common/validation";
import { AlertReceiver } from "../../components/monitoring/alertmanager-config";
import { MonitoringVm } from "../../components/monitoring/monitoring-vm";
import { ScrapeHost } from "../../components/monitoring/prometheus-config";
import { dashboardFiles, ruleFiles } from "../../monitoring/files";
import { cidr, email, hostname, httpsUrl, ipv4, secretField } from "../configuration";
import type { LabConfig } from "./config";

/** Where the monitoring runs. */
export const MONITORING_PLACEMENTS = ["vm", "external"] as const;

const dnsLabel = () =>
  z.string().refine(isDnsLabel, {
    error: "must be a DNS label: lowercase letters, digits and inner hyphens, e.g. monitoring-01",
  });

/** An exact Debian package version (`apt-cache policy <package>` lists them). */
const debianVersion = () =>
  z.string().regex(/^[0-9][A-Za-z0-9.+~:-]*$/, {
    error: "must be an exact Debian package version as apt-cache policy prints it, e.g. 2.42.0+ds-5+deb12u1",
  });

const noWorld = (cidrs: readonly string[]) => !cidrs.some((block) => block.endsWith("/0"));

/** The monitoring VM's settings. */
const monitoringVmSchema = z
  .object({
    proxmoxNode: z.string().min(1),
    vmId: z
      .number()
      .int({ error: "must be a whole number from 100 to 999999999 (Proxmox's VM id range)" })
      .min(100, { error: "must be a whole number from 100 to 999999999 (Proxmox's VM id range)" })
      .max(999_999_999, { error: "must be a whole number from 100 to 999999999 (Proxmox's VM id range)" }),
    hostname: dnsLabel(),
    /** The name people open the UIs by; Prometheus and Alertmanager build their links from it. */
    fqdn: hostname(),
    /** The VM's own address and gateway: on the lab LAN, or on another network of `proxmox.bridge`. */
    address: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/([0-9]|[12][0-9]|3[0-2])$/, {
      error: "must be an IPv4 address with its prefix length, e.g. 192.168.10.40/24",
    }),
    gateway: ipv4(),
    cores: z.number().int().min(1, { error: "must be at least 1" }),
    memoryMiB: z.number().int().min(2048, { error: "must be at least 2048 (Prometheus and Grafana side by side)" }),
    diskGiB: z.number().int().min(20, { error: "must be at least 20 (the system and Prometheus's samples)" }),
    image: z
      .object({
        url: httpsUrl(),
        sha512: z.string().regex(/^[0-9a-f]{128}$/, {
          error: "must be the SHA-512 as 128 lowercase hex digits, as published beside the download",
        }),
        fileName: z.string().regex(/^[\w.-]+\.qcow2$/, { error: "must be a file name ending in .qcow2" }),
      })
      .strict(),
    sshAuthorizedKeys: z.array(z.string().min(1)).min(1, { error: "give at least one key, or nobody can log in" }),
    /** Exact versions: Debian's for Prometheus, Alertmanager and node_exporter, Grafana's own repository's for it. */
    packages: z
      .object({
        prometheus: debianVersion(),
        alertmanager: debianVersion(),
        nodeExporter: debianVersion(),
        grafana: debianVersion(),
      })
      .strict(),
    retentionDays: z.number().int().min(1, { error: "must be at least 1" }).max(365, { error: "must be at most 365" }),
    /** Who may SSH in and open Grafana (3000), Prometheus (9090) and Alertmanager (9093). */
    adminCidrs: z
      .array(cidr())
      .min(1, { error: "give at least one network, or nobody can open the UIs" })
      .refine(noWorld, {
        error: "0.0.0.0/0 opens Grafana, Prometheus and Alertmanager to every address; name the admin networks",
      }),
  })
  .strict();

/** An https URL with any path and query (a webhook's token often sits in either). */
const webhookUrl = () =>
  z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === "https:" && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { error: "must be an https:// URL without credentials in it, e.g. https://alerts.example.com/hooks/foundation" },
  );

/** The receivers Alertmanager can send to. */
export const RECEIVERS = ["webhook", "email"] as const;

/** A webhook's settings; the URL is a secret. */
const webhookSchema = z.object({ url: secretField(webhookUrl()) }).strict();

/** Mail settings; the password is a secret. */
const emailSchema = z
  .object({
    to: email(),
    from: email(),
    smarthost: z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/, {
      error: "must be the mail server as host:port, e.g. smtp.example.com:587",
    }),
    username: z.string().min(1).optional(),
    password: secretField(z.string().min(1)).optional(),
  })
  .strict();

/** `foundation:monitoring`. */
export const monitoringConfigSchema = z
  .object({
    placement: z.enum(MONITORING_PLACEMENTS),
    vm: monitoringVmSchema.optional(),
    /** Where alerts go: the receiver named, with its settings; the other's settings may stay in config. */
    alerting: z
      .object({
        receiver: z.enum(RECEIVERS),
        webhook: webhookSchema.optional(),
        email: emailSchema.optional(),
        repeatInterval: z.string().regex(/^([0-9]+(m|h|d))+$/, { error: "must be a duration like 4h" }),
        criticalRepeatInterval: z.string().regex(/^([0-9]+(m|h|d))+$/, { error: "must be a duration like 1h" }),
      })
      .strict(),
  })
  .strict();

/** The validated `foundation:monitoring`. */
export type MonitoringConfig = z.infer<typeof monitoringConfigSchema>;

/** The parts of the lab config the monitoring is checked against (a structural slice of {@link LabConfig}). */
export interface MonitoringContext {
  readonly monitoring: MonitoringConfig;
  readonly proxmox: { readonly imageDatastore: string };
  readonly runnerManager: {
    readonly vm?: {
      readonly proxmoxNode: string;
      readonly vmId: number;
      readonly hostname: string;
      readonly address: string;
      readonly image: { readonly fileName: string };
      readonly firewall: { readonly monitoringCidrs: readonly string[] };
    };
  };
  /** Absent with `talos` and `flux` when the lab has no cluster (docs/lab.md, "Two shapes"). */
  readonly platform?: { readonly metallb: { readonly addresses: readonly string[] } };
  readonly talos?: {
    readonly vip: string;
    readonly controlPlanes: readonly { readonly vmId: number; readonly address: string }[];
    readonly workers: readonly { readonly vmId: number; readonly address: string }[];
  };
}

/** A problem at a config path under `foundation:`. */
export interface MonitoringIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The cross-key rules of `foundation:monitoring`: what one key cannot say about the others. */
export function monitoringIssues(config: MonitoringContext): MonitoringIssue[] {
  const issues: MonitoringIssue[] = [];
  const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
  const { monitoring } = config;
  const runnerVm = config.runnerManager.vm;

  const { alerting } = monitoring;
  if (alerting[alerting.receiver] === undefined) {
    issue(
      ["monitoring", "alerting", alerting.receiver],
      `receiver is '${alerting.receiver}' but monitoring.alerting.${alerting.receiver} is not set; add its settings`,
    );
  }
  if (
    alerting.email !== undefined &&
    (alerting.email.username === undefined) !== (alerting.email.password === undefined)
  ) {
    issue(["monitoring", "alerting", "email", "password"], "give username and password together, or neither");
  }

  if (monitoring.placement === "external") {
    if (runnerVm !== undefined && runnerVm.firewall.monitoringCidrs.length === 0) {
      issue(
        ["runnerManager", "vm", "firewall", "monitoringCidrs"],
        "monitoring.placement is 'external', so the existing Prometheus's networks must be listed here, or nothing " +
          "can scrape the runner VM",
      );
    }
    return issues;
  }
  const vm = monitoring.vm;
  if (vm === undefined) {
    issue(
      ["monitoring", "vm"],
      "placement is 'vm' but monitoring.vm is not set; add the VM's settings (docs/monitoring.md)",
    );
    return issues;
  }
  const ip = addressOf(vm.address);
  // The block the address is in, by its prefix: the gateway must be on it.
  const block = `${cidrBounds(vm.address)[0]}/${vm.address.split("/")[1]}`;
  const host = hostAddressProblem(block, ip);
  if (host !== undefined) issue(["monitoring", "vm", "address"], host);
  if (!cidrContains(block, vm.gateway)) {
    issue(["monitoring", "vm", "gateway"], `${vm.gateway} is outside the VM's network ${block}`);
  }
  const others: { readonly path: string; readonly vmId: number; readonly ip: string }[] = [
    ...(runnerVm === undefined
      ? []
      : [{ path: "runnerManager.vm", vmId: runnerVm.vmId, ip: addressOf(runnerVm.address) }]),
    ...(config.talos?.controlPlanes ?? []).map((node, i) => ({
      path: `talos.controlPlanes[${i}]`,
      vmId: node.vmId,
      ip: addressOf(node.address),
    })),
    ...(config.talos?.workers ?? []).map((node, i) => ({
      path: `talos.workers[${i}]`,
      vmId: node.vmId,
      ip: addressOf(node.address),
    })),
  ];
  for (const other of others) {
    if (other.vmId === vm.vmId) issue(["monitoring", "vm", "vmId"], `${vm.vmId} is also the vmId of ${other.path}`);
    if (other.ip === ip) issue(["monitoring", "vm", "address"], `${ip} is also the address of ${other.path}`);
  }
  if (ip === config.talos?.vip) issue(["monitoring", "vm", "address"], `${ip} is also the cluster's VIP (talos.vip)`);
  for (const entry of config.platform?.metallb.addresses ?? []) {
    const range = rangeOf(entry);
    if (range !== undefined && inRange(range, ip)) {
      issue(["monitoring", "vm", "address"], `${ip} is in MetalLB's pool '${entry}', which hands it to Services`);
    }
  }
  if (runnerVm !== undefined) {
    if (runnerVm.hostname === vm.hostname) {
      issue(["monitoring", "vm", "hostname"], `'${vm.hostname}' is the runner VM's host name too; give it its own`);
    }
    // Each VM downloads its own image: the runner VM's goes when it moves into the cluster, this one must not.
    if (runnerVm.proxmoxNode === vm.proxmoxNode && runnerVm.image.fileName === vm.image.fileName) {
      issue(
        ["monitoring", "vm", "image", "fileName"],
        `'${vm.image.fileName}' is also the runner VM's image file on ${vm.proxmoxNode}:${config.proxmox.imageDatastore}; ` +
          `each VM downloads its own, so name this one differently, e.g. monitoring-${vm.image.fileName}`,
      );
    }
  }
  return issues;
}

/**
 * The lab config the runner manager is built from, with the monitoring VM's address added to the networks the runner
 * VM lets scrape its exporters (host firewall and ufw alike): with `monitoring.placement: vm` that VM is the one
 * scraper that always may, and `runnerManager.vm.firewall.monitoringCidrs` lists only the others, usually none.
 */
export function withMonitoringScrapers(config: LabConfig): LabConfig {
  const vm = config.runnerManager.vm;
  if (config.monitoring.placement !== "vm" || config.monitoring.vm === undefined || vm === undefined) return config;
  const own = `${addressOf(config.monitoring.vm.address)}/32`;
  const monitoringCidrs = [own, ...vm.firewall.monitoringCidrs.filter((block) => block !== own)];
  return {
    ...config,
    runnerManager: { ...config.runnerManager, vm: { ...vm, firewall: { ...vm.firewall, monitoringCidrs } } },
  };
}

/** The runner manager hosts the monitoring VM scrapes: the runner VM when the manager runs there, else none. */
export function runnerScrapeHosts(config: LabConfig): ScrapeHost[] {
  const vm = config.runnerManager.vm;
  if (config.runnerManager.placement !== "vm" || vm === undefined) return [];
  return [{ address: addressOf(vm.address), instance: vm.fqdn }];
}

/** The receiver the config names, with its settings (validated: {@link monitoringIssues} requires them). */
export function alertReceiver(monitoring: MonitoringConfig): AlertReceiver {
  const { alerting } = monitoring;
  if (alerting.receiver === "webhook" && alerting.webhook !== undefined) {
    return { type: "webhook", url: alerting.webhook.url };
  }
  if (alerting.receiver === "email" && alerting.email !== undefined) return { type: "email", ...alerting.email };
  throw new Error(`monitoring.alerting.${alerting.receiver} is not set; add its settings`);
}

/**
 * Builds the monitoring the config names: the monitoring VM, or nothing for an existing Prometheus. Its URLs follow
 * from `monitoring.vm.fqdn`; Grafana's admin password stays on the VM (docs/monitoring.md says where).
 */
export function labMonitoring(config: LabConfig, proxmox: pulumi.ComponentResourceOptions): MonitoringVm | undefined {
  const { monitoring } = config;
  if (monitoring.placement === "external" || monitoring.vm === undefined) return undefined;
  const vm = monitoring.vm;
  const receiver: pulumi.Output<AlertReceiver> = pulumi.secret(alertReceiver(monitoring));
  return new MonitoringVm(
    "monitoring",
    {
      nodeName: vm.proxmoxNode,
      vmId: vm.vmId,
      hostname: vm.hostname,
      fqdn: vm.fqdn,
      cores: vm.cores,
      memoryMiB: vm.memoryMiB,
      diskGiB: vm.diskGiB,
      datastoreId: config.proxmox.vmDatastore,
      imageDatastoreId: config.proxmox.imageDatastore,
      snippetsDatastoreId: config.proxmox.snippetsDatastore,
      bridge: config.proxmox.bridge,
      ipv4: { address: vm.address, gateway: vm.gateway },
      dnsServers: config.network.nameservers,
      image: vm.image,
      sshAuthorizedKeys: vm.sshAuthorizedKeys,
      packages: vm.packages,
      retentionDays: vm.retentionDays,
      externalLabels: { site: "lab" },
      runnerHosts: runnerScrapeHosts(config),
      ruleFiles: ruleFiles(),
      dashboards: dashboardFiles(),
      receiver,
      repeatInterval: monitoring.alerting.repeatInterval,
      criticalRepeatInterval: monitoring.alerting.criticalRepeatInterval,
      adminCidrs: vm.adminCidrs,
    },
    proxmox,
  );
}
