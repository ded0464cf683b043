/**
 * A running node's lifecycle through the Talos machine API, as three dynamic resources per node that the cluster
 * chains one node at a time (components/talos/cluster.ts, docs/runbooks/cluster-upgrade.md):
 *
 * - `MachineConfigApply` applies the node's rendered machine config with ApplyConfiguration in mode AUTO: Talos applies
 *   it live when it can and reboots otherwise (`CanApplyImmediate` in the server's ApplyConfiguration,
 *   https://github.com/siderolabs/talos/blob/v1.13.9/internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go),
 *   and when it reboots the resource waits for the node to come back. A Kubernetes version is part of the config
 *   (the kubelet and control-plane images), so this is also how Kubernetes is upgraded: the manual path of Talos's
 *   Kubernetes upgrade guide, one node at a time, control planes first
 *   (https://docs.siderolabs.com/kubernetes-guides/advanced-guides/upgrading-kubernetes#manual-kubernetes-upgrade).
 * - `TalosUpgrade` upgrades the node's Talos with the installer image (MachineService.Upgrade, which every supported
 *   line serves until Talos 1.18) and waits until the node runs the new version; it refuses a skipped minor release.
 * - `NodeHealthy` waits until the node runs the expected Talos and kubelet versions, its services are healthy and the
 *   Kubernetes API answers: the gate the next node's operations wait for.
 *
 * Each takes its credentials as inputs (never from a closure); outputs hold no credential and no config.
 */
import { status } from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import type { TalosApiTarget } from "./bootstrap";
import { getFromApi, KubernetesApiTarget, UNTRUSTED_SERVER_CODES } from "./health";
import {
  APID_PORT,
  CallResult,
  decodeApplyConfigurationResponse,
  decodeServiceListResponse,
  decodeSystemStatResponse,
  decodeUpgradeResponse,
  decodeVersionResponse,
  describeError,
  emptyRequest,
  encodeApplyConfigurationRequest,
  encodeUpgradeRequest,
  isTransient,
  MACHINE_METHODS,
  MachineApi,
} from "./machine-api";
import { KUBERNETES_API_PORT } from "./machine-config";
import { diffFields } from "../common/dynamic";
import { AttemptResult, retryUntil, RetryClock, systemClock } from "../common/retry";
import { kubernetesUpgradeProblem, talosUpgradeProblem } from "./versions";
import { moduleProvider } from "../common/module-provider";

/** Pacing of one lifecycle operation. */
export interface LifecycleTiming {
  /** Total time allowed. */
  readonly timeoutMs: number;
  /** Longest single call. */
  readonly attemptTimeoutMs: number;
  /** First pause between attempts (doubling up to 15 s). */
  readonly initialDelayMs: number;
  /** The clock; tests inject a fake one. */
  readonly clock: RetryClock;
}

/** How the node took its new config. */
export type AppliedMode = "no-reboot" | "reboot";

/** What an upgrade did. */
export type UpgradeOutcome = "upgraded" | "already-at-version";

/** A node's role, for the services it must run. */
export type NodeRole = "controlplane" | "worker";

/**
 * The services a healthy node runs (ids of ServiceList): apid and the container runtime everywhere, the kubelet
 * everywhere, etcd on control planes.
 */
export function requiredServices(role: NodeRole): string[] {
  return role === "controlplane" ? ["apid", "cri", "etcd", "kubelet"] : ["apid", "cri", "kubelet"];
}

/** The message a FailedPrecondition carries while the node reboots after an earlier apply. */
const REBOOTING = "node is rebooting";

