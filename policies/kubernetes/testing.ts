/**
 * Test fixtures of the Kubernetes policies: a Deployment that passes every one of them, and a way to change one
 * container of it.
 */
import type { ResourceFixture } from "../testing";

/** A container that passes every container policy. */
export const GOOD_CONTAINER = {
  name: "app",
  image: "registry.example.com/eve/app:1.4.2",
  resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  securityContext: {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  },
  readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
  livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
};

/** The Deployment type token. */
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** A Deployment `eve/app` whose pod runs `containers` (default: the good one), with extra metadata. */
export function deployment(
  containers: readonly Record<string, unknown>[] = [GOOD_CONTAINER],
  metadata: Record<string, unknown> = {},
  podSpec: Record<string, unknown> = {},
): ResourceFixture {
  return {
    type: DEPLOYMENT,
    name: "eve-deployment",
    props: {
      metadata: { name: "app", namespace: "eve", ...metadata },
      spec: {
        selector: { matchLabels: { app: "eve" } },
        template: { metadata: { labels: { app: "eve" } }, spec: { containers, ...podSpec } },
      },
    },
  };
}

/** The good container with `changes` merged into it (and into its securityContext, when given). */
export function container(
  changes: Record<string, unknown>,
  securityContext: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...GOOD_CONTAINER, ...changes, securityContext: { ...GOOD_CONTAINER.securityContext, ...securityContext } };
}
