import { request } from "node:https";
import { isIP } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { KUBERNETES_API_PORT } from "./machine-config";
import { diffFields } from "../common/dynamic";
import { AttemptResult, retryUntil, RetryClock, systemClock } from "../common/retry";
import { moduleProvider } from "../common/module-provider";

/** Where and as whom to ask the Kubernetes API whether it is ready, as plain values. */
export interface KubernetesApiTarget {
  /** Host of the API endpoint (the control-plane VIP). */
  readonly host: string;
  /** API server port. */
  readonly port: number;
  /** The Kubernetes CA certificate PEM: the only CA trusted for the API server. */
  readonly caCertPem: string;
  /** Admin client certificate PEM (CN=admin, O=system:masters). */
  readonly clientCertPem: string;
  /** Its private key PEM. */
  readonly clientKeyPem: string;
}

/** Pacing of the readiness poll. */
export interface ReadinessTiming {
  /** Total time allowed, from the first request. */
  readonly timeoutMs: number;
  /** Longest single request before it counts as not ready. */
  readonly requestTimeoutMs: number;
  /** First pause between requests (doubling up to 10 s). */
  readonly initialDelayMs: number;
  /** The clock; tests inject a fake one. */
  readonly clock: RetryClock;
}

/**
 * TLS errors that retrying cannot fix: the server is not the cluster's API server as far as the Kubernetes CA can
 * tell. Everything else (refused, reset, timed out, any status but 200, 401 and 403) is a cluster still starting.
 */
export const UNTRUSTED_SERVER_CODES: ReadonlySet<string> = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** An answer of the API server, or the error of a request that got none. */
export type ProbeResult =
  { readonly status: number; readonly body: string } | { readonly error: NodeJS.ErrnoException };

/** One `GET <path>` of the API server with the admin certificate, trusting only the Kubernetes CA. */
export function getFromApi(target: KubernetesApiTarget, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path,
        method: "GET",
        ca: target.caCertPem,
        cert: target.clientCertPem,
        key: target.clientKeyPem,
        // SNI takes names only; for an IP the certificate's IP SANs are checked instead.
        ...(isIP(target.host) === 0 ? { servername: target.host } : {}),
        // A fresh connection each time: a pooled one could outlive a VIP move.
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", (error) => resolve({ error }));
      },
    );
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
    );
    req.on("error", (error) => resolve({ error }));
    req.end();
  });
}

/**
 * Polls `GET https://<host>:<port>/readyz` with the admin certificate until the API server answers 200, and fails
 * at once when the server's certificate is not from the Kubernetes CA or the admin certificate is refused (401/403),
 * or after `timeoutMs` otherwise. The VIP and the API server only come up minutes after bootstrap
 * (the VIP is elected through etcd: https://docs.siderolabs.com/talos/v1.11/networking/vip).
 */
export async function waitForKubernetesApi(target: KubernetesApiTarget, timing: ReadinessTiming): Promise<void> {
  const url = `https://${target.host}:${target.port}/readyz`;
  await retryUntil(
    async (remainingMs): Promise<AttemptResult<void>> => {
      const result = await getFromApi(
        target,
        "/readyz",
        Math.min(timing.requestTimeoutMs, Math.max(remainingMs, 1000)),
      );
      if ("error" in result) {
        const code = result.error.code ?? "";
        if (UNTRUSTED_SERVER_CODES.has(code)) {
          throw new Error(`${url} is not trusted by the Kubernetes CA: ${code}: ${result.error.message}`);
        }
        return { done: false, reason: `${code || "error"}: ${result.error.message}` };
      }
      if (result.status === 200) return { done: true, value: undefined };
      if (result.status === 401 || result.status === 403) {
        throw new Error(`${url} refused the admin certificate: HTTP ${result.status}: ${result.body.trim()}`);
      }
      return { done: false, reason: `HTTP ${result.status}: ${result.body.trim().slice(0, 500)}` };
    },
    {
      what: `Kubernetes API readiness at ${url}`,
      timeoutMs: timing.timeoutMs,
      initialDelayMs: timing.initialDelayMs,
      maxDelayMs: 10_000,
      clock: timing.clock,
    },
  );
}

/** The provider's view of the inputs (secret inputs arrive unwrapped). */
interface ReadinessInputs {
  readonly host: string;
  readonly port: number;
  readonly caCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  readonly timeoutSeconds: number;
  readonly triggers: string[];
}

/** Inputs whose change means a different API server to wait for. */
const RECHECK_ON = ["host", "port", "triggers"] as const;

/**
 * The dynamic provider: create waits for readiness; a new host, port or trigger replaces the resource, which waits
 * again. Outputs hold no credentials (host, port, triggers); the inputs are in state as Pulumi secrets.
 */
export const readinessProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ReadinessInputs) {
    await waitForKubernetesApi(inputs, {
      timeoutMs: inputs.timeoutSeconds * 1000,
      requestTimeoutMs: 10_000,
      initialDelayMs: 2_000,
      clock: systemClock(),
    });
    const { host, port, triggers } = inputs;
    return { id: `${host}:${port}`, outs: { host, port, triggers } };
  },
  async diff(_id: string, olds: Partial<ReadinessInputs>, news: ReadinessInputs) {
    return diffFields(olds, news, RECHECK_ON, [], { deleteBeforeReplace: true });
  },
  async delete() {
    // A wait leaves nothing behind.
  },
};

/** Arguments of {@link KubernetesApiReady}. */
export interface KubernetesApiReadyArgs {
  /** Host of the API endpoint: the control-plane VIP. */
  readonly host: pulumi.Input<string>;
  /**
   * API server port.
   * @default 6443
   */
  readonly port?: pulumi.Input<number>;
  /** The Kubernetes CA certificate PEM. */
  readonly caCertPem: pulumi.Input<string>;
  /** Admin client certificate PEM. */
  readonly clientCertPem: pulumi.Input<string>;
  /** Its private key PEM; kept secret in state. */
  readonly clientKeyPem: pulumi.Input<string>;
  /**
   * How long to wait, in seconds: bootstrap, etcd, the VIP and the static pods take minutes.
   * @default 900
   */
  readonly timeoutSeconds?: number;
  /**
   * Values whose change means waiting again (e.g. the Bootstrap resource's ID).
   * @default []
   */
  readonly triggers?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The health gate between bootstrap and every Kubernetes resource: created once the API server answers `/readyz`
 * with 200 to the admin certificate. Kubernetes resources take it in `dependsOn`. Type
 * `pulumi-nodejs:dynamic/talos:KubernetesApiReady`.
 */
export class KubernetesApiReady extends pulumi.dynamic.Resource {
  /** The API host that answered. */
  declare readonly host: pulumi.Output<string>;
  /** Its port. */
  declare readonly port: pulumi.Output<number>;

  constructor(name: string, args: KubernetesApiReadyArgs, opts?: pulumi.CustomResourceOptions) {
    const timeoutSeconds = args.timeoutSeconds ?? 900;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
      throw new Error(
        `KubernetesApiReady '${name}': timeoutSeconds must be a positive whole number of seconds, got ${timeoutSeconds}`,
      );
    }
    super(
      moduleProvider(readinessProvider, __filename, "readinessProvider"),
      name,
      {
        host: args.host,
        port: args.port ?? KUBERNETES_API_PORT,
        caCertPem: args.caCertPem,
        clientCertPem: pulumi.secret(args.clientCertPem),
        clientKeyPem: pulumi.secret(args.clientKeyPem),
        timeoutSeconds,
        triggers: args.triggers ?? [],
      },
      opts,
      "talos",
      "KubernetesApiReady",
    );
  }
}