/** Calls `method` until it answers, retrying while the node is unreachable; other errors end the loop. */
async function callUntilAnswered<T>(
  api: MachineApi,
  what: string,
  timing: LifecycleTiming,
  attempt: (timeoutMs: number) => Promise<CallResult<T>>,
  transient: (error: { code: number; details: string }) => boolean = isTransient,
): Promise<T> {
  return retryUntil(
    async (remainingMs): Promise<AttemptResult<T>> => {
      const result = await attempt(Math.min(timing.attemptTimeoutMs, Math.max(remainingMs, 1000)));
      if ("value" in result) return { done: true, value: result.value };
      if (transient(result.error)) return { done: false, reason: describeError(result.error) };
      throw new Error(`${what} on ${api.address} failed: ${describeError(result.error)}`);
    },
    {
      what: `${what} on ${api.address}`,
      timeoutMs: timing.timeoutMs,
      initialDelayMs: timing.initialDelayMs,
      maxDelayMs: 15_000,
      clock: timing.clock,
    },
  );
}

function bootTimeOf(api: MachineApi, timing: LifecycleTiming): Promise<number> {
  return callUntilAnswered(api, "SystemStat", timing, (ms) =>
    api.call(MACHINE_METHODS.systemStat, emptyRequest(), (b) => decodeSystemStatResponse(b).bootTime, ms),
  );
}

/** Waits until the node answers again with a boot time other than `before`: it has rebooted. */
async function waitForReboot(api: MachineApi, before: number, timing: LifecycleTiming): Promise<void> {
  await retryUntil(
    async (remainingMs): Promise<AttemptResult<void>> => {
      const result = await api.call(
        MACHINE_METHODS.systemStat,
        emptyRequest(),
        (b) => decodeSystemStatResponse(b).bootTime,
        Math.min(timing.attemptTimeoutMs, Math.max(remainingMs, 1000)),
      );
      if ("error" in result) return { done: false, reason: describeError(result.error) };
      return result.value !== before
        ? { done: true, value: undefined }
        : { done: false, reason: "the node has not rebooted yet" };
    },
    {
      what: `the reboot of ${api.address}`,
      timeoutMs: timing.timeoutMs,
      initialDelayMs: timing.initialDelayMs,
      maxDelayMs: 15_000,
      clock: timing.clock,
    },
  );
}

/**
 * Applies `config` to the node (ApplyConfiguration, mode AUTO) and, when Talos chose to reboot, waits until the node
 * is back. Retries while the node is unreachable or still rebooting from an earlier apply; an invalid config fails at
 * once with Talos's own message.
 */
export async function applyMachineConfig(
  target: TalosApiTarget,
  config: string,
  timing: LifecycleTiming,
): Promise<AppliedMode> {
  const api = new MachineApi(target);
  try {
    const before = await bootTimeOf(api, timing);
    const result = await callUntilAnswered(
      api,
      "ApplyConfiguration",
      timing,
      (ms) =>
        api.call(
          MACHINE_METHODS.applyConfiguration,
          encodeApplyConfigurationRequest({ data: config, mode: "AUTO" }),
          decodeApplyConfigurationResponse,
          ms,
        ),
      (error) => isTransient(error) || (error.code === status.FAILED_PRECONDITION && error.details.includes(REBOOTING)),
    );
    if (result.mode !== "REBOOT") return "no-reboot";
    await waitForReboot(api, before, timing);
    return "reboot";
  } finally {
    api.close();
  }
}

/** What {@link upgradeTalos} upgrades to. */
export interface UpgradeTarget {
  /** The installer image, `factory.talos.dev/nocloud-installer/<schematic>:<version>`. */
  readonly image: string;
  /** The Talos version the image carries, `vX.Y.Z`. */
  readonly version: string;
  /** The setting that names the version, for messages (e.g. `foundation:talos.talosVersion`). */
  readonly setting: string;
}

/**
 * Upgrades the node to `upgrade.version` unless it runs it already: refuses a path Talos does not support, calls
 * Upgrade with the installer image (keeping the node's data), waits for the reboot and checks the version the node
 * comes back with. A node that comes back at its old version rolled the upgrade back (Talos boots the previous image
 * when the new one fails), which is an error naming the runbook.
 */
