/**
 * The metrics the monitoring VM's rules and the dashboard may use, by the scrape job of the monitoring VM's
 * Prometheus (components/monitoring/prometheus-config.ts) that provides them, and a helper that finds the metric
 * names a PromQL expression reads. Tests hold every expression to this catalog, so a misspelt or unscraped metric
 * fails the build instead of drawing an empty panel or an alert that never fires.
 */

/** Metric names per scrape job, each group with the source that documents it. */
export const METRIC_CATALOG: Readonly<Record<string, readonly string[]>> = {
  // Every job: Prometheus's own scrape health.
  "*": ["up"],
  // GitLab Runner, docs/monitoring (gitlab_runner_*), and the fleeting/taskscaler collectors registered per
  // autoscaler runner (executors/internal/autoscaler/provider.go; names as in GitLab's own runner dashboards).
  "gitlab-runner": [
    "gitlab_runner_jobs",
    "gitlab_runner_concurrent",
    "gitlab_runner_jobs_total",
    "gitlab_runner_errors_total",
    "gitlab_runner_api_request_statuses_total",
    // The job and queue duration histograms (commands/builds_helper.go): rules read their buckets and counts.
    "gitlab_runner_job_duration_seconds_bucket",
    "gitlab_runner_job_duration_seconds_count",
    "gitlab_runner_job_queue_duration_seconds_bucket",
    "gitlab_runner_job_queue_duration_seconds_count",
    "fleeting_provisioner_instances",
    "fleeting_provisioner_max_instances",
    "fleeting_taskscaler_desired_instances",
  ],
  // node_exporter (Debian's prometheus-node-exporter): cpu, meminfo and filesystem collectors.
  node: [
    "node_cpu_seconds_total",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
  ],
  // cAdvisor's container metrics.
  cadvisor: ["container_last_seen", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes"],
  // Alertmanager's own delivery counter (its notify package), scraped on the monitoring VM.
  alertmanager: ["alertmanager_notifications_failed_total"],
  // Prometheus's own rule evaluation counter (its rules package), scraped on the monitoring VM.
  prometheus: ["prometheus_rule_evaluation_failures_total"],
};

const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
]);

/**
 * The metric names an expression reads. It drops what cannot be a metric name: label matchers and string literals,
 * range and subquery brackets, grouping clauses, Grafana variables, functions and aggregations (a name followed by
 * `(`), keywords and numbers.
 */
export function metricNames(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{[^}]*\}|\$\w+/g, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const following = stripped.slice((match.index ?? 0) + match[0].length).trimStart();
    if (!following.startsWith("(") && !KEYWORDS.has(match[0])) {
      names.add(match[0]);
    }
  }
  return [...names].sort();
}
