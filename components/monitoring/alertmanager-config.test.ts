import { parse } from "yaml";
import {
  AlertmanagerConfigInput,
  alertmanagerConfigDocument,
  EmailReceiver,
  renderAlertmanagerConfig,
  WebhookReceiver,
} from "./alertmanager-config";
import { runTool } from "./testing";

const WEBHOOK: WebhookReceiver = { type: "webhook", url: "https://alerts.example.com/hooks/foundation?token=s3cr3t" };
const EMAIL: EmailReceiver = {
  type: "email",
  to: "platform@example.com",
  from: "alertmanager@example.com",
  smarthost: "smtp.example.com:587",
  username: "alertmanager",
  password: "mail-s3cr3t",
};

describe("amtool check-config (the real validator)", () => {
  test.each<[string, AlertmanagerConfigInput]>([
    ["a webhook receiver", { receiver: WEBHOOK }],
    ["a mail receiver with SMTP authentication", { receiver: EMAIL, repeatInterval: "12h" }],
    [
      "a mail receiver without authentication",
      { receiver: { ...EMAIL, username: undefined, password: undefined }, criticalRepeatInterval: "30m" },
    ],
  ])("accepts %s and finds its one receiver", (_name, input) => {
    const result = runTool(
      "amtool",
      ["check-config", "alertmanager.yml"],
      { "alertmanager.yml": renderAlertmanagerConfig(input) },
      "prometheus-alertmanager",
    );
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toContain("Checking 'alertmanager.yml'  SUCCESS");
    expect(result.stdout).toContain(" - 1 receivers");
  });

  test("the validator refuses a route to a receiver that does not exist", () => {
    const broken = { ...alertmanagerConfigDocument({ receiver: WEBHOOK }), receivers: [] };
    const result = runTool(
      "amtool",
      ["check-config", "alertmanager.yml"],
      { "alertmanager.yml": JSON.stringify(broken) },
      "prometheus-alertmanager",
    );
    expect(result.status).not.toBe(0);
  });
});

describe("alertmanagerConfigDocument", () => {
  test("routes every alert to the one receiver, critical ones repeated hourly, resolved ones sent too", () => {
    expect(parse(renderAlertmanagerConfig({ receiver: WEBHOOK }))).toEqual({
      route: {
        receiver: "foundation",
        group_by: ["alertname", "instance"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "4h",
        routes: [{ receiver: "foundation", matchers: ['severity="critical"'], repeat_interval: "1h" }],
      },
      receivers: [{ name: "foundation", webhook_configs: [{ url: WEBHOOK.url, send_resolved: true }] }],
    });
  });

  test("sends mail over TLS with the SMTP credentials", () => {
    expect(alertmanagerConfigDocument({ receiver: EMAIL }).receivers).toEqual([
      {
        name: "foundation",
        email_configs: [
          {
            to: "platform@example.com",
            from: "alertmanager@example.com",
            smarthost: "smtp.example.com:587",
            auth_username: "alertmanager",
            auth_password: "mail-s3cr3t",
            require_tls: true,
            send_resolved: true,
          },
        ],
      },
    ]);
  });

  test.each<[string, AlertmanagerConfigInput, string[]]>([
    [
      "a plain-http webhook",
      { receiver: { type: "webhook", url: "http://alerts.example.com/hooks/s3cr3t" } },
      ["receiver.url: must be https, so the alert and the URL's token cross the network encrypted"],
    ],
    [
      "a webhook that is no URL",
      { receiver: { type: "webhook", url: "s3cr3t" } },
      ["receiver.url: not a URL; give the webhook's https URL"],
    ],
    [
      "mail without a port, a bad sender, a user without password, and a bad interval",
      {
        receiver: { ...EMAIL, from: "alertmanager", smarthost: "smtp.example.com", password: undefined },
        repeatInterval: "four hours",
      },
      [
        'receiver.from: "alertmanager" is not an email address',
        'receiver.smarthost: "smtp.example.com" must be host:port, e.g. smtp.example.com:587',
        "receiver.username: give username and password together, or neither",
        'repeatInterval: "four hours" is not a duration like 4h or 30m',
      ],
    ],
  ])("refuses %s, naming every field and never the secret", (_name, input, problems) => {
    const message = `invalid Alertmanager config:\n  - ${problems.join("\n  - ")}`;
    expect(() => alertmanagerConfigDocument(input)).toThrow(new Error(message));
    expect(message).not.toContain("s3cr3t");
  });
});
