/**
 * Workloads as the Kubernetes policies read them: the pod spec inside each workload kind, its containers, a label
 * for messages, and the annotation through which a workload declares an exception to a policy.
 */
import { asList, asObject, whenKnown } from "../policy";

/** The workload kinds whose pods the container policies check, by type token, with where each keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The type tokens of the workload kinds. */
export const WORKLOAD_TYPES: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** The prefix of the annotations that declare exceptions: `policy.foundation/<policy-name>: <reason>`. */
export const EXCEPTION_PREFIX = "policy.foundation/";

/** One container of a pod spec, with where it sits. */
export interface Container {
  /** `container app`, `init container migrate`. */
  readonly label: string;
  readonly props: Record<string, unknown>;
}

/** The pod spec of a workload's properties; empty when the workload has none (yet). */
export function podSpecOf(type: string, props: Record<string, unknown>): Record<string, unknown> {
  return (POD_SPEC_PATHS[type] ?? []).reduce<Record<string, unknown>>((at, key) => asObject(at[key]), props);
}

/** The init and regular containers of a pod spec, init containers first, as Kubernetes starts them. */
export function containersOf(podSpec: Record<string, unknown>): Container[] {
  const named = (kind: string) => (container: unknown) => {
    const props = asObject(container);
    const name = whenKnown(() => props.name);
    return { label: `${kind} ${typeof name === "string" ? name : "?"}`, props };
  };
  return [
    ...asList(podSpec.initContainers as unknown[]).map(named("init container")),
    ...asList(podSpec.containers as unknown[]).map(named("container")),
  ];
}

/** The kind of a workload type token: `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

/** `Deployment eve/eve-skill-farm`: the kind, the namespace when known and the name (logical when unknown). */
export function workloadLabel(type: string, props: Record<string, unknown>, logicalName: string): string {
  const metadata = asObject(props.metadata);
  const name = whenKnown(() => metadata.name);
  const namespace = whenKnown(() => metadata.namespace);
  const shown = typeof name === "string" && name !== "" ? name : logicalName;
  return `${kindOf(type)} ${typeof namespace === "string" && namespace !== "" ? `${namespace}/` : ""}${shown}`;
}

/**
 * True when the workload declares an exception to `policy` with the annotation `policy.foundation/<policy>` on its
 * own metadata, whose value is the reason. An empty reason is no exception: the annotation exists so that every
 * exception is written down, with its reason, where reviewers see it.
 */
export function isExcepted(props: Record<string, unknown>, policy: string): boolean {
  const reason = whenKnown(() => asObject(asObject(props.metadata).annotations)[`${EXCEPTION_PREFIX}${policy}`]);
  return typeof reason === "string" && reason.trim() !== "";
}
