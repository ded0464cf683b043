import { asObject, defineResourcePolicy, whenKnown } from "../policy";
import { containersOf, EXCEPTION_PREFIX, isExcepted, podSpecOf, WORKLOAD_TYPES, workloadLabel } from "./workloads";

const NAME = "kubernetes-container-readonly-rootfs";

/**
 * Containers mount their root filesystem read-only, so a compromised process cannot drop tools or change the
 * image's binaries, and every place the container writes is an explicit volume. Exceptions are declared on the
 * workload with `policy.foundation/<this policy>: <reason>`.
 */
export const kubernetesContainerReadonlyRootfs = defineResourcePolicy({
  name: NAME,
  description: "Containers have a read-only root filesystem unless the workload declares an exception with its reason.",
  severity: "medium",
  remediationSteps:
    "Set securityContext.readOnlyRootFilesystem: true on every container and mount an emptyDir wherever it " +
    `writes (/tmp, caches). If the software cannot run so, annotate the workload with ${EXCEPTION_PREFIX}${NAME}: ` +
    '"<why>".',
  url: "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
  area: "kubernetes",
  types: WORKLOAD_TYPES,
  check: (args, report) => {
    if (isExcepted(args.props, NAME)) return;
    const workload = workloadLabel(args.type, args.props, args.name);
    for (const container of containersOf(podSpecOf(args.type, args.props))) {
      whenKnown(() => {
        if (asObject(container.props.securityContext).readOnlyRootFilesystem !== true) {
          report(
            `${workload}: ${container.label} has a writable root filesystem; set ` +
              `securityContext.readOnlyRootFilesystem: true, or annotate the workload with ` +
              `${EXCEPTION_PREFIX}${NAME}: <reason>`,
          );
        }
      });
    }
  },
});