export async function upgradeTalos(
  target: TalosApiTarget,
  upgrade: UpgradeTarget,
  timing: LifecycleTiming,
): Promise<UpgradeOutcome> {
  const api = new MachineApi(target);
  const version = () =>
    callUntilAnswered(api, "Version", timing, (ms) =>
      api.call(MACHINE_METHODS.version, emptyRequest(), (b) => decodeVersionResponse(b).tag, ms),
    );
  try {
    const running = await version();
    if (running === upgrade.version) return "already-at-version";
    const problem = talosUpgradeProblem(running, upgrade.version, upgrade.setting);
    if (problem !== null) throw new Error(`Talos upgrade of ${api.address}: ${problem}`);
    const before = await bootTimeOf(api, timing);
    // FailedPrecondition: a control plane refuses while its upgrade would cost etcd quorum; it passes once the
    // previous node is back (the upgrade guide's FAQ).
    await callUntilAnswered(
      api,
      "Upgrade",
      timing,
      (ms) =>
        api.call(
          MACHINE_METHODS.upgrade,
          encodeUpgradeRequest({ image: upgrade.image, preserve: true }),
          decodeUpgradeResponse,
          ms,
        ),
      (error) => isTransient(error) || error.code === status.FAILED_PRECONDITION,
    );
    await waitForReboot(api, before, timing);
    const after = await version();
    if (after !== upgrade.version) {
      throw new Error(
        `Talos upgrade of ${api.address} to ${upgrade.version}: the node came back at ${after}, so the new image ` +
          "did not boot and Talos rolled back; see docs/runbooks/cluster-upgrade.md, 'After a failed upgrade'",
      );
    }
    return "upgraded";
  } finally {
    api.close();
  }
}

/** What a healthy node looks like, and where to ask. */
export interface NodeHealthTarget {
  readonly talos: TalosApiTarget;
  readonly kubernetes: KubernetesApiTarget;
  /** The node's name in Kubernetes (its hostname). */
  readonly hostname: string;
  readonly role: NodeRole;
  /** The Talos version it must run, `vX.Y.Z`. */
  readonly talosVersion: string;
  /** The kubelet version it must report, `X.Y.Z`. */
  readonly kubernetesVersion: string;
}

interface NodeObject {
  readonly status?: {
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    readonly nodeInfo?: { readonly kubeletVersion?: string };
  };
}

/** Why the node is not healthy yet, or null when it is: one look at Talos and one at Kubernetes. */
async function unhealthyReason(api: MachineApi, target: NodeHealthTarget, timeoutMs: number): Promise<string | null> {
  const version = await api.call(
    MACHINE_METHODS.version,
    emptyRequest(),
    (b) => decodeVersionResponse(b).tag,
    timeoutMs,
  );
  if ("error" in version) return `Talos API: ${describeError(version.error)}`;
  if (version.value !== target.talosVersion) return `runs Talos ${version.value}, not ${target.talosVersion}`;
  const services = await api.call(MACHINE_METHODS.serviceList, emptyRequest(), decodeServiceListResponse, timeoutMs);
  if ("error" in services) return `ServiceList: ${describeError(services.error)}`;
  for (const id of requiredServices(target.role)) {
    const service = services.value.find((s) => s.id === id);
    if (service === undefined) return `service ${id} is not running`;
    if (service.state !== "Running" || !(service.healthy || service.unknown)) {
      return `service ${id} is ${service.state}${service.healthy ? "" : ", not healthy"}`;
    }
  }
  const ready = await getFromApi(target.kubernetes, "/readyz", timeoutMs);
  if ("error" in ready) {
    if (UNTRUSTED_SERVER_CODES.has(ready.error.code ?? "")) {
      throw new Error(`the Kubernetes API is not trusted by the Kubernetes CA: ${ready.error.code}`);
    }
    return `Kubernetes API: ${ready.error.code ?? "error"}: ${ready.error.message}`;
  }
  if (ready.status !== 200) return `Kubernetes API /readyz: HTTP ${ready.status}`;
  const node = await getFromApi(target.kubernetes, `/api/v1/nodes/${encodeURIComponent(target.hostname)}`, timeoutMs);
  if ("error" in node) return `Kubernetes API: ${node.error.code ?? "error"}: ${node.error.message}`;
  if (node.status !== 200) return `node ${target.hostname}: HTTP ${node.status}`;
  const object = JSON.parse(node.body) as NodeObject;
  const condition = object.status?.conditions?.find((c) => c.type === "Ready");
  if (condition?.status !== "True") return `node ${target.hostname} is not Ready`;
  const kubelet = object.status?.nodeInfo?.kubeletVersion;
  if (kubelet !== `v${target.kubernetesVersion}`) {
    return `node ${target.hostname} runs kubelet ${kubelet ?? "(unknown)"}, not v${target.kubernetesVersion}`;
  }
  return null;
}

