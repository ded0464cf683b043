/**
 * The pure renderer of `prometheus.yml` (https://prometheus.io/docs/prometheus/latest/configuration/configuration/):
 * the runner manager's three endpoints (node_exporter, cAdvisor, the runner) in the jobs the rules and the dashboard
 * read (monitoring/metrics.ts), found either as static targets (the monitoring VM, which knows the runner VM from the
 * lab config) or through file-based service discovery (an existing Prometheus, monitoring/prometheus.yml), plus, on
 * the monitoring VM, Prometheus, Alertmanager and the VM's own node_exporter. Checked by `promtool check config`.
 */
import { Document } from "yaml";
import { METRICS_PORTS } from "../runner/user-data";

/** Where the monitoring VM's own services listen. */
export const MONITORING_PORTS = { prometheus: 9090, alertmanager: 9093, grafana: 3000, nodeExporter: 9100 } as const;

/** A host scraped by address whose series carry `instance` (the name dashboards and alerts show). */
export interface ScrapeHost {
  /** IP address or resolvable name, without a port: each job adds its own. */
  readonly address: string;
  /** The `instance` label: the host's name, so node, container and runner series of one host join on it. */
  readonly instance: string;
}

/** How Prometheus finds the runner manager hosts. */
export type RunnerTargets =
  | { readonly kind: "static"; readonly hosts: readonly ScrapeHost[] }
  | { readonly kind: "file"; readonly files: readonly string[] };

/** The monitoring VM's own services, scraped on loopback. */
export interface SelfScrape {
  /** The `instance` label of the monitoring VM's own series. */
  readonly instance: string;
}

/** Everything `prometheus.yml` is rendered from. */
export interface PrometheusConfigInput {
  /**
   * How often every target is scraped and every rule evaluated.
   * @default "30s"
   */
  readonly interval?: string;
  /** Labels every series and alert leaves Prometheus with, e.g. `{ site: "lab" }`; none when empty. */
  readonly externalLabels: Readonly<Record<string, string>>;
  /** Rule files (paths or globs, relative to the config file or absolute). */
  readonly ruleFiles: readonly string[];
  /** Alertmanagers as `host:port`; empty sends alerts nowhere (an existing Prometheus brings its own). */
  readonly alertmanagers: readonly string[];
  /** The runner manager hosts. */
  readonly runnerTargets: RunnerTargets;
  /** The monitoring VM's own Prometheus, Alertmanager and node_exporter; unset for an existing Prometheus. */
  readonly self?: SelfScrape;
}

/** A relabel rule (the fields this config uses). */
interface Relabel {
  readonly source_labels: readonly string[];
  readonly regex: string;
  readonly target_label: string;
  readonly replacement: string;
}

/** One scrape job (the fields this config uses). */
export interface ScrapeJob {
  readonly job_name: string;
  readonly static_configs?: readonly {
    readonly targets: readonly string[];
    readonly labels?: Record<string, string>;
  }[];
  readonly file_sd_configs?: readonly { readonly files: readonly string[] }[];
  readonly relabel_configs?: readonly Relabel[];
  readonly metric_relabel_configs?: readonly Readonly<Record<string, unknown>>[];
}

/** The `prometheus.yml` document. */
export interface PrometheusConfig {
  readonly global: {
    readonly scrape_interval: string;
    readonly evaluation_interval: string;
    readonly external_labels?: Readonly<Record<string, string>>;
  };
  readonly rule_files: readonly string[];
  readonly alerting?: {
    readonly alertmanagers: readonly { readonly static_configs: readonly { readonly targets: readonly string[] }[] }[];
  };
  readonly scrape_configs: readonly ScrapeJob[];
}

/** The runner host's endpoints, by the scrape job the rules and dashboard expect them in. */
const RUNNER_JOBS: readonly (readonly [job: string, port: number])[] = [
  ["node", METRICS_PORTS.nodeExporter],
  ["cadvisor", METRICS_PORTS.cadvisor],
  ["gitlab-runner", METRICS_PORTS.runner],
];

/** A discovered target is a bare host; `instance` keeps the host and `__address__` gets the job's port. */
function portRelabel(port: number): Relabel[] {
  const host = "([^:]+)(?::[0-9]+)?";
  return [
    { source_labels: ["__address__"], regex: host, target_label: "instance", replacement: "$1" },
    { source_labels: ["__address__"], regex: host, target_label: "__address__", replacement: `$1:${port}` },
  ];
}

