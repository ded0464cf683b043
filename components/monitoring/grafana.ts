/**
 * Pure renderers of Grafana's settings and provisioning files (https://grafana.com/docs/grafana/latest/administration/
 * provisioning/): `grafana.ini` (no sign-up, no anonymous access, no phoning home), the Prometheus data source, and a
 * file provider that loads the committed dashboards (monitoring/dashboards) read-only, so the dashboards on the VM are
 * the reviewed ones and an edit in the UI cannot drift from them.
 */
import { Document } from "yaml";
import { renderIni } from "../common/ini";
import { MONITORING_PORTS } from "./prometheus-config";

/** Where the package's service reads its provisioning (the deb's default `PROVISIONING_CFG_DIR`). */
export const GRAFANA_PROVISIONING_DIR = "/etc/grafana/provisioning";

/** Where the provisioned dashboards are kept on the VM. */
export const GRAFANA_DASHBOARDS_DIR = "/var/lib/grafana/dashboards/foundation";

/** The data source's uid; the committed dashboards select their data source by a variable, this one by default. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";

/** What `grafana.ini` is rendered from. */
export interface GrafanaSettings {
  /** The URL people open, e.g. `http://monitoring-01.lab.example.com:3000/`; links in Grafana point there. */
  readonly rootUrl: string;
  /** The first admin's password (secret); Grafana sets it when it creates its database on first start. */
  readonly adminPassword: string;
}

/**
 * `grafana.ini`: only what differs from the package defaults. Values cannot carry line breaks, comment characters or
 * variable references, so the password must be plain (the component makes it letters and digits).
 */
export function renderGrafanaIni(settings: GrafanaSettings): string {
  if (!/^https?:\/\/[^\s/]+(:[0-9]+)?\/$/.test(settings.rootUrl)) {
    throw new Error(`grafana: rootUrl "${settings.rootUrl}" must be an http(s) URL ending in /`);
  }
  // Grafana reads `;` and `#` as comments and expands `$` (https://grafana.com/docs/grafana/latest/setup-grafana/
  // configure-grafana/#variable-expansion); the ini has no quoting, so the password holds none of them.
  if (!/^[A-Za-z0-9_-]{16,}$/.test(settings.adminPassword)) {
    // Never echo the password.
    throw new Error("grafana: adminPassword must be at least 16 letters, digits, - or _");
  }
  return renderIni([
    {
      name: "server",
      entries: [
        ["http_port", String(MONITORING_PORTS.grafana)],
        ["root_url", settings.rootUrl],
      ],
    },
    {
      name: "security",
      entries: [
        ["admin_user", "admin"],
        ["admin_password", settings.adminPassword],
        ["disable_gravatar", "true"],
      ],
    },
    { name: "users", entries: [["allow_sign_up", "false"]] },
    { name: "auth.anonymous", entries: [["enabled", "false"]] },
    {
      name: "analytics",
      entries: [
        ["reporting_enabled", "false"],
        ["check_for_updates", "false"],
        ["check_for_plugin_updates", "false"],
      ],
    },
  ]);
}

/** The data source file: Prometheus on the same VM, the default, not editable in the UI. */
export function renderGrafanaDatasources(prometheusUrl: string): string {
  return new Document({
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        type: "prometheus",
        uid: PROMETHEUS_DATASOURCE_UID,
        access: "proxy",
        url: prometheusUrl,
        isDefault: true,
        editable: false,
      },
    ],
  }).toString({ lineWidth: 0 });
}

/** The dashboard provider file: every JSON file in {@link GRAFANA_DASHBOARDS_DIR}, in a Foundation folder, read-only. */
export function renderGrafanaDashboardProviders(): string {
  return new Document({
    apiVersion: 1,
    providers: [
      {
        name: "foundation",
        folder: "Foundation",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
      },
    ],
  }).toString({ lineWidth: 0 });
}
