import { asList, defineResourcePolicy, whenKnown } from "../policy";
import { containersOf, podSpecOf, workloadLabel } from "./workloads";

/**
 * Every container of a Deployment has a readiness probe, so a rollout waits for new pods and Services send traffic
 * only to pods that can serve it, and a liveness probe, so a hung process is restarted. Init containers run to
 * completion and take no probes.
 */
export const kubernetesDeploymentProbes = defineResourcePolicy({
  name: "kubernetes-deployment-probes",
  description: "Every container of a Deployment has a readiness probe and a liveness probe.",
  severity: "medium",
  remediationSteps:
    "Add readinessProbe and livenessProbe to every container of the Deployment: an HTTP health endpoint when it " +
    "serves HTTP, a TCP or exec probe otherwise; give slow starters a startupProbe rather than a long delay.",
  url: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
  area: "kubernetes",
  types: ["kubernetes:apps/v1:Deployment"],
  check: (args, report) => {
    const workload = workloadLabel(args.type, args.props, args.name);
    const podSpec = podSpecOf(args.type, args.props);
    const initCount = asList(podSpec.initContainers as unknown[]).length;
    for (const container of containersOf(podSpec).slice(initCount)) {
      whenKnown(() => {
        const missing = ["readinessProbe", "livenessProbe"].filter((probe) => container.props[probe] === undefined);
        if (missing.length > 0) report(`${workload}: ${container.label} has no ${missing.join(" and no ")}`);
      });
    }
  },
});
