/**
 * What every platform service shares: the pinned charts, namespaces with Pod Security labels, container resources,
 * the Helm release and the AWS credentials Secret the controllers read.
 */
import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { isDnsLabel } from "../../common/validation";

/** A Pod Security Standard level (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** A Helm chart pinned to one version in one repository. */
export interface PinnedChart {
  /** Chart name in `repo`, or a full `oci://` reference when `repo` is absent. */
  readonly chart: string;
  /** Exact chart version: never a range, so a plan today and a deploy tomorrow install the same thing. */
  readonly version: string;
  /** Helm repository URL; absent for OCI charts. */
  readonly repo?: string;
}

/**
 * The charts of the platform services. Versions are the newest releases, when they were pinned, of the sources cited
 * beside each one (the projects' own repositories and release pages); upgrade them here, one at a time, after
 * reading the chart's upgrade notes.
 */
export const CHARTS = {
  // 0.16.1: the metallb/metallb release v0.16.1, https://github.com/metallb/metallb/releases/tag/v0.16.1.
  metallb: { chart: "metallb", version: "0.16.1", repo: "https://metallb.github.io/metallb" },
  // 42.4.1: github.com/traefik/traefik-helm-chart/releases/tag/v42.4.1 (Traefik Proxy v3.7 line).
  traefik: { chart: "traefik", version: "42.4.1", repo: "https://traefik.github.io/charts" },
  // 0.5.9 (app v0.19.1): sergelogvinov/proxmox-csi-plugin charts/proxmox-csi-plugin/Chart.yaml, published only as
  // an OCI chart (https://github.com/sergelogvinov/proxmox-csi-plugin/blob/main/docs/install.md).
  proxmoxCsi: { chart: "oci://ghcr.io/sergelogvinov/charts/proxmox-csi-plugin", version: "0.5.9" },
  // 0.0.32: rancher/local-path-provisioner deploy/chart/local-path-provisioner/Chart.yaml. Rancher publishes no
  // Helm repository; containeroo/helm-charts republishes the upstream chart under the upstream version.
  localPath: { chart: "local-path-provisioner", version: "0.0.32", repo: "https://charts.containeroo.ch" },
  // 2.14.0: the external-secrets release notes of v2.14.0 (sylva-core merge request 9896 carries them).
  externalSecrets: { chart: "external-secrets", version: "2.14.0", repo: "https://charts.external-secrets.io" },
  // 1.21.1 (app 0.21.0): kubernetes-sigs/external-dns charts/external-dns/Chart.yaml
  // (https://github.com/kubernetes-sigs/external-dns/tree/master/charts/external-dns).
  externalDns: { chart: "external-dns", version: "1.21.1", repo: "https://kubernetes-sigs.github.io/external-dns/" },
  // v1.21.1: the cert-manager v1.21.1 release notes ("All users should upgrade"; sylva-core merge request 8842).
  certManager: { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" },
} as const satisfies Record<string, PinnedChart>;

/**
 * A namespace with its Pod Security labels. Talos enforces `baseline` on every namespace but `kube-system`
 * (https://docs.siderolabs.com/kubernetes-guides/security/pod-security), so each service says what it needs: `enforce`
 * at `level`, and `audit`/`warn` at `restricted` (the Talos default) unless the namespace is privileged, where
 * MetalLB's install guide asks for all three.
 */
export function namespaceSpec(name: string, level: PodSecurityLevel): INamespace {
  const report = level === "privileged" ? "privileged" : "restricted";
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/audit": report,
        "pod-security.kubernetes.io/warn": report,
      },
    },
  };
}

