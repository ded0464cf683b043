import { parse } from "yaml";
import { renderGrafanaDashboardProviders, renderGrafanaDatasources, renderGrafanaIni } from "./grafana";

describe("renderGrafanaIni", () => {
  test("sets the URL and the admin, and turns off sign-up, anonymous access and phoning home", () => {
    expect(
      renderGrafanaIni({ rootUrl: "http://monitoring-01.lab.example.com:3000/", adminPassword: "Abcdefgh12345678" }),
    ).toBe(
      [
        "[server]",
        "http_port = 3000",
        "root_url = http://monitoring-01.lab.example.com:3000/",
        "",
        "[security]",
        "admin_user = admin",
        "admin_password = Abcdefgh12345678",
        "disable_gravatar = true",
        "",
        "[users]",
        "allow_sign_up = false",
        "",
        "[auth.anonymous]",
        "enabled = false",
        "",
        "[analytics]",
        "reporting_enabled = false",
        "check_for_updates = false",
        "check_for_plugin_updates = false",
        "",
      ].join("\n"),
    );
  });

  test.each([
    ["a short password", { rootUrl: "http://m:3000/", adminPassword: "short" }, "must be at least 16"],
    [
      "a password Grafana would read as a comment or a variable",
      { rootUrl: "http://m:3000/", adminPassword: "abcdefgh;12345678${x}" },
      "must be at least 16",
    ],
    [
      "a root URL without its trailing slash",
      { rootUrl: "http://m:3000", adminPassword: "Abcdefgh12345678" },
      'grafana: rootUrl "http://m:3000" must be an http(s) URL ending in /',
    ],
  ])("refuses %s without echoing the password", (_name, settings, message) => {
    expect(() => renderGrafanaIni(settings)).toThrow(message);
    try {
      renderGrafanaIni(settings);
    } catch (error) {
      expect((error as Error).message).not.toContain(settings.adminPassword);
    }
  });
});

describe("provisioning", () => {
  test("Prometheus on the same VM is the default data source, not editable", () => {
    expect(parse(renderGrafanaDatasources("http://localhost:9090"))).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          type: "prometheus",
          uid: "prometheus",
          access: "proxy",
          url: "http://localhost:9090",
          isDefault: true,
          editable: false,
        },
      ],
    });
  });

  test("the committed dashboards load read-only from one folder", () => {
    expect(parse(renderGrafanaDashboardProviders())).toEqual({
      apiVersion: 1,
      providers: [
        {
          name: "foundation",
          folder: "Foundation",
          type: "file",
          disableDeletion: true,
          allowUiUpdates: false,
          updateIntervalSeconds: 60,
          options: { path: "/var/lib/grafana/dashboards/foundation", foldersFromFilesStructure: false },
        },
      ],
    });
  });
});