/** Waits until the node is healthy as {@link NodeHealthTarget} describes it, or times out with the last reason. */
export async function waitForNodeHealthy(target: NodeHealthTarget, timing: LifecycleTiming): Promise<void> {
  const api = new MachineApi(target.talos);
  try {
    await retryUntil(
      async (remainingMs): Promise<AttemptResult<void>> => {
        const reason = await unhealthyReason(
          api,
          target,
          Math.min(timing.attemptTimeoutMs, Math.max(remainingMs, 1000)),
        );
        return reason === null ? { done: true, value: undefined } : { done: false, reason };
      },
      {
        what: `health of ${target.hostname} (${api.address})`,
        timeoutMs: timing.timeoutMs,
        initialDelayMs: timing.initialDelayMs,
        maxDelayMs: 15_000,
        clock: timing.clock,
      },
    );
  } finally {
    api.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The dynamic resources.

/** What every lifecycle resource is given about its node (secret inputs arrive unwrapped). */
interface NodeInputs {
  readonly node: string;
  readonly port: number;
  readonly caCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  readonly hostname: string;
  /** The node's VM id: a new VM (a replacement) makes a new resource, which runs its operation on the new node. */
  readonly vmId: number;
  readonly timeoutSeconds: number;
}

function talosTarget(inputs: NodeInputs): TalosApiTarget {
  const { node, port, caCertPem, clientCertPem, clientKeyPem } = inputs;
  return { node, port, caCertPem, clientCertPem, clientKeyPem };
}

function timingOf(inputs: NodeInputs): LifecycleTiming {
  return {
    timeoutMs: inputs.timeoutSeconds * 1000,
    attemptTimeoutMs: 30_000,
    initialDelayMs: 2_000,
    clock: systemClock(),
  };
}

/** The inputs that name another node: a change replaces the resource; the other keys update it in place. */
const REPLACE_ON = ["node", "port", "vmId"] as const;

interface ApplyInputs extends NodeInputs {
  readonly machineConfig: string;
  readonly configSha256: string;
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
  /** The setting that names the Kubernetes version, for messages. */
  readonly kubernetesVersionSetting: string;
}

const APPLY_KEYS = ["node", "port", "hostname", "vmId", "configSha256", "talosVersion", "kubernetesVersion"] as const;

function applyOutputs(inputs: ApplyInputs, mode: AppliedMode) {
  const { node, port, hostname, vmId, configSha256, talosVersion, kubernetesVersion } = inputs;
  return { node, port, hostname, vmId, configSha256, talosVersion, kubernetesVersion, mode };
}

/**
 * The provider of {@link MachineConfigApply}. Check refuses a Kubernetes version that skips a minor release from the
 * one applied before; create and update apply the config; delete leaves the node's config as it is (a node keeps the
 * config it runs; removing the node is the VM's business).
 */
export const machineConfigApplyProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<ApplyInputs>, news: ApplyInputs) {
    const problem =
      olds.kubernetesVersion === undefined
        ? null
        : kubernetesUpgradeProblem(olds.kubernetesVersion, news.kubernetesVersion, news.kubernetesVersionSetting);
    return { inputs: news, failures: problem === null ? [] : [{ property: "kubernetesVersion", reason: problem }] };
  },
  async create(inputs: ApplyInputs) {
    const mode = await applyMachineConfig(talosTarget(inputs), inputs.machineConfig, timingOf(inputs));
    return { id: `${inputs.node}:${inputs.port}`, outs: applyOutputs(inputs, mode) };
  },
  async diff(_id: string, olds: Partial<ApplyInputs>, news: ApplyInputs) {
    return diffFields(olds, news, REPLACE_ON, APPLY_KEYS);
  },
  async update(_id: string, _olds: Partial<ApplyInputs>, news: ApplyInputs) {
    const mode = await applyMachineConfig(talosTarget(news), news.machineConfig, timingOf(news));
    return { outs: applyOutputs(news, mode) };
  },
  async delete() {
    // The node keeps the config it runs.
  },
};

