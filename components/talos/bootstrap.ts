import { Client, credentials, Metadata, ServiceError, status } from "@grpc/grpc-js";
import { isIPv6 } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { diffFields } from "../common/dynamic";
import { AttemptResult, retryUntil, RetryClock, systemClock } from "../common/retry";
import { moduleProvider } from "../common/module-provider";

/** The Talos API (apid) port on every node. */
const APID_PORT = 50000;
/** The bootstrap RPC (`api/machine/machine.proto`, service `machine.MachineService`). */
const BOOTSTRAP_METHOD = "/machine.MachineService/Bootstrap";
/** What Talos answers once etcd has data (`v1alpha1_server.go` `Bootstrap`). */
const ALREADY_BOOTSTRAPPED_MESSAGE = "etcd data directory is not empty";
/** The one FailedPrecondition that waiting cannot fix. */
const NOT_A_CONTROL_PLANE_MESSAGE = "bootstrap can only be performed on a control plane node";

/** Where and as whom to call the Talos API, as plain values. */
export interface TalosApiTarget {
  /** The control plane's IP address; apid's certificate carries the node IPs, not the VIP. */
  readonly node: string;
  /** apid's port. */
  readonly port: number;
  /** The OS CA certificate PEM: the only CA the client trusts for apid. */
  readonly caCertPem: string;
  /** Client certificate PEM signed by the OS CA with O=os:admin (the role Bootstrap needs). */
  readonly clientCertPem: string;
  /** The client certificate's private key PEM. */
  readonly clientKeyPem: string;
}

/** Pacing of the bootstrap call. */
export interface BootstrapTiming {
  /** Total time allowed, from the first attempt. */
  readonly timeoutMs: number;
  /** Longest single RPC before it counts as a transient failure. */
  readonly attemptTimeoutMs: number;
  /** First pause between attempts (doubling up to 15 s). */
  readonly initialDelayMs: number;
  /** The clock; tests inject a fake one. */
  readonly clock: RetryClock;
}

/** How a Bootstrap call ended: this call bootstrapped etcd, or an earlier one had. */
export type BootstrapOutcome = "bootstrapped" | "already-bootstrapped";

/** What a failed Bootstrap call means. */
export type BootstrapErrorKind = "already-bootstrapped" | "transient" | "permanent";

/**
 * Sorts a Bootstrap error (the codes `Bootstrap` returns in https://github.com/siderolabs/talos/blob/v1.11.6/internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go). AlreadyExists ("etcd data directory
 * is not empty") means an earlier call succeeded. Unavailable (apid not up yet, or still in maintenance mode with
 * its own certificate), DeadlineExceeded, and FailedPrecondition ("bootstrap is not available yet", "time is not in
 * sync yet") pass with time. Everything else, including FailedPrecondition on a worker, will not.
 */
export function classifyBootstrapError(error: Pick<ServiceError, "code" | "details">): BootstrapErrorKind {
  if (error.code === status.ALREADY_EXISTS || error.details.includes(ALREADY_BOOTSTRAPPED_MESSAGE)) {
    return "already-bootstrapped";
  }
  if (error.code === status.FAILED_PRECONDITION) {
    return error.details.includes(NOT_A_CONTROL_PLANE_MESSAGE) ? "permanent" : "transient";
  }
  return error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED ? "transient" : "permanent";
}

/** A plain BootstrapRequest (recover_etcd=false, recover_skip_hash_check=false) encodes to zero bytes. */
function emptyMessage(): Buffer {
  return Buffer.alloc(0);
}

/**
 * The BootstrapResponse bytes are kept undecoded: success is the OK status. (Not `null`: grpc-js reads a null message
 * as "No message received".)
 */
function rawResponse(bytes: Buffer): Buffer {
  return bytes;
}

function callBootstrap(client: Client, timeoutMs: number): Promise<ServiceError | null> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      BOOTSTRAP_METHOD,
      emptyMessage,
      rawResponse,
      null,
      new Metadata(),
      { deadline: new Date(Date.now() + timeoutMs) },
      (error) => resolve(error),
    );
  });
}

/**
 * Calls `/machine.MachineService/Bootstrap` once per attempt over mutual TLS until it succeeds, reports that etcd is
 * already bootstrapped, fails permanently, or runs out of time. This is all `talosctl bootstrap` does.
 */