/** Requests and limits of one container: every container of the platform sets both. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Resources of a container: `cpu`/`memory` requested, limited to `cpuLimit`/`memoryLimit`. */
export function resources(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): ContainerResources {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/** The same, as the Kubernetes API type (for rendered objects). */
export function resourceRequirements(r: ContainerResources): IResourceRequirements {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** The security context every non-privileged platform container runs with: what `restricted` demands, and more. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const;

/** An AWS access key pair, as the `aws` stack exports it (`labDnsCredentials`, `labSecretsCredentials`). */
export interface AwsAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Data keys of the AWS credentials Secrets the controllers read. */
export const AWS_CREDENTIAL_KEYS = { accessKeyId: "access-key-id", secretAccessKey: "secret-access-key" } as const;

/**
 * The Secret that holds an AWS access key for a controller. Generic in the value type so the component passes
 * Pulumi secrets through untouched and the tests render plain strings.
 */
export function awsCredentialsSecretSpec<V = string>(
  name: string,
  namespace: string,
  key: { readonly accessKeyId: V; readonly secretAccessKey: V },
): Omit<ISecret, "stringData"> & { stringData: Record<string, V> } {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
    type: "Opaque",
    stringData: {
      [AWS_CREDENTIAL_KEYS.accessKeyId]: key.accessKeyId,
      [AWS_CREDENTIAL_KEYS.secretAccessKey]: key.secretAccessKey,
    },
  };
}

/** Creates the Secret of {@link awsCredentialsSecretSpec}; the key stays a Pulumi secret end to end. */
export function createAwsCredentialsSecret(
  resourceName: string,
  secretName: string,
  namespace: kubernetes.core.v1.Namespace,
  key: pulumi.Input<AwsAccessKey>,
  parent: pulumi.Resource,
): kubernetes.core.v1.Secret {
  const secretKey = pulumi.secret(key);
  const spec = awsCredentialsSecretSpec(secretName, "", {
    accessKeyId: secretKey.apply((k) => k.accessKeyId),
    secretAccessKey: secretKey.apply((k) => k.secretAccessKey),
  });
  return new kubernetes.core.v1.Secret(
    resourceName,
    {
      metadata: { ...spec.metadata, namespace: namespace.metadata.name },
      type: spec.type,
      stringData: spec.stringData,
    },
    { parent, dependsOn: [namespace] },
  );
}

/** The name of every namespace's default-deny policy. */
export const DEFAULT_DENY_POLICY = "default-deny-ingress";

/**
 * The namespace's default-deny NetworkPolicy: it selects every pod and admits no ingress, so a pod receives only what
 * another policy of its namespace admits. Cilium, the lab's CNI, enforces it (Flannel would not). Egress stays open:
 * the services call AWS, ACME, Proxmox and registries, and their policies admit what reaches them.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic
 */
export function defaultDenyPolicySpec(namespace: string): INetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: DEFAULT_DENY_POLICY, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
  };
}

/**
 * A policy that admits TCP `ports` to the pods matching `podLabels` from anywhere: for what the API server calls
 * (admission webhooks, whose caller a selector cannot name) and for an ingress controller's entry points.
 */
export function allowIngressPolicySpec(
  name: string,
  namespace: string,
  podLabels: Readonly<Record<string, string>>,
  ports: readonly number[],
): INetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
    spec: {
      podSelector: { matchLabels: { ...podLabels } },
      policyTypes: ["Ingress"],
      ingress: [{ ports: ports.map((port) => ({ port, protocol: "TCP" })) }],
    },
  };
}

/** Creates a NetworkPolicy from a rendered spec, in `namespace` and after it. */
export function createNetworkPolicy(
  resourceName: string,
  policy: INetworkPolicy,
  namespace: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): kubernetes.networking.v1.NetworkPolicy {
  return new kubernetes.networking.v1.NetworkPolicy(
    resourceName,
    {
      metadata: { ...policy.metadata, namespace },
      spec: policy.spec as kubernetes.types.input.networking.v1.NetworkPolicySpec,
    },
    opts,
  );
}

/** Creates a namespace from {@link namespaceSpec}, and its default-deny policy ({@link defaultDenyPolicySpec}). */
export function createNamespace(
  resourceName: string,
  name: string,
  level: PodSecurityLevel,
  parent: pulumi.Resource,
): kubernetes.core.v1.Namespace {
  const spec = namespaceSpec(name, level);
  const namespace = new kubernetes.core.v1.Namespace(resourceName, { metadata: spec.metadata }, { parent });
  createNetworkPolicy(`${resourceName}-default-deny`, defaultDenyPolicySpec(name), namespace.metadata.name, {
    parent,
    dependsOn: [namespace],
  });
  return namespace;
}

/**
 * Installs a pinned chart into `namespace` under a fixed release name (so the labels other objects select on are
 * known in advance). Atomic: a failed install or upgrade rolls back instead of leaving a half-applied release.
 */
export function createRelease(
  resourceName: string,
  releaseName: string,
  chart: PinnedChart,
  namespace: kubernetes.core.v1.Namespace,
  values: pulumi.Input<Record<string, unknown>>,
  parent: pulumi.Resource,
  dependsOn: pulumi.Resource[] = [],
): kubernetes.helm.v3.Release {
  return new kubernetes.helm.v3.Release(
    resourceName,
    {
      name: releaseName,
      chart: chart.chart,
      version: chart.version,
      ...(chart.repo === undefined ? {} : { repositoryOpts: { repo: chart.repo } }),
      namespace: namespace.metadata.name,
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
      maxHistory: 5,
      timeout: 600,
      values,
    },
    { parent, dependsOn: [namespace, ...dependsOn] },
  );
}

/** Throws, as an error of `resource`, when `value` is not a DNS-1123 label (namespace, release and object names). */
export function requireDnsLabel(
  resource: pulumi.Resource,
  component: string,
  name: string,
  arg: string,
  value: string,
): void {
  if (!isDnsLabel(value)) {
    throw new pulumi.ResourceError(
      `${component} '${name}': ${arg} '${value}' must be a DNS label (lowercase letters, digits and inner hyphens, at most 63 characters)`,
      resource,
    );
  }
}