interface UpgradeInputs extends NodeInputs {
  readonly talosVersion: string;
  readonly image: string;
  /** The setting that names the Talos version, for messages. */
  readonly talosVersionSetting: string;
}

const UPGRADE_KEYS = ["node", "port", "hostname", "vmId", "talosVersion", "image"] as const;

function upgradeOutputs(inputs: UpgradeInputs, outcome: UpgradeOutcome) {
  const { node, port, hostname, vmId, talosVersion, image } = inputs;
  return { node, port, hostname, vmId, talosVersion, image, outcome };
}

/**
 * The provider of {@link TalosUpgrade}. Check refuses a version that skips a minor release from (or goes below) the
 * one this resource upgraded the node to before; create and update upgrade the node unless it already runs the
 * version (a new node booted from an older image is upgraded on create); delete does nothing.
 */
export const talosUpgradeProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<UpgradeInputs>, news: UpgradeInputs) {
    const problem =
      olds.talosVersion === undefined
        ? null
        : talosUpgradeProblem(olds.talosVersion, news.talosVersion, news.talosVersionSetting);
    return { inputs: news, failures: problem === null ? [] : [{ property: "talosVersion", reason: problem }] };
  },
  async create(inputs: UpgradeInputs) {
    const outcome = await upgradeTalos(talosTarget(inputs), upgradeTargetOf(inputs), timingOf(inputs));
    return { id: `${inputs.node}:${inputs.port}`, outs: upgradeOutputs(inputs, outcome) };
  },
  async diff(_id: string, olds: Partial<UpgradeInputs>, news: UpgradeInputs) {
    return diffFields(olds, news, REPLACE_ON, UPGRADE_KEYS);
  },
  async update(_id: string, _olds: Partial<UpgradeInputs>, news: UpgradeInputs) {
    const outcome = await upgradeTalos(talosTarget(news), upgradeTargetOf(news), timingOf(news));
    return { outs: upgradeOutputs(news, outcome) };
  },
  async delete() {
    // An upgrade cannot be undone by forgetting it; rolling back is talosctl rollback (the runbook).
  },
};

function upgradeTargetOf(inputs: UpgradeInputs): UpgradeTarget {
  return { image: inputs.image, version: inputs.talosVersion, setting: inputs.talosVersionSetting };
}

interface HealthInputs extends NodeInputs {
  readonly role: NodeRole;
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly kubernetesCaCertPem: string;
  readonly adminCertPem: string;
  readonly adminKeyPem: string;
  readonly triggers: string[];
}

const HEALTH_KEYS = [
  "node",
  "port",
  "hostname",
  "vmId",
  "role",
  "talosVersion",
  "kubernetesVersion",
  "apiHost",
  "apiPort",
  "triggers",
] as const;

