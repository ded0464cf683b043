/**
 * The pure renderer of `alertmanager.yml` (https://prometheus.io/docs/alerting/latest/configuration/): one route to
 * the one receiver the lab config names, critical alerts repeated more often than warnings, resolved alerts sent too.
 * The receiver's URL or password is a secret: the rendered file is, and callers keep it one. Checked by
 * `amtool check-config` (Debian's prometheus-alertmanager).
 */
import { Document } from "yaml";

/**
 * A webhook (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config): Alertmanager POSTs its JSON
 * to the URL. Chat rooms without a native integration (Matrix) are reached through a bridge that takes this JSON.
 */
export interface WebhookReceiver {
  readonly type: "webhook";
  /** The endpoint, https; it usually embeds a token, so it is a secret. */
  readonly url: string;
}

/** Mail through a submission server (https://prometheus.io/docs/alerting/latest/configuration/#email_config). */
export interface EmailReceiver {
  readonly type: "email";
  /** Recipient address. */
  readonly to: string;
  /** Sender address. */
  readonly from: string;
  /** The submission server as `host:port`, e.g. `smtp.example.com:587`; TLS is required. */
  readonly smarthost: string;
  /** SMTP user, if the server wants authentication. */
  readonly username?: string;
  /** SMTP password (secret), with `username`. */
  readonly password?: string;
}

/** Where alerts go. */
export type AlertReceiver = WebhookReceiver | EmailReceiver;

/** Everything `alertmanager.yml` is rendered from. */
export interface AlertmanagerConfigInput {
  readonly receiver: AlertReceiver;
  /**
   * How long a firing warning waits before it is sent again.
   * @default "4h"
   */
  readonly repeatInterval?: string;
  /**
   * How long a firing critical alert waits before it is sent again.
   * @default "1h"
   */
  readonly criticalRepeatInterval?: string;
}

/** The name of the one receiver. */
export const RECEIVER_NAME = "foundation";

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

function problemsOf(input: AlertmanagerConfigInput): string[] {
  const problems: string[] = [];
  const { receiver } = input;
  if (receiver.type === "webhook") {
    // Never echo the URL: it is a secret.
    let url: URL | undefined;
    try {
      url = new URL(receiver.url);
    } catch {
      problems.push("receiver.url: not a URL; give the webhook's https URL");
    }
    if (url !== undefined && url.protocol !== "https:") {
      problems.push("receiver.url: must be https, so the alert and the URL's token cross the network encrypted");
    }
  } else {
    for (const field of ["to", "from"] as const) {
      if (!ADDRESS.test(receiver[field])) {
        problems.push(`receiver.${field}: "${receiver[field]}" is not an email address`);
      }
    }
    if (!/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(receiver.smarthost)) {
      problems.push(`receiver.smarthost: "${receiver.smarthost}" must be host:port, e.g. smtp.example.com:587`);
    }
    if ((receiver.username === undefined) !== (receiver.password === undefined)) {
      problems.push("receiver.username: give username and password together, or neither");
    }
  }
  for (const field of ["repeatInterval", "criticalRepeatInterval"] as const) {
    const value = input[field];
    if (value !== undefined && !DURATION.test(value)) {
      problems.push(`${field}: "${value}" is not a duration like 4h or 30m`);
    }
  }
  return problems;
}

function receiverConfig(receiver: AlertReceiver): Record<string, unknown> {
  if (receiver.type === "webhook") {
    return { name: RECEIVER_NAME, webhook_configs: [{ url: receiver.url, send_resolved: true }] };
  }
  return {
    name: RECEIVER_NAME,
    email_configs: [
      {
        to: receiver.to,
        from: receiver.from,
        smarthost: receiver.smarthost,
        ...(receiver.username === undefined
          ? {}
          : { auth_username: receiver.username, auth_password: receiver.password }),
        require_tls: true,
        send_resolved: true,
      },
    ],
  };
}

/** The config as a plain object (what {@link renderAlertmanagerConfig} serializes). Throws listing every problem. */
export function alertmanagerConfigDocument(input: AlertmanagerConfigInput): Record<string, unknown> {
  const problems = problemsOf(input);
  if (problems.length > 0) throw new Error(`invalid Alertmanager config:\n  - ${problems.join("\n  - ")}`);
  return {
    route: {
      receiver: RECEIVER_NAME,
      // One notification per alert and host: a runner VM that goes down is one message, not one per series.
      group_by: ["alertname", "instance"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: input.repeatInterval ?? "4h",
      routes: [
        {
          receiver: RECEIVER_NAME,
          matchers: ['severity="critical"'],
          repeat_interval: input.criticalRepeatInterval ?? "1h",
        },
      ],
    },
    receivers: [receiverConfig(input.receiver)],
  };
}

/** Renders `alertmanager.yml`. Pure. The result holds the receiver's secret: keep it a secret. */
export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): string {
  return new Document(alertmanagerConfigDocument(input)).toString({ lineWidth: 0 });
}