export async function bootstrapEtcd(target: TalosApiTarget, timing: BootstrapTiming): Promise<BootstrapOutcome> {
  const address = isIPv6(target.node) ? `[${target.node}]:${target.port}` : `${target.node}:${target.port}`;
  const client = new Client(
    address,
    credentials.createSsl(
      Buffer.from(target.caCertPem),
      Buffer.from(target.clientKeyPem),
      Buffer.from(target.clientCertPem),
    ),
  );
  try {
    return await retryUntil(
      async (remainingMs): Promise<AttemptResult<BootstrapOutcome>> => {
        const error = await callBootstrap(client, Math.min(timing.attemptTimeoutMs, Math.max(remainingMs, 1000)));
        if (error === null) return { done: true, value: "bootstrapped" };
        const kind = classifyBootstrapError(error);
        const reason = `${status[error.code]}: ${error.details}`;
        if (kind === "already-bootstrapped") return { done: true, value: "already-bootstrapped" };
        if (kind === "permanent") throw new Error(`etcd bootstrap on ${address} failed: ${reason}`);
        return { done: false, reason };
      },
      {
        what: `etcd bootstrap on ${address}`,
        timeoutMs: timing.timeoutMs,
        initialDelayMs: timing.initialDelayMs,
        maxDelayMs: 15_000,
        clock: timing.clock,
      },
    );
  } finally {
    client.close();
  }
}

/** The provider's view of the inputs (secret inputs arrive unwrapped). */
interface BootstrapInputs {
  readonly node: string;
  readonly port: number;
  readonly caCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  readonly timeoutSeconds: number;
  readonly triggers: string[];
}

/** Inputs whose change means a different cluster, so bootstrap must run again. */
const REPLACE_ON = ["node", "port", "triggers"] as const;

/**
 * The dynamic provider. Create bootstraps; everything else is bookkeeping, because a bootstrapped etcd cannot be
 * un-bootstrapped: delete only forgets, and a changed credential or timeout is no change at all. Outputs hold no
 * credentials (node, port, triggers, outcome); the inputs, client key included, are in state as Pulumi secrets,
 * like the tls resources they come from (docs/lab.md).
 */
export const bootstrapProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: BootstrapInputs) {
    const outcome = await bootstrapEtcd(inputs, {
      timeoutMs: inputs.timeoutSeconds * 1000,
      attemptTimeoutMs: 30_000,
      initialDelayMs: 2_000,
      clock: systemClock(),
    });
    const { node, port, triggers } = inputs;
    return { id: `${node}:${port}`, outs: { node, port, triggers, outcome } };
  },
  // Only a different node, port or trigger is a change, and it replaces; there is nothing to update in place.
  async diff(_id: string, olds: Partial<BootstrapInputs>, news: BootstrapInputs) {
    return diffFields(olds, news, REPLACE_ON, [], { deleteBeforeReplace: true });
  },
  async delete() {
    // Nothing to undo on the node.
  },
};

/** Arguments of {@link Bootstrap}. */
export interface BootstrapArgs {
  /** IP address of the first control plane (not the VIP: it only comes up after bootstrap). */
  readonly node: pulumi.Input<string>;
  /**
   * apid's port.
   * @default 50000
   */
  readonly port?: pulumi.Input<number>;
  /** The OS CA certificate PEM. */
  readonly caCertPem: pulumi.Input<string>;
  /** talosconfig client certificate PEM (O=os:admin, signed by the OS CA). */
  readonly clientCertPem: pulumi.Input<string>;
  /** Its private key PEM; kept secret in state. */
  readonly clientKeyPem: pulumi.Input<string>;
  /**
   * How long to keep trying while the node boots, in seconds.
   * @default 600
   */
  readonly timeoutSeconds?: number;
  /**
   * Values whose change means a new cluster to bootstrap (e.g. the first control plane VM's ID); any change
   * replaces this resource, which bootstraps again.
   * @default []
   */
  readonly triggers?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Bootstraps etcd on the first control plane through the Talos API (`/machine.MachineService/Bootstrap`, mTLS on
 * port 50000), retrying while the node boots and treating "already bootstrapped" as success, so re-running it is
 * safe. Type `pulumi-nodejs:dynamic/talos:Bootstrap`.
 */
export class Bootstrap extends pulumi.dynamic.Resource {
  /** The node that was bootstrapped. */
  declare readonly node: pulumi.Output<string>;
  /** apid's port on it. */
  declare readonly port: pulumi.Output<number>;
  /** `bootstrapped`, or `already-bootstrapped` when etcd had data before this resource was created. */
  declare readonly outcome: pulumi.Output<BootstrapOutcome>;

  constructor(name: string, args: BootstrapArgs, opts?: pulumi.CustomResourceOptions) {
    const timeoutSeconds = args.timeoutSeconds ?? 600;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
      throw new Error(
        `Bootstrap '${name}': timeoutSeconds must be a positive whole number of seconds, got ${timeoutSeconds}`,
      );
    }
    super(
      moduleProvider(bootstrapProvider, __filename, "bootstrapProvider"),
      name,
      {
        node: args.node,
        port: args.port ?? APID_PORT,
        caCertPem: args.caCertPem,
        clientCertPem: pulumi.secret(args.clientCertPem),
        clientKeyPem: pulumi.secret(args.clientKeyPem),
        timeoutSeconds,
        triggers: args.triggers ?? [],
        outcome: undefined,
      },
      opts,
      "talos",
      "Bootstrap",
    );
  }
}
