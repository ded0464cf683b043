import { parse } from "yaml";
import { ruleFiles } from "../../monitoring/files";
import {
  PrometheusConfig,
  PrometheusConfigInput,
  prometheusConfigDocument,
  renderPrometheusConfig,
} from "./prometheus-config";
import { runTool } from "./testing";

/** The monitoring VM's config for the sample lab: the runner VM by address, its own services on loopback. */
const VM_INPUT: PrometheusConfigInput = {
  externalLabels: { site: "lab" },
  ruleFiles: ["rules/*.rules.yml"],
  alertmanagers: ["localhost:9093"],
  runnerTargets: { kind: "static", hosts: [{ address: "192.168.10.30", instance: "runner-01.lab.example.com" }] },
  self: { instance: "monitoring-01.lab.example.com" },
};

const rendered = (overrides: Partial<PrometheusConfigInput> = {}): PrometheusConfig =>
  parse(renderPrometheusConfig({ ...VM_INPUT, ...overrides })) as PrometheusConfig;

describe("promtool check config (the real validator)", () => {
  const rules = Object.fromEntries(ruleFiles().map((file) => [`rules/${file.name}`, file.content]));

  test.each<[string, Partial<PrometheusConfigInput>]>([
    ["the monitoring VM's config with every rule file", {}],
    [
      "a monitoring VM with no runner VM to scrape (manager in the cluster)",
      { runnerTargets: { kind: "static", hosts: [] } },
    ],
    [
      "an existing Prometheus's config with file discovery",
      {
        externalLabels: {},
        alertmanagers: [],
        self: undefined,
        runnerTargets: { kind: "file", files: ["targets/runner-vm.yml"] },
      },
    ],
  ])("accepts %s", (_name, overrides) => {
    const result = runTool(
      "promtool",
      ["check", "config", "prometheus.yml"],
      {
        "prometheus.yml": renderPrometheusConfig({ ...VM_INPUT, ...overrides }),
        "targets/runner-vm.yml": "- targets: [runner-01.lab.example.com]\n",
        ...rules,
      },
      "prometheus",
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toContain("SUCCESS: prometheus.yml is valid prometheus config file syntax");
  });
});

describe("prometheusConfigDocument", () => {
  test("scrapes the runner VM's three exporters by address, each series named by the VM's host name", () => {
    const jobs = rendered().scrape_configs;
    expect(jobs.map((job) => [job.job_name, job.static_configs])).toEqual([
      [
        "node",
        [
          { targets: ["192.168.10.30:9100"], labels: { instance: "runner-01.lab.example.com" } },
          { targets: ["127.0.0.1:9100"], labels: { instance: "monitoring-01.lab.example.com" } },
        ],
      ],
      ["cadvisor", [{ targets: ["192.168.10.30:8080"], labels: { instance: "runner-01.lab.example.com" } }]],
      ["gitlab-runner", [{ targets: ["192.168.10.30:9252"], labels: { instance: "runner-01.lab.example.com" } }]],
      ["prometheus", [{ targets: ["localhost:9090"], labels: { instance: "monitoring-01.lab.example.com" } }]],
      ["alertmanager", [{ targets: ["localhost:9093"], labels: { instance: "monitoring-01.lab.example.com" } }]],
    ]);
    expect(jobs.find((job) => job.job_name === "cadvisor")?.metric_relabel_configs).toEqual([
      { source_labels: ["__name__", "name", "id"], regex: "container_.+;;/.+", action: "drop" },
    ]);
  });

  test("sends alerts to the local Alertmanager and loads the rule files, with the site label on every series", () => {
    const config = rendered();
    expect(config.global).toEqual({
      scrape_interval: "30s",
      evaluation_interval: "30s",
      external_labels: { site: "lab" },
    });
    expect(config.rule_files).toEqual(["rules/*.rules.yml"]);
    expect(config.alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: ["localhost:9093"] }] }] });
  });

  test("finds the runner hosts by file discovery for an existing Prometheus, adding each job's port", () => {
    const config = prometheusConfigDocument({
      externalLabels: {},
      ruleFiles: ["rules/runner.rules.yml"],
      alertmanagers: [],
      runnerTargets: { kind: "file", files: ["targets/runner-vm.yml"] },
    });
    expect(config.alerting).toBeUndefined();
    expect(config.global.external_labels).toBeUndefined();
    expect(config.scrape_configs.map((job) => job.job_name)).toEqual(["node", "cadvisor", "gitlab-runner"]);
    expect(config.scrape_configs[2]).toEqual({
      job_name: "gitlab-runner",
      file_sd_configs: [{ files: ["targets/runner-vm.yml"] }],
      relabel_configs: [
        { source_labels: ["__address__"], regex: "([^:]+)(?::[0-9]+)?", target_label: "instance", replacement: "$1" },
        {
          source_labels: ["__address__"],
          regex: "([^:]+)(?::[0-9]+)?",
          target_label: "__address__",
          replacement: "$1:9252",
        },
      ],
    });
  });

  test("is deterministic and carries its header", () => {
    const text = renderPrometheusConfig(VM_INPUT, " Rendered for the test.");
    expect(text).toBe(renderPrometheusConfig(VM_INPUT, " Rendered for the test."));
    expect(text.split("\n")[0]).toBe("# Rendered for the test.");
  });

  test.each<[string, Partial<PrometheusConfigInput>, string[]]>([
    [
      "a bad interval and label, and an Alertmanager without a port",
      { interval: "30 seconds", externalLabels: { "my-site": "lab" }, alertmanagers: ["localhost"] },
      [
        'interval: "30 seconds" is not a Prometheus duration like 30s or 1m',
        'externalLabels: "my-site" is not a label name',
        'alertmanagers: "localhost" must be host:port, e.g. localhost:9093',
      ],
    ],
    [
      "a runner host given with a port and no name",
      { runnerTargets: { kind: "static", hosts: [{ address: "192.168.10.30:9100", instance: "" }] } },
      [
        'runnerTargets: "192.168.10.30:9100" must be an address or host name without a port',
        'runnerTargets: "192.168.10.30:9100" needs an instance name',
      ],
    ],
    [
      "file discovery without files, beside the monitoring VM's own services",
      { runnerTargets: { kind: "file", files: [] } },
      [
        "runnerTargets.files: name at least one file_sd file, e.g. targets/runner-vm.yml",
        "self: the monitoring VM's own services go with static runner targets, not file discovery",
      ],
    ],
  ])("refuses %s, naming every field", (_name, overrides, problems) => {
    expect(() => prometheusConfigDocument({ ...VM_INPUT, ...overrides })).toThrow(
      new Error(`invalid Prometheus config:\n  - ${problems.join("\n  - ")}`),
    );
  });
});