/** cAdvisor reports every cgroup; keep the containers (named) and the machine totals, drop the rest. */
const CADVISOR_KEEP = [{ source_labels: ["__name__", "name", "id"], regex: "container_.+;;/.+", action: "drop" }];

function runnerJob(job: string, port: number, targets: RunnerTargets, self?: SelfScrape): ScrapeJob {
  const extra = job === "cadvisor" ? { metric_relabel_configs: CADVISOR_KEEP } : {};
  if (targets.kind === "file") {
    return {
      job_name: job,
      file_sd_configs: [{ files: [...targets.files] }],
      relabel_configs: portRelabel(port),
      ...extra,
    };
  }
  // The monitoring VM's own node_exporter listens on loopback only; it joins the node job so the host alerts cover it.
  const own =
    job === "node" && self !== undefined
      ? [{ targets: [`127.0.0.1:${MONITORING_PORTS.nodeExporter}`], labels: { instance: self.instance } }]
      : [];
  const statics = [
    ...targets.hosts.map((host) => ({ targets: [`${host.address}:${port}`], labels: { instance: host.instance } })),
    ...own,
  ];
  return { job_name: job, static_configs: statics, ...extra };
}

function selfJobs(self: SelfScrape): ScrapeJob[] {
  const local = (job: string, port: number): ScrapeJob => ({
    job_name: job,
    static_configs: [{ targets: [`localhost:${port}`], labels: { instance: self.instance } }],
  });
  return [local("prometheus", MONITORING_PORTS.prometheus), local("alertmanager", MONITORING_PORTS.alertmanager)];
}

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

function problemsOf(input: PrometheusConfigInput): string[] {
  const problems: string[] = [];
  if (input.interval !== undefined && !DURATION.test(input.interval)) {
    problems.push(`interval: "${input.interval}" is not a Prometheus duration like 30s or 1m`);
  }
  for (const name of Object.keys(input.externalLabels)) {
    if (!LABEL_NAME.test(name)) problems.push(`externalLabels: "${name}" is not a label name`);
  }
  for (const target of input.alertmanagers) {
    if (!/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(target)) {
      problems.push(`alertmanagers: "${target}" must be host:port, e.g. localhost:9093`);
    }
  }
  const { runnerTargets } = input;
  if (runnerTargets.kind === "static") {
    for (const host of runnerTargets.hosts) {
      if (!HOST.test(host.address)) {
        problems.push(`runnerTargets: "${host.address}" must be an address or host name without a port`);
      }
      if (host.instance.length === 0) problems.push(`runnerTargets: "${host.address}" needs an instance name`);
    }
  } else {
    if (runnerTargets.files.length === 0) {
      problems.push("runnerTargets.files: name at least one file_sd file, e.g. targets/runner-vm.yml");
    }
    // A discovered target's instance is rewritten from its address, which would rename the loopback targets too.
    if (input.self !== undefined) {
      problems.push("self: the monitoring VM's own services go with static runner targets, not file discovery");
    }
  }
  return problems;
}

/** The config as a typed object (what {@link renderPrometheusConfig} serializes). Throws listing every problem. */
export function prometheusConfigDocument(input: PrometheusConfigInput): PrometheusConfig {
  const problems = problemsOf(input);
  if (problems.length > 0) throw new Error(`invalid Prometheus config:\n  - ${problems.join("\n  - ")}`);
  const interval = input.interval ?? "30s";
  return {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      ...(Object.keys(input.externalLabels).length === 0 ? {} : { external_labels: { ...input.externalLabels } }),
    },
    rule_files: [...input.ruleFiles],
    ...(input.alertmanagers.length === 0
      ? {}
      : { alerting: { alertmanagers: [{ static_configs: [{ targets: [...input.alertmanagers] }] }] } }),
    scrape_configs: [
      ...RUNNER_JOBS.map(([job, port]) => runnerJob(job, port, input.runnerTargets, input.self)),
      ...(input.self === undefined ? [] : selfJobs(input.self)),
    ],
  };
}

/** Renders `prometheus.yml`, with `header` as its leading comment. Pure: the same input gives the same bytes. */
export function renderPrometheusConfig(input: PrometheusConfigInput, header?: string): string {
  const document = new Document(prometheusConfigDocument(input), { aliasDuplicateObjects: false });
  if (header !== undefined) document.commentBefore = header;
  return document.toString({ lineWidth: 0 });
}
