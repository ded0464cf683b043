/**
 * The Grafana dashboard for the runner VM (docs/runbooks/runner.md), as a pure function of typed panels.
 * `dashboards/runner.json` is its committed output: regenerate it with `npm run dashboards` after a change here;
 * monitoring.test.ts fails while the file and this generator differ. The monitoring VM provisions it in Grafana.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";

/** The committed dashboard file. */
export const DASHBOARD_FILE = path.join(__dirname, "dashboards", "runner.json");

/** A Prometheus query of a panel. */
export interface DashboardTarget {
  /** Query id within the panel. */
  readonly refId: string;
  /** PromQL; `$instance` and `$__rate_interval` are Grafana variables. */
  readonly expr: string;
  /** Series name template. */
  readonly legendFormat: string;
  /** The datasource, always the dashboard's variable. */
  readonly datasource: { readonly type: "prometheus"; readonly uid: "${datasource}" };
}

/** A threshold step: a color from a value on (`null` is the base). */
export interface ThresholdStep {
  /** Color name. */
  readonly color: string;
  /** Lower bound, `null` for the base step. */
  readonly value: number | null;
}

/** A dashboard panel (the fields this dashboard uses of Grafana's panel model). */
export interface DashboardPanel {
  /** Unique id. */
  readonly id: number;
  /** Visualization. */
  readonly type: "stat" | "gauge" | "timeseries";
  /** Title. */
  readonly title: string;
  /** What the panel answers. */
  readonly description: string;
  /** Position on the 24-column grid. */
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  /** The datasource variable. */
  readonly datasource: DashboardTarget["datasource"];
  /** Queries. */
  readonly targets: readonly DashboardTarget[];
  /** Unit, thresholds and range. */
  readonly fieldConfig: {
    readonly defaults: {
      readonly unit: string;
      readonly min?: number;
      readonly max?: number;
      readonly thresholds: { readonly mode: "absolute"; readonly steps: readonly ThresholdStep[] };
    };
    readonly overrides: readonly never[];
  };
  /** Visualization options. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The dashboard document. */
export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly version: number;
  readonly editable: boolean;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly timezone: string;
  readonly templating: { readonly list: readonly Readonly<Record<string, unknown>>[] };
  readonly panels: readonly DashboardPanel[];
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;
const FILESYSTEMS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs"';

const GREEN: ThresholdStep = { color: "green", value: null };

interface PanelSpec {
  readonly type: DashboardPanel["type"];
  readonly title: string;
  readonly description: string;
  readonly size: { readonly w: number; readonly h: number };
  readonly unit: string;
  readonly range?: { readonly min: number; readonly max: number };
  readonly thresholds?: readonly ThresholdStep[];
  readonly queries: readonly (readonly [expr: string, legend: string])[];
}

const PANELS: readonly PanelSpec[] = [
  {
    type: "stat",
    title: "Runner up",
    description: "Whether Prometheus reaches the runner's metrics endpoint (:9252). 0 means no job is picked up.",
    size: { w: 4, h: 4 },
    unit: "none",
    thresholds: [
      { color: "red", value: null },
      { color: "green", value: 1 },
    ],
    queries: [['up{job="gitlab-runner", instance=~"$instance"}', "{{instance}}"]],
  },
  {
    type: "stat",
    title: "Exporters up",
    description: "node_exporter (:9100) and cAdvisor (:8080); when 0, the host and container panels are blind.",
    size: { w: 4, h: 4 },
    unit: "none",
    thresholds: [
      { color: "red", value: null },
      { color: "green", value: 1 },
    ],
    queries: [['up{job=~"node|cadvisor", instance=~"$instance"}', "{{job}}"]],
  },
  {
    type: "gauge",
    title: "Saturation",
    description:
      "Busy jobs over concurrent: how full the manager is, not whether jobs wait (Queue time shows that). Near 100%, every slot is taken.",
    size: { w: 4, h: 4 },
    unit: "percentunit",
    range: { min: 0, max: 1 },
    thresholds: [GREEN, { color: "orange", value: 0.75 }, { color: "red", value: 0.9 }],
    queries: [
      [
        'sum(gitlab_runner_jobs{instance=~"$instance"}) / sum(gitlab_runner_concurrent{instance=~"$instance"})',
        "saturation",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Jobs vs concurrent",
    description: "Jobs by state against the manager's concurrent limit.",
    size: { w: 12, h: 8 },
    unit: "short",
    queries: [
      ['sum by (state) (gitlab_runner_jobs{instance=~"$instance"})', "{{state}}"],
      ['sum(gitlab_runner_concurrent{instance=~"$instance"})', "concurrent"],
    ],
  },
  {
    type: "timeseries",
    title: "Autoscaler instances",
    description:
      "Fleet instances per pool and state against max_instances. Requested instances that stay requested are a Spot capacity shortage.",
    size: { w: 12, h: 8 },
    unit: "short",
    queries: [
      [
        'sum by (runner_name, state) (fleeting_provisioner_instances{instance=~"$instance"})',
        "{{runner_name}} {{state}}",
      ],
      ['sum by (runner_name) (fleeting_provisioner_max_instances{instance=~"$instance"})', "{{runner_name}} max"],
      [
        'sum by (runner_name) (fleeting_taskscaler_desired_instances{instance=~"$instance"})',
        "{{runner_name}} desired",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Job rate and API errors",
    description: "Jobs started per second, and non-2xx answers from GitLab (401/403 mean a revoked token).",
    size: { w: 12, h: 8 },
    unit: "reqps",
    queries: [
      ['sum(rate(gitlab_runner_jobs_total{instance=~"$instance"}[$__rate_interval]))', "jobs"],
      [
        'sum by (status) (rate(gitlab_runner_api_request_statuses_total{instance=~"$instance", status!~"2.."}[$__rate_interval]))',
        "HTTP {{status}}",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Queue time",
    description:
      "How long jobs waited in GitLab's queue before this manager took them, per runner: the median and the 95th percentile. JobQueueTimeHigh fires when fewer than 95% start within 2 minutes over an hour.",
    size: { w: 12, h: 8 },
    unit: "s",
    queries: [
      [
        'histogram_quantile(0.5, sum by (runner, le) (rate(gitlab_runner_job_queue_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
        "{{runner}} median",
      ],
      [
        'histogram_quantile(0.95, sum by (runner, le) (rate(gitlab_runner_job_queue_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
        "{{runner}} p95",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Job duration",
    description:
      "How long finished jobs ran, per runner: the median and the 95th percentile. JobDurationHigh fires when fewer than 90% finish within 30 minutes over 6 hours.",
    size: { w: 12, h: 8 },
    unit: "s",
    queries: [
      [
        'histogram_quantile(0.5, sum by (runner, le) (rate(gitlab_runner_job_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
        "{{runner}} median",
      ],
      [
        'histogram_quantile(0.95, sum by (runner, le) (rate(gitlab_runner_job_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
        "{{runner}} p95",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "CPU",
    description: "Share of the VM's CPU time not idle.",
    size: { w: 6, h: 8 },
    unit: "percentunit",
    range: { min: 0, max: 1 },
    queries: [
      [
        '1 - avg by (instance) (rate(node_cpu_seconds_total{job="node", mode="idle", instance=~"$instance"}[$__rate_interval]))',
        "{{instance}}",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Memory",
    description: "Share of memory in use (not available). HighMemoryUsage fires above 90%.",
    size: { w: 6, h: 8 },
    unit: "percentunit",
    range: { min: 0, max: 1 },
    queries: [
      [
        '1 - node_memory_MemAvailable_bytes{job="node", instance=~"$instance"} / node_memory_MemTotal_bytes{job="node", instance=~"$instance"}',
        "{{instance}}",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Disk",
    description: "Share of each filesystem in use. HighDiskUsage fires above 85%.",
    size: { w: 12, h: 8 },
    unit: "percentunit",
    range: { min: 0, max: 1 },
    queries: [
      [
        `1 - node_filesystem_avail_bytes{job="node", ${FILESYSTEMS}, instance=~"$instance"} / node_filesystem_size_bytes{job="node", ${FILESYSTEMS}, instance=~"$instance"}`,
        "{{mountpoint}}",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Containers",
    description: "Running containers on the VM (deploy jobs, cAdvisor) and their CPU and memory.",
    size: { w: 12, h: 8 },
    unit: "short",
    queries: [
      ['count(container_last_seen{job="cadvisor", name!="", instance=~"$instance"})', "containers"],
      [
        'sum by (name) (rate(container_cpu_usage_seconds_total{job="cadvisor", name!="", instance=~"$instance"}[$__rate_interval]))',
        "{{name}} cpu",
      ],
    ],
  },
  {
    type: "timeseries",
    title: "Container memory",
    description: "Working set of each container.",
    size: { w: 12, h: 8 },
    unit: "bytes",
    queries: [
      [
        'sum by (name) (container_memory_working_set_bytes{job="cadvisor", name!="", instance=~"$instance"})',
        "{{name}}",
      ],
    ],
  },
];

/** Lays panels out left to right on the 24-column grid, wrapping to a new row when a panel does not fit. */
function layout(specs: readonly PanelSpec[]): DashboardPanel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, index): DashboardPanel => {
    if (x + spec.size.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h: spec.size.h, w: spec.size.w, x, y };
    x += spec.size.w;
    rowHeight = Math.max(rowHeight, spec.size.h);
    return {
      id: index + 1,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      gridPos,
      datasource: DATASOURCE,
      targets: spec.queries.map(([expr, legendFormat], query) => ({
        refId: String.fromCharCode(65 + query),
        expr,
        legendFormat,
        datasource: DATASOURCE,
      })),
      fieldConfig: {
        defaults: {
          unit: spec.unit,
          ...(spec.range === undefined ? {} : spec.range),
          thresholds: { mode: "absolute", steps: spec.thresholds ?? [GREEN] },
        },
        overrides: [],
      },
      options:
        spec.type === "timeseries"
          ? { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi", sort: "desc" } }
          : { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } },
    };
  });
}

/** The runner dashboard. */
export function runnerDashboard(): GrafanaDashboard {
  return {
    uid: "foundation-runner",
    title: "GitLab Runner",
    description: "The runner manager VM and its autoscaled fleet (docs/runbooks/runner.md, Reading the dashboard).",
    tags: ["foundation", "gitlab-runner"],
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    templating: {
      list: [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", hide: 0 },
        {
          name: "instance",
          label: "Runner VM",
          type: "query",
          datasource: DATASOURCE,
          definition: 'label_values(up{job="gitlab-runner"}, instance)',
          query: { query: 'label_values(up{job="gitlab-runner"}, instance)', refId: "instance" },
          refresh: 2,
          includeAll: true,
          multi: true,
          sort: 1,
        },
      ],
    },
    panels: layout(PANELS),
  };
}

/** Writes {@link DASHBOARD_FILE}, formatted the way the repository's prettier config formats JSON. */
async function writeDashboard(): Promise<void> {
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(DASHBOARD_FILE)) ?? {};
  const text = await prettier.format(JSON.stringify(runnerDashboard()), { ...options, parser: "json" });
  writeFileSync(DASHBOARD_FILE, text);
}

if (require.main === module) {
  writeDashboard().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
