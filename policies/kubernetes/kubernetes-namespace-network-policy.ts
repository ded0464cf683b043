import type { PolicyResource } from "@pulumi/policy";
import { defineStackPolicy } from "../policy";
import { declaredNamespaces, namespaceOf } from "./namespaces";
import { WORKLOAD_TYPES, workloadLabel } from "./workloads";

const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/**
 * Every namespace in which the stack runs workloads (an application namespace) has at least one NetworkPolicy from
 * the same stack: without one, every pod of the cluster can reach every pod of the namespace. Namespaces whose
 * workloads come only from Helm charts are the charts' business; the policy sees the objects the stack declares.
 */
export const kubernetesNamespaceNetworkPolicy = defineStackPolicy({
  name: "kubernetes-namespace-network-policy",
  description: "Every namespace in which the stack runs workloads has a NetworkPolicy.",
  severity: "medium",
  remediationSteps:
    "Add a kubernetes.networking.v1.NetworkPolicy in the namespace that selects its pods and admits only the " +
    "traffic they need (the ingress controller's namespace, DNS, the APIs they call); eve-skill-farm's component " +
    "shows the pattern.",
  url: "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
  area: "kubernetes",
  check: (args, report) => {
    const covered = new Set<string>();
    for (const policy of args.resources.filter((r) => r.type === NETWORK_POLICY_TYPE)) {
      const namespace = namespaceOf(policy);
      // A policy whose namespace is unknown at preview may cover any namespace: judge at update time.
      if (namespace === undefined) return;
      covered.add(namespace);
    }
    const workloads = new Map<string, PolicyResource[]>();
    for (const workload of args.resources.filter((r) => WORKLOAD_TYPES.includes(r.type))) {
      const namespace = namespaceOf(workload);
      if (namespace !== undefined) workloads.set(namespace, [...(workloads.get(namespace) ?? []), workload]);
    }
    const declared = declaredNamespaces(args.resources);
    for (const [namespace, members] of workloads) {
      if (covered.has(namespace)) continue;
      const names = members.map((w) => workloadLabel(w.type, w.props, w.name));
      report(
        `namespace ${namespace} runs ${names.join(", ")} but has no NetworkPolicy; add one that admits only the ` +
          "traffic its pods need",
        (declared.get(namespace) ?? members[0]).urn,
      );
    }
  },
});
