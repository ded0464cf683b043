import { asList, asObject, defineResourcePolicy, whenKnown } from "../policy";
import { workloadLabel } from "./workloads";

/**
 * Every Ingress terminates TLS for every host it routes: a `spec.tls` entry lists each rule's host, so no host is
 * served over plain HTTP (cert-manager issues the certificates from the `cert-manager.io/cluster-issuer`
 * annotation).
 */
export const kubernetesIngressTls = defineResourcePolicy({
  name: "kubernetes-ingress-tls",
  description: "Every Ingress serves all of its hosts over TLS.",
  severity: "high",
  remediationSteps:
    "Add spec.tls with an entry whose hosts list every host of spec.rules and whose secretName names the " +
    "certificate's Secret; annotate the Ingress with cert-manager.io/cluster-issuer so cert-manager issues it.",
  url: "https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",
  area: "kubernetes",
  types: ["kubernetes:networking.k8s.io/v1:Ingress"],
  check: (args, report) => {
    const ingress = workloadLabel(args.type, args.props, args.name);
    const spec = asObject(args.props.spec);
    const tls = asList(spec.tls as unknown[]).map(asObject);
    if (tls.length === 0) {
      report(`${ingress} has no spec.tls; add an entry with its hosts and a secretName`);
      return;
    }
    const covered = new Set(tls.flatMap((entry) => asList(entry.hosts as string[])));
    const uncovered: string[] = [];
    for (const rule of asList(spec.rules as unknown[]).map(asObject)) {
      const host = whenKnown(() => rule.host);
      if (typeof host === "string" && host !== "" && !covered.has(host)) uncovered.push(host);
    }
    if (uncovered.length > 0) {
      report(`${ingress} serves ${uncovered.join(", ")} without TLS; add them to spec.tls[].hosts`);
    }
  },
});
