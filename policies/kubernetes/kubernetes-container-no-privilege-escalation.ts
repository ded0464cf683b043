import { asObject, defineResourcePolicy, whenKnown } from "../policy";
import { containersOf, EXCEPTION_PREFIX, isExcepted, podSpecOf, WORKLOAD_TYPES, workloadLabel } from "./workloads";

const NAME = "kubernetes-container-no-privilege-escalation";

/**
 * Containers set `allowPrivilegeEscalation: false`, so no process in them gains more privileges than its parent
 * (setuid binaries, file capabilities), as the restricted Pod Security Standard requires. The setting exists only on
 * the container's security context. Exceptions are declared on the workload with `policy.foundation/<this
 * policy>: <reason>`.
 */
export const kubernetesContainerNoPrivilegeEscalation = defineResourcePolicy({
  name: NAME,
  description: "Containers forbid privilege escalation unless the workload declares an exception with its reason.",
  severity: "high",
  remediationSteps:
    "Set securityContext.allowPrivilegeEscalation: false on every container and init container (with " +
    `capabilities.drop: ["ALL"]). A privileged container always escalates: annotate its workload with ` +
    `${EXCEPTION_PREFIX}${NAME}: "<why>" and run it in a privileged namespace.`,
  url: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
  area: "kubernetes",
  types: WORKLOAD_TYPES,
  check: (args, report) => {
    if (isExcepted(args.props, NAME)) return;
    const workload = workloadLabel(args.type, args.props, args.name);
    for (const container of containersOf(podSpecOf(args.type, args.props))) {
      whenKnown(() => {
        if (asObject(container.props.securityContext).allowPrivilegeEscalation !== false) {
          report(
            `${workload}: ${container.label} allows privilege escalation; set ` +
              `securityContext.allowPrivilegeEscalation: false, or annotate the workload with ` +
              `${EXCEPTION_PREFIX}${NAME}: <reason>`,
          );
        }
      });
    }
  },
});
