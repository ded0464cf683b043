import { asList, asObject, defineStackPolicy, whenKnown } from "../policy";
import { declaredNamespaces, namespaceOf } from "./namespaces";
import { containersOf, podSpecOf, WORKLOAD_TYPES, workloadLabel } from "./workloads";

const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

/** What a pod asks for that the baseline Pod Security Standard forbids, in words. */
function privilegesOf(podSpec: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const container of containersOf(podSpec)) {
    if (whenKnown(() => asObject(container.props.securityContext).privileged) === true) {
      found.push(`privileged ${container.label}`);
    }
  }
  for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (whenKnown(() => podSpec[key]) === true) found.push(key);
  }
  const hostPaths = whenKnown(() => asList(podSpec.volumes as unknown[]).filter((v) => asObject(v).hostPath));
  if (hostPaths && hostPaths.length > 0) found.push("hostPath volumes");
  return found;
}

/**
 * Pods that need what the baseline Pod Security Standard forbids (privileged containers, the host's network, PID or IPC
 * namespace, hostPath volumes) run only in namespaces labelled `pod-security.kubernetes.io/enforce=privileged`. Talos
 * enforces baseline everywhere but kube-system (https://docs.siderolabs.com/kubernetes-guides/security/pod-security),
 * so such a pod elsewhere is rejected at admission; the label also makes every privileged namespace visible in review.
 * A stack policy, because the workload and its Namespace are two resources.
 */
export const kubernetesPodPrivilegedNamespace = defineStackPolicy({
  name: "kubernetes-pod-privileged-namespace",
  description:
    "Privileged pods run only in namespaces the stack declares with the label " +
    "pod-security.kubernetes.io/enforce=privileged.",
  severity: "high",
  remediationSteps:
    "Drop the privilege if the workload can do without it. Otherwise run it in its own namespace, declared in the " +
    "same stack with the labels pod-security.kubernetes.io/enforce, audit and warn set to privileged " +
    "(components/kubernetes/platform/common.ts namespaceSpec), and keep everything else out of that namespace.",
  url: "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
  area: "kubernetes",
  check: (args, report) => {
    const namespaces = declaredNamespaces(args.resources);
    for (const workload of args.resources.filter((r) => WORKLOAD_TYPES.includes(r.type))) {
      const privileges = privilegesOf(podSpecOf(workload.type, workload.props));
      const namespace = namespaceOf(workload);
      if (privileges.length === 0 || namespace === undefined) continue;
      const label = workloadLabel(workload.type, workload.props, workload.name);
      const declared = namespaces.get(namespace);
      if (declared === undefined) {
        report(
          `${label} needs ${privileges.join(", ")} but namespace ${namespace} is not declared in this stack; ` +
            `declare it with ${ENFORCE_LABEL}: privileged`,
          workload.urn,
        );
        continue;
      }
      const level = whenKnown(() => asObject(asObject(declared.props.metadata).labels)[ENFORCE_LABEL]);
      if (level !== undefined && level !== "privileged") {
        report(
          `${label} needs ${privileges.join(", ")} but namespace ${namespace} enforces ` +
            `${JSON.stringify(level)}; run it in a namespace labelled ${ENFORCE_LABEL}: privileged`,
          workload.urn,
        );
      }
    }
  },
});
