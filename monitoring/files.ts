/**
 * The committed monitoring files as the programs and tools ship them: the rule files and dashboards the monitoring VM
 * provisions (stacks/lab/monitoring.ts), and `prometheus.yml`, the scrape config for an existing Prometheus that
 * watches the runner VM instead (docs/monitoring.md). `prometheus.yml` is written by this file:
 * `node -r ./tools/register.js monitoring/files.ts` after a change to the renderer; monitoring.test.ts fails while
 * the two differ.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ShippedFile } from "../components/monitoring/cloud-init";
import { renderPrometheusConfig } from "../components/monitoring/prometheus-config";

/** The rule files (`*.rules.yml`; their unit tests are `*.rules.test.yml`). */
export const RULES_DIR = join(__dirname, "rules");

/** The Grafana dashboards (`*.json`). */
export const DASHBOARDS_DIR = join(__dirname, "dashboards");

/** The scrape config for an existing Prometheus. */
export const EXTERNAL_PROMETHEUS_FILE = join(__dirname, "prometheus.yml");

function filesIn(dir: string, suffix: string, except?: string): ShippedFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix) && (except === undefined || !name.endsWith(except)))
    .sort()
    .map((name) => ({ name, content: readFileSync(join(dir, name), "utf8") }));
}

/**
 * The rule files the monitoring VM loads: the runner's, and its own alert path's. Other rule files here read metrics
 * only a Prometheus inside the cluster scrapes (kube-state-metrics), which the monitoring VM does not.
 */
export const MONITORING_VM_RULE_FILES: readonly string[] = ["monitoring.rules.yml", "runner.rules.yml"];

/** Every rule file's name (`*.rules.yml`), sorted. */
export function ruleFileNames(): string[] {
  return filesIn(RULES_DIR, ".rules.yml", ".test.yml").map((file) => file.name);
}

/** The rule files the monitoring VM loads ({@link MONITORING_VM_RULE_FILES}), by name. */
export function ruleFiles(): ShippedFile[] {
  return filesIn(RULES_DIR, ".rules.yml", ".test.yml").filter((file) => MONITORING_VM_RULE_FILES.includes(file.name));
}

/** Every dashboard, by name. */
export function dashboardFiles(): ShippedFile[] {
  return filesIn(DASHBOARDS_DIR, ".json");
}

const EXTERNAL_HEADER = [
  " Scrape config for an existing Prometheus that watches the runner VM (docs/monitoring.md, monitoring.placement",
  " external): node_exporter (9100), cAdvisor (8080) and the runner's own metrics (9252). The VM's firewall admits",
  " these ports from runnerManager.vm.firewall.monitoringCidrs only. Written by monitoring/files.ts from",
  " components/monitoring/prometheus-config.ts, the renderer of the monitoring VM's config; do not edit by hand.",
  "",
  " The hosts come from one file-based service discovery file, targets/runner-vm.yml, listing the VM by name; each job",
  " adds its own port, and `instance` is the bare host name in all three jobs, so node, container and runner series of",
  " one VM join on it (the dashboard and the rules rely on that). Alerts go to that Prometheus's own Alertmanager.",
].join("\n");

/** `prometheus.yml` for an existing Prometheus: file discovery of the runner VM, the runner rules, no Alertmanager. */
export function externalPrometheusConfig(): string {
  return renderPrometheusConfig(
    {
      externalLabels: {},
      ruleFiles: ["rules/runner.rules.yml"],
      alertmanagers: [],
      runnerTargets: { kind: "file", files: ["targets/runner-vm.yml"] },
    },
    EXTERNAL_HEADER,
  );
}

if (require.main === module) {
  writeFileSync(EXTERNAL_PROMETHEUS_FILE, externalPrometheusConfig());
}
