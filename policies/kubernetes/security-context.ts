/**
 * The security context that applies to a container: its own settings over the pod's, as the kubelet merges them
 * (https://kubernetes.io/docs/tasks/configure-pod-container/security-context/).
 */
import { asObject } from "../policy";

/** `key` of the container's securityContext, else of the pod's (for the keys a pod-level context also has). */
export function effective(podSpec: Record<string, unknown>, container: Record<string, unknown>, key: string): unknown {
  const own = asObject(container.securityContext)[key];
  return own !== undefined ? own : asObject(podSpec.securityContext)[key];
}
