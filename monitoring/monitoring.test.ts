import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { prometheusConfigDocument } from "../components/monitoring/prometheus-config";
import { METRICS_PORTS } from "../components/runner/user-data";
import { DASHBOARD_FILE, runnerDashboard } from "./dashboard";
import {
  EXTERNAL_PROMETHEUS_FILE,
  externalPrometheusConfig,
  MONITORING_VM_RULE_FILES,
  ruleFileNames,
  ruleFiles,
} from "./files";
import { METRIC_CATALOG, metricNames } from "./metrics";

const HERE = __dirname;
const ROOT = path.join(HERE, "..");

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface ScrapeConfig {
  job_name: string;
  relabel_configs: { target_label: string; replacement: string }[];
}
interface RuleTest {
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
}

/** Every rule file here, and the ones the monitoring VM loads, whose metrics the catalog below must cover. */
const RULE_FILES = ruleFileNames();
const VM_RULE_FILES = ruleFiles().map((file) => file.name);
const TEST_FILES = RULE_FILES.map((name) => name.replace(/\.rules\.yml$/, ".rules.test.yml"));
const rulesOf = (name: string): Rule[] =>
  (parse(readFileSync(path.join(HERE, "rules", name), "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (group) => group.rules,
  );
const rules: Rule[] = RULE_FILES.flatMap(rulesOf);
const vmRules: Rule[] = VM_RULE_FILES.flatMap(rulesOf);
const scrapeConfigs = (parse(readFileSync(EXTERNAL_PROMETHEUS_FILE, "utf8")) as { scrape_configs: ScrapeConfig[] })
  .scrape_configs;
const ruleTests = TEST_FILES.flatMap(
  (name) => (parse(readFileSync(path.join(HERE, "rules", name), "utf8")) as { tests: RuleTest[] }).tests,
);
const dashboard = runnerDashboard();
const dashboardExpressions = dashboard.panels.flatMap((panel) =>
  panel.targets.map((target) => [panel.title, target.expr] as const),
);

/** The scrape jobs of the monitoring VM's own config: the runner's three plus Prometheus and Alertmanager. */
const vmJobs = prometheusConfigDocument({
  externalLabels: { site: "lab" },
  ruleFiles: ["/etc/prometheus/rules/*.rules.yml"],
  alertmanagers: ["localhost:9093"],
  runnerTargets: { kind: "static", hosts: [{ address: "192.0.2.30", instance: "runner-01.lab.example.com" }] },
  self: { instance: "monitoring-01.lab.example.com" },
}).scrape_configs.map((job) => job.job_name);

function promtool(...args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync("promtool", args, { cwd: HERE, encoding: "utf8" });
  if (result.error !== undefined) {
    throw new Error(
      "promtool is not installed: the monitoring tests need it. Install it with `apt-get install prometheus` (Debian), as .ci/run does.",
    );
  }
  return result;
}

describe("promtool", () => {
  test("check config accepts prometheus.yml and its rule file", () => {
    const result = promtool("check", "config", "prometheus.yml");
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toContain("SUCCESS: prometheus.yml is valid prometheus config file syntax");
  });

  test.each(RULE_FILES)("check rules accepts every rule of %s", (name) => {
    const result = promtool("check", "rules", `rules/${name}`);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toContain(`SUCCESS: ${rulesOf(name).length} rules found`);
  });

  test.each(TEST_FILES)("test rules passes every unit test of %s", (name) => {
    const result = promtool("test", "rules", `rules/${name}`);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/SUCCESS\s*$/);
  });
});

describe("prometheus.yml for an existing Prometheus", () => {
  test("is what monitoring/files.ts writes (run `node -r ./tools/register.js monitoring/files.ts`)", () => {
    expect(readFileSync(EXTERNAL_PROMETHEUS_FILE, "utf8")).toBe(externalPrometheusConfig());
  });

  test("loads the runner rules only: the monitoring VM's own rules watch an Alertmanager that Prometheus lacks", () => {
    expect(parse(readFileSync(EXTERNAL_PROMETHEUS_FILE, "utf8")).rule_files).toEqual(["rules/runner.rules.yml"]);
  });
});

describe("alert rules", () => {
  test("define the alerts the runner and the monitoring VM need, in the files the monitoring VM loads", () => {
    expect(VM_RULE_FILES).toEqual([...MONITORING_VM_RULE_FILES]);
    expect(Object.fromEntries(VM_RULE_FILES.map((name) => [name, rulesOf(name).map((rule) => rule.alert)]))).toEqual({
      "monitoring.rules.yml": ["AlertDeliveryFailing", "RuleEvaluationFailing"],
      "runner.rules.yml": [
        "RunnerDown",
        "RunnerMetricsAbsent",
        "ExporterDown",
        "JobQueueTimeHigh",
        "JobDurationHigh",
        "RunnerApiAuthFailures",
        "RunnerErrors",
        "FleetAtMaxInstances",
        "SpotCapacityErrors",
        "HighDiskUsage",
        "HighMemoryUsage",
      ],
    });
  });

  test("the queue and duration objectives read the runner's histograms, not the slots in use", () => {
    const objective = (alert: string) => {
      const rule = rules.find((r) => r.alert === alert);
      return { metrics: metricNames(rule?.expr ?? ""), for: rule?.for };
    };
    expect(objective("JobQueueTimeHigh")).toEqual({
      metrics: ["gitlab_runner_job_queue_duration_seconds_bucket", "gitlab_runner_job_queue_duration_seconds_count"],
      for: "10m",
    });
    expect(objective("JobDurationHigh")).toEqual({
      metrics: ["gitlab_runner_job_duration_seconds_bucket", "gitlab_runner_job_duration_seconds_count"],
      for: "15m",
    });
    expect(rules.find((r) => r.alert === "JobQueueTimeHigh")?.expr).toContain('le="120"');
    expect(rules.find((r) => r.alert === "JobDurationHigh")?.expr).toContain('le="1800"');
  });

  test("a stopped runner fires RunnerDown and the alert resolves once the runner is back", () => {
    const cases = ruleTests
      .flatMap((test) => test.alert_rule_test)
      .filter((test) => test.alertname === "RunnerDown")
      .map((test) => [test.eval_time, test.exp_alerts.length]);
    expect(cases.slice(0, 3)).toEqual([
      ["5m", 0],
      ["8m", 1],
      ["15m", 0],
    ]);
  });

  test.each(rules.map((rule) => [rule.alert, rule] as const))(
    "%s has a severity, a summary, a description and a runbook section that exists",
    (_alert, rule) => {
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(Object.keys(rule.annotations).sort()).toEqual(["description", "runbook", "summary"]);
      const [file, anchor] = rule.annotations.runbook.split("#");
      expect(file).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      const anchors = readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .filter((line) => line.startsWith("## "))
        .map((line) =>
          line
            .slice(3)
            .toLowerCase()
            .replace(/[^a-z0-9 -]/g, "")
            .replace(/ /g, "-"),
        );
      expect(anchors).toContain(anchor);
    },
  );

  test.each(rules.map((rule) => rule.alert))("%s has a unit test where it fires and one where it does not", (alert) => {
    const cases = ruleTests.flatMap((test) => test.alert_rule_test).filter((test) => test.alertname === alert);
    expect({
      fires: cases.some((test) => test.exp_alerts.length > 0),
      quiet: cases.some((test) => test.exp_alerts.length === 0),
    }).toEqual({ fires: true, quiet: true });
  });
});

describe("scrape config", () => {
  test("an existing Prometheus scrapes the VM's three endpoints on the ports its firewall opens", () => {
    const ports = Object.fromEntries(
      scrapeConfigs.map((config) => [
        config.job_name,
        config.relabel_configs.find((relabel) => relabel.target_label === "__address__")?.replacement,
      ]),
    );
    expect(ports).toEqual({
      node: `$1:${METRICS_PORTS.nodeExporter}`,
      cadvisor: `$1:${METRICS_PORTS.cadvisor}`,
      "gitlab-runner": `$1:${METRICS_PORTS.runner}`,
    });
  });
});

describe("metric names", () => {
  test.each<[string, string[]]>([
    [
      'sum by (instance) (gitlab_runner_jobs{state="running"}) / sum(gitlab_runner_concurrent)',
      ["gitlab_runner_concurrent", "gitlab_runner_jobs"],
    ],
    ['1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))', ["node_cpu_seconds_total"]],
    ["(a >= on (instance, runner_name) b) and on (instance) c > 0", ["a", "b", "c"]],
    ['absent(up{job="gitlab-runner"})', ["up"]],
  ])("finds the metrics of %s", (expression, names) => {
    expect(metricNames(expression)).toEqual(names);
  });

  const catalogued = new Set(Object.values(METRIC_CATALOG).flat());

  test.each([
    ...vmRules.map((rule) => [`rule ${rule.alert}`, rule.expr] as const),
    ...dashboardExpressions.map(([title, expr]) => [`panel ${title}`, expr] as const),
  ])("%s reads only catalogued metrics", (_where, expression) => {
    expect(metricNames(expression).filter((name) => !catalogued.has(name))).toEqual([]);
  });

  test("the catalog lists exactly the metrics the rules and panels read", () => {
    const used = new Set(
      [...vmRules.map((rule) => rule.expr), ...dashboardExpressions.map(([, expr]) => expr)].flatMap(metricNames),
    );
    expect([...catalogued].filter((name) => !used.has(name))).toEqual([]);
  });

  test("every catalogued job is a scrape job of the monitoring VM, and the other way round", () => {
    expect(
      Object.keys(METRIC_CATALOG)
        .filter((job) => job !== "*")
        .sort(),
    ).toEqual([...vmJobs].sort());
  });
});

describe("dashboard", () => {
  test("dashboards/runner.json is the generator's current output", () => {
    const committed: unknown = JSON.parse(readFileSync(DASHBOARD_FILE, "utf8"));
    if (JSON.stringify(committed) !== JSON.stringify(dashboard)) {
      throw new Error("monitoring/dashboards/runner.json is stale: run `npm run dashboards`");
    }
    expect(committed).toEqual(dashboard);
  });

  test("shows runner up, saturation, jobs, autoscaler instances, queue time, job duration, host and containers", () => {
    expect(dashboard.panels.map((panel) => panel.title)).toEqual([
      "Runner up",
      "Exporters up",
      "Saturation",
      "Jobs vs concurrent",
      "Autoscaler instances",
      "Job rate and API errors",
      "Queue time",
      "Job duration",
      "CPU",
      "Memory",
      "Disk",
      "Containers",
      "Container memory",
    ]);
  });

  test("panels have unique ids and fit the 24-column grid without overlapping", () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { gridPos } of dashboard.panels) {
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x += 1) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y += 1) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  test("every query filters on the selected runner VM", () => {
    expect(dashboardExpressions.filter(([, expr]) => !expr.includes('instance=~"$instance"'))).toEqual([]);
  });
});