function healthOutputs(inputs: HealthInputs) {
  const { node, port, hostname, vmId, role, talosVersion, kubernetesVersion, apiHost, apiPort, triggers } = inputs;
  return { node, port, hostname, vmId, role, talosVersion, kubernetesVersion, apiHost, apiPort, triggers };
}

async function waitFor(inputs: HealthInputs): Promise<void> {
  await waitForNodeHealthy(
    {
      talos: talosTarget(inputs),
      kubernetes: {
        host: inputs.apiHost,
        port: inputs.apiPort,
        caCertPem: inputs.kubernetesCaCertPem,
        clientCertPem: inputs.adminCertPem,
        clientKeyPem: inputs.adminKeyPem,
      },
      hostname: inputs.hostname,
      role: inputs.role,
      talosVersion: inputs.talosVersion,
      kubernetesVersion: inputs.kubernetesVersion,
    },
    { ...timingOf(inputs), initialDelayMs: 5_000 },
  );
}

/** The provider of {@link NodeHealthy}: create and every update wait; delete leaves nothing behind. */
export const nodeHealthyProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: HealthInputs) {
    await waitFor(inputs);
    return { id: `${inputs.node}:${inputs.port}`, outs: healthOutputs(inputs) };
  },
  async diff(_id: string, olds: Partial<HealthInputs>, news: HealthInputs) {
    return diffFields(olds, news, REPLACE_ON, HEALTH_KEYS);
  },
  async update(_id: string, _olds: Partial<HealthInputs>, news: HealthInputs) {
    await waitFor(news);
    return { outs: healthOutputs(news) };
  },
  async delete() {
    // A wait leaves nothing behind.
  },
};

/** Where a lifecycle resource finds its node and as whom it calls it. */
export interface NodeTargetArgs {
  /** The node's IP address (apid's certificate carries the node IPs). */
  readonly node: pulumi.Input<string>;
  /** The node's hostname (its Kubernetes node name). */
  readonly hostname: string;
  /** The node's VM id, from the VM: a replaced VM makes the resource run again on the new node. */
  readonly vmId: pulumi.Input<number>;
  /** The OS CA certificate PEM. */
  readonly caCertPem: pulumi.Input<string>;
  /** talosconfig client certificate PEM (O=os:admin). */
  readonly clientCertPem: pulumi.Input<string>;
  /** Its private key PEM; kept secret in state. */
  readonly clientKeyPem: pulumi.Input<string>;
  /**
   * How long the operation may take, in seconds.
   * @default 600 (apply), 1800 (upgrade), 900 (health)
   */
  readonly timeoutSeconds?: number;
}

function nodeProps(args: NodeTargetArgs, timeoutSeconds: number, what: string, name: string) {
  const timeout = args.timeoutSeconds ?? timeoutSeconds;
  if (!Number.isInteger(timeout) || timeout < 1) {
    throw new Error(`${what} '${name}': timeoutSeconds must be a positive whole number of seconds, got ${timeout}`);
  }
  return {
    node: args.node,
    port: APID_PORT,
    hostname: args.hostname,
    vmId: args.vmId,
    caCertPem: args.caCertPem,
    clientCertPem: pulumi.secret(args.clientCertPem),
    clientKeyPem: pulumi.secret(args.clientKeyPem),
    timeoutSeconds: timeout,
  };
}

/** Arguments of {@link MachineConfigApply}. */
export interface MachineConfigApplyArgs extends NodeTargetArgs {
  /** The node's rendered machine config (secret). */
  readonly machineConfig: pulumi.Input<string>;
  /**
   * SHA-256 of the machine config, in the clear: what a preview shows changing. The config holds 256-bit random keys,
   * so its digest tells nothing about them.
   */
  readonly configSha256: pulumi.Input<string>;
  /** The Talos version the config is written for. */
  readonly talosVersion: string;
  /** The Kubernetes version of the config's kubelet and control-plane images. */
  readonly kubernetesVersion: string;
  /**
   * The setting that names the Kubernetes version, for messages.
   * @default "kubernetesVersion"
   */
  readonly kubernetesVersionSetting?: string;
}

