import { defineResourcePolicy, whenKnown } from "../policy";
import { effective } from "./security-context";
import { containersOf, EXCEPTION_PREFIX, isExcepted, podSpecOf, WORKLOAD_TYPES, workloadLabel } from "./workloads";

const NAME = "kubernetes-container-nonroot";

/**
 * Containers run as a non-root user: `runAsNonRoot: true` (the kubelet then refuses an image whose user is root) or
 * an explicit non-zero `runAsUser`, on the container or the pod, as the restricted Pod Security Standard requires.
 * A workload that must run as root (Docker-in-Docker) says so with the annotation `policy.foundation/<this
 * policy>: <reason>`, so the exception and its reason are in the code under review.
 */
export const kubernetesContainerNonroot = defineResourcePolicy({
  name: NAME,
  description: "Containers run as a non-root user unless the workload declares an exception with its reason.",
  severity: "high",
  remediationSteps:
    "Set securityContext.runAsNonRoot: true (and runAsUser to the image's non-root uid when the image does not " +
    `name one) on the pod or the container. If it really must run as root, annotate the workload with ` +
    `${EXCEPTION_PREFIX}${NAME}: "<why>".`,
  url: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
  area: "kubernetes",
  types: WORKLOAD_TYPES,
  check: (args, report) => {
    if (isExcepted(args.props, NAME)) return;
    const workload = workloadLabel(args.type, args.props, args.name);
    const podSpec = podSpecOf(args.type, args.props);
    for (const container of containersOf(podSpec)) {
      whenKnown(() => {
        const user = effective(podSpec, container.props, "runAsUser");
        const nonRoot = effective(podSpec, container.props, "runAsNonRoot");
        const safe = typeof user === "number" ? user > 0 : nonRoot === true;
        if (!safe) {
          report(
            `${workload}: ${container.label} may run as root; set securityContext.runAsNonRoot: true, or annotate ` +
              `the workload with ${EXCEPTION_PREFIX}${NAME}: <reason>`,
          );
        }
      });
    }
  },
});
