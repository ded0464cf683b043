import { asObject, defineResourcePolicy, whenKnown } from "../policy";
import { containersOf, podSpecOf, WORKLOAD_TYPES, workloadLabel } from "./workloads";

/** The settings every container sets, as paths under `resources`. */
const REQUIRED = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "memory"],
] as const;

/**
 * Every container requests CPU and memory, so the scheduler places it where it fits, and limits its memory, so one
 * leaking container is OOM-killed instead of starving its node. A CPU limit is not required: CPU is compressible,
 * and a limit only throttles a container the node could have served (the `resources(...)` helpers of
 * components/kubernetes set one where a chart expects it).
 */
export const kubernetesContainerResources = defineResourcePolicy({
  name: "kubernetes-container-resources",
  description: "Every container sets CPU and memory requests and a memory limit.",
  severity: "medium",
  remediationSteps:
    "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container and " +
    "init container, sized from what it uses (the Grafana dashboards show it); components/kubernetes/platform/" +
    "common.ts resources() builds the block.",
  url: "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
  area: "kubernetes",
  types: WORKLOAD_TYPES,
  check: (args, report) => {
    const workload = workloadLabel(args.type, args.props, args.name);
    for (const container of containersOf(podSpecOf(args.type, args.props))) {
      whenKnown(() => {
        const resources = asObject(container.props.resources);
        const missing = REQUIRED.filter(([group, key]) => asObject(resources[group])[key] === undefined).map(
          ([group, key]) => `${group}.${key}`,
        );
        if (missing.length > 0) {
          report(`${workload}: ${container.label} does not set resources.${missing.join(", resources.")}`);
        }
      });
    }
  },
});
