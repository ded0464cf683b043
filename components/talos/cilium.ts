/**
 * Cilium as the cluster's CNI, installed at bootstrap from the control planes' machine config: the CNI Talos deploys
 * is `none`, kube-proxy is off (Cilium replaces it, reaching the API server through KubePrism on localhost:7445), and
 * an inline manifest runs a Job that installs a pinned Cilium release with the Cilium CLI: Talos's documented "job"
 * method (https://www.talos.dev/v1.11/kubernetes-guides/network/deploying-cilium/#method-5-using-a-job), because the
 * chart cannot be rendered at plan time without network access. The values are those of Talos's Cilium guide
 * (https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium): Kubernetes IPAM, Talos's own cgroup mount, and
 * the agent's capabilities without SYS_MODULE (Talos lets no workload load kernel modules). Cilium enforces
 * Kubernetes NetworkPolicy, which Flannel does not.
 *
 * Talos creates what is missing from an inline manifest and never updates it, so the Job installs once, at bootstrap;
 * a later Cilium release is rolled out with `cilium upgrade` (docs/runbooks/cluster-upgrade.md), and the pinned
 * version here is raised with it so a rebuilt cluster installs the same release.
 */
import { Document } from "yaml";
import { isDigestPinnedImage } from "../common/validation";

/** A pinned Cilium. */
export interface CiliumSettings {
  /** The Cilium release, `X.Y.Z`. */
  readonly version: string;
  /** The Cilium CLI image that installs it, pinned by digest. */
  readonly cliImage: string;
}

/** The Helm values of Talos's Cilium guide, kube-proxy-free, as `--set` pairs in a fixed order. */
export const CILIUM_VALUES: readonly (readonly [string, string])[] = [
  ["ipam.mode", "kubernetes"],
  ["kubeProxyReplacement", "true"],
  [
    "securityContext.capabilities.ciliumAgent",
    "{CHOWN,KILL,NET_ADMIN,NET_RAW,IPC_LOCK,SYS_ADMIN,SYS_RESOURCE,DAC_OVERRIDE,FOWNER,SETGID,SETUID}",
  ],
  ["securityContext.capabilities.cleanCiliumState", "{NET_ADMIN,SYS_ADMIN,SYS_RESOURCE}"],
  ["cgroup.autoMount.enabled", "false"],
  ["cgroup.hostRoot", "/sys/fs/cgroup"],
  // KubePrism: the API server on every node, before any Service works (there is no CNI yet).
  ["k8sServiceHost", "localhost"],
  ["k8sServicePort", "7445"],
];

/** Why the settings cannot be rendered, or an empty list. */
export function ciliumProblems(settings: CiliumSettings): string[] {
  const problems: string[] = [];
  if (!/^\d+\.\d+\.\d+$/.test(settings.version)) {
    problems.push(`cilium.version '${settings.version}' must be a Cilium release X.Y.Z, e.g. 1.18.0`);
  }
  if (!isDigestPinnedImage(settings.cliImage)) {
    problems.push(`cilium.cliImage '${settings.cliImage}' must be an image pinned by digest (@sha256:<64 hex>)`);
  }
  return problems;
}

/** The Kubernetes objects of the inline manifest: the installer's ServiceAccount, its binding and the Job. */
export function ciliumInstallObjects(settings: CiliumSettings): Record<string, unknown>[] {
  const problems = ciliumProblems(settings);
  if (problems.length > 0) throw new Error(`Cilium: ${problems.join("; ")}`);
  const name = "cilium-install";
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: "kube-system" } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name },
      // Installing a CNI creates CRDs, ClusterRoles and DaemonSets: nothing short of cluster-admin does.
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name, namespace: "kube-system" }],
    },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: "kube-system" },
      spec: {
        backoffLimit: 10,
        template: {
          metadata: { labels: { app: name } },
          spec: {
            restartPolicy: "OnFailure",
            serviceAccountName: name,
            // No CNI runs yet, so no Service does either: the Job uses the node's network and its API server.
            hostNetwork: true,
            tolerations: [{ operator: "Exists" }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] },
                  ],
                },
              },
            },
            containers: [
              {
                name: "install",
                image: settings.cliImage,
                env: [
                  {
                    name: "KUBERNETES_SERVICE_HOST",
                    valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } },
                  },
                  { name: "KUBERNETES_SERVICE_PORT", value: "6443" },
                ],
                command: [
                  "cilium",
                  "install",
                  "--version",
                  settings.version,
                  ...CILIUM_VALUES.flatMap(([key, value]) => ["--set", `${key}=${value}`]),
                ],
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
              },
            ],
          },
        },
      },
    },
  ];
}

/** The inline manifest (`cluster.inlineManifests` entry) that installs Cilium: the objects as one YAML stream. */
export function ciliumInlineManifest(settings: CiliumSettings): { name: string; contents: string } {
  const contents = ciliumInstallObjects(settings)
    .map((object, index) => {
      const document = new Document(object);
      if (index > 0 && document.directives) document.directives.docStart = true;
      return document.toString({ lineWidth: 0 });
    })
    .join("");
  return { name: "cilium-install", contents };
}