/** Applies a node's machine config through the Talos API. Type `pulumi-nodejs:dynamic/talos:MachineConfigApply`. */
export class MachineConfigApply extends pulumi.dynamic.Resource {
  /** `no-reboot` or `reboot`: how the node took the last change. */
  declare readonly mode: pulumi.Output<AppliedMode>;

  constructor(name: string, args: MachineConfigApplyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(machineConfigApplyProvider, __filename, "machineConfigApplyProvider"),
      name,
      {
        ...nodeProps(args, 600, "MachineConfigApply", name),
        machineConfig: pulumi.secret(args.machineConfig),
        configSha256: args.configSha256,
        talosVersion: args.talosVersion,
        kubernetesVersion: args.kubernetesVersion,
        kubernetesVersionSetting: args.kubernetesVersionSetting ?? "kubernetesVersion",
        mode: undefined,
      },
      opts,
      "talos",
      "MachineConfigApply",
    );
  }
}

/** Arguments of {@link TalosUpgrade}. */
export interface TalosUpgradeArgs extends NodeTargetArgs {
  /** The Talos version the node must run, `vX.Y.Z`. */
  readonly talosVersion: string;
  /** The installer image of that version. */
  readonly image: string;
  /**
   * The setting that names the Talos version, for messages.
   * @default "talosVersion"
   */
  readonly talosVersionSetting?: string;
}

/** Upgrades a node's Talos through the Talos API. Type `pulumi-nodejs:dynamic/talos:Upgrade`. */
export class TalosUpgrade extends pulumi.dynamic.Resource {
  /** `upgraded`, or `already-at-version` when the node ran the version before. */
  declare readonly outcome: pulumi.Output<UpgradeOutcome>;

  constructor(name: string, args: TalosUpgradeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(talosUpgradeProvider, __filename, "talosUpgradeProvider"),
      name,
      {
        ...nodeProps(args, 1800, "TalosUpgrade", name),
        talosVersion: args.talosVersion,
        image: args.image,
        talosVersionSetting: args.talosVersionSetting ?? "talosVersion",
        outcome: undefined,
      },
      opts,
      "talos",
      "Upgrade",
    );
  }
}

/** Arguments of {@link NodeHealthy}. */
export interface NodeHealthyArgs extends NodeTargetArgs {
  readonly role: NodeRole;
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
  /** Host of the Kubernetes API (the VIP). */
  readonly apiHost: pulumi.Input<string>;
  /** The Kubernetes CA certificate PEM. */
  readonly kubernetesCaCertPem: pulumi.Input<string>;
  /** Admin client certificate PEM. */
  readonly adminCertPem: pulumi.Input<string>;
  /** Its private key PEM; kept secret in state. */
  readonly adminKeyPem: pulumi.Input<string>;
  /** Values whose change means waiting again (the config digest, the upgrade's version). */
  readonly triggers: pulumi.Input<pulumi.Input<string>[]>;
}

/** The gate after a node's operations. Type `pulumi-nodejs:dynamic/talos:NodeHealthy`. */
export class NodeHealthy extends pulumi.dynamic.Resource {
  constructor(name: string, args: NodeHealthyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(nodeHealthyProvider, __filename, "nodeHealthyProvider"),
      name,
      {
        ...nodeProps(args, 900, "NodeHealthy", name),
        role: args.role,
        talosVersion: args.talosVersion,
        kubernetesVersion: args.kubernetesVersion,
        apiHost: args.apiHost,
        apiPort: KUBERNETES_API_PORT,
        kubernetesCaCertPem: args.kubernetesCaCertPem,
        adminCertPem: pulumi.secret(args.adminCertPem),
        adminKeyPem: pulumi.secret(args.adminKeyPem),
        triggers: args.triggers,
      },
      opts,
      "talos",
      "NodeHealthy",
    );
  }
}
