import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { METRICS_PORTS } from "../components/proxmox/cloud-init";
import { DASHBOARD_FILE, runnerDashboard } from "./dashboard";
import { METRIC_CATALOG, metricNames } from "./metrics";

const HERE = __dirname;
const RULES_FILE = path.join(HERE, "rules", "runner.rules.yml");
const RULE_TESTS_FILE = path.join(HERE, "rules", "runner.rules.test.yml");
const CONFIG_FILE = path.join(HERE, "prometheus.yml");
const RUNBOOK_FILE = path.join(HERE, "..", "docs", "runbooks", "runner.md");

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

const rules: Rule[] = (parse(readFileSync(RULES_FILE, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (group) => group.rules,
);
const scrapeConfigs = (parse(readFileSync(CONFIG_FILE, "utf8")) as { scrape_configs: ScrapeConfig[] }).scrape_configs;
const ruleTests = (parse(readFileSync(RULE_TESTS_FILE, "utf8")) as { tests: RuleTest[] }).tests;
const dashboard = runnerDashboard();
const dashboardExpressions = dashboard.panels.flatMap((panel) =>
  panel.targets.map((target) => [panel.title, target.expr] as const),
);

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

  test("check rules accepts every rule", () => {
    const result = promtool("check", "rules", "rules/runner.rules.yml");
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  test("test rules passes every unit test", () => {
    const result = promtool("test", "rules", "rules/runner.rules.test.yml");
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/SUCCESS\s*$/);
  });
});

describe("alert rules", () => {
  test("define the alerts the runner needs", () => {
    expect(rules.map((rule) => rule.alert).sort()).toEqual([
      "ExporterDown",
      "FleetAtMaxInstances",
      "HighDiskUsage",
      "HighMemoryUsage",
      "JobQueueBacklog",
      "RunnerApiAuthFailures",
      "RunnerDown",
      "RunnerErrors",
      "RunnerMetricsAbsent",
      "SpotCapacityErrors",
    ]);
  });

  test("JobQueueBacklog is saturation of concurrent above 0.9 for a sustained window", () => {
    const backlog = rules.find((rule) => rule.alert === "JobQueueBacklog");
    expect({ expr: backlog?.expr, for: backlog?.for }).toEqual({
      expr: "sum by (instance) (gitlab_runner_jobs) / sum by (instance) (gitlab_runner_concurrent) > 0.9",
      for: "15m",
    });
  });

  test.each(rules.map((rule) => [rule.alert, rule] as const))(
    "%s has a severity, a summary, a description and a runbook section that exists",
    (_alert, rule) => {
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(Object.keys(rule.annotations).sort()).toEqual(["description", "runbook", "summary"]);
      const [file, anchor] = rule.annotations.runbook.split("#");
      expect(file).toBe("docs/runbooks/runner.md");
      const anchors = readFileSync(RUNBOOK_FILE, "utf8")
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
  test("scrapes the VM's three endpoints on the ports its firewall opens", () => {
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
    ...rules.map((rule) => [`rule ${rule.alert}`, rule.expr] as const),
    ...dashboardExpressions.map(([title, expr]) => [`panel ${title}`, expr] as const),
  ])("%s reads only catalogued metrics", (_where, expression) => {
    expect(metricNames(expression).filter((name) => !catalogued.has(name))).toEqual([]);
  });

  test("the catalog lists exactly the metrics the rules and panels read", () => {
    const used = new Set(
      [...rules.map((rule) => rule.expr), ...dashboardExpressions.map(([, expr]) => expr)].flatMap(metricNames),
    );
    expect([...catalogued].filter((name) => !used.has(name))).toEqual([]);
  });

  test("every catalogued job is a scrape job", () => {
    const jobs = scrapeConfigs.map((config) => config.job_name).sort();
    expect(
      Object.keys(METRIC_CATALOG)
        .filter((job) => job !== "*")
        .sort(),
    ).toEqual(jobs);
  });
});

describe("dashboard", () => {
  test("dashboards/runner.json is the generator's current output", () => {
    const committed: unknown = JSON.parse(readFileSync(DASHBOARD_FILE, "utf8"));
    if (JSON.stringify(committed) !== JSON.stringify(dashboard)) {
      throw new Error(
        "monitoring/dashboards/runner.json is stale: run `node -r ./tools/register.js monitoring/dashboard.ts`",
      );
    }
    expect(committed).toEqual(dashboard);
  });

  test("shows runner up, jobs vs concurrent, saturation, autoscaler instances, CPU, memory, disk and containers", () => {
    expect(dashboard.panels.map((panel) => panel.title)).toEqual([
      "Runner up",
      "Exporters up",
      "Saturation",
      "Jobs vs concurrent",
      "Autoscaler instances",
      "Job rate and API errors",
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
