/**
 * Pure renderers of the objects that hand the cluster to Flux: the deploy-key Secret, the `GitRepository` and the
 * root `Kustomization`, as Flux's specs define them (https://fluxcd.io/flux/components/source/gitrepositories/,
 * https://fluxcd.io/flux/components/kustomize/kustomizations/).
 */
import { createHash } from "node:crypto";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { parseAllDocuments } from "yaml";

/** The namespace `install.yaml` creates and every Flux object of the cluster lives in. */
export const FLUX_NAMESPACE = "flux-system";

/** The name of the root objects, as `flux bootstrap` names them. */
export const FLUX_ROOT_NAME = "flux-system";

/**
 * The Flux release the cluster runs: v2.8.5 (https://github.com/fluxcd/flux2/releases/tag/v2.8.5), the appVersion of
 * the newest community chart when it was pinned (`flux2` 2.18.3,
 * https://github.com/fluxcd-community/helm-charts/tree/main/charts/flux2). Its API versions are the `v1` ones used
 * below.
 */
export const FLUX_VERSION = "v2.8.5";

/** Where a Flux release publishes its all-in-one manifest (CRDs, controllers, RBAC, network policies). */
export function fluxInstallUrl(version: string): string {
  if (!/^v\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`flux version '${version}' must be a release tag vX.Y.Z, e.g. ${FLUX_VERSION}`);
  }
  return `https://github.com/fluxcd/flux2/releases/download/${version}/install.yaml`;
}

/**
 * Where `install.yaml` comes from. `release`: the pinned release's URL, fetched by the Kubernetes provider at
 * deploy time over TLS. `vendored`: a copy in the repository, checked against its SHA-256 before anything is
 * applied (for a deploy host without access to GitHub, or to review every byte that reaches the cluster).
 */
export type FluxInstallSource =
  | { readonly kind: "release"; readonly version: string }
  | { readonly kind: "vendored"; readonly path: string; readonly sha256: string };

/**
 * The `file` argument of the install `ConfigFile`: the release URL, or the vendored file's path once its content
 * matches the pinned digest and parses as Kubernetes objects. `read` returns the file's bytes.
 */
export function fluxInstallFile(source: FluxInstallSource, read: (path: string) => Buffer): string {
  if (source.kind === "release") return fluxInstallUrl(source.version);
  if (!/^[0-9a-f]{64}$/.test(source.sha256)) {
    throw new Error(`install.sha256 '${source.sha256}' must be the 64 lowercase hex digits of the file's SHA-256`);
  }
  const content = read(source.path);
  const actual = createHash("sha256").update(content).digest("hex");
  if (actual !== source.sha256) {
    throw new Error(
      `install.path '${source.path}' has SHA-256 ${actual}, not the pinned ${source.sha256}; vendor the release's ` +
        "install.yaml again and check it against the release's checksums, or pin the new digest after review",
    );
  }
  const documents = parseAllDocuments(content.toString("utf8"));
  const kinds = (Array.isArray(documents) ? documents : [])
    .map((document) => document.toJS() as { kind?: unknown } | null)
    .filter((object) => object !== null && typeof object.kind === "string");
  if (kinds.length === 0) {
    throw new Error(`install.path '${source.path}' holds no Kubernetes objects; vendor Flux's install.yaml there`);
  }
  return source.path;
}

/** Settings of the cluster's GitOps source and root sync, as plain values. */
export interface FluxSyncSettings {
  /** The GitOps repository, `ssh://git@<host>/<group>/<repo>.git` (source-controller rejects the scp-like form). */
  readonly url: string;
  /** Branch Flux follows. */
  readonly branch: string;
  /** Path of the cluster's root in the repository, `./clusters/<cluster>`. */
  readonly path: string;
  /** How often the repository is fetched, a Go duration. */
  readonly syncInterval: string;
  /** How often the root Kustomization is reconciled, a Go duration (Flux recommends at least 60 s). */
  readonly reconcileInterval: string;
}

/** A `GitRepository` (source.toolkit.fluxcd.io/v1). */
export interface GitRepositoryObject {
  readonly apiVersion: "source.toolkit.fluxcd.io/v1";
  readonly kind: "GitRepository";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly interval: string;
    readonly url: string;
    readonly ref: { readonly branch: string };
    readonly secretRef: { readonly name: string };
  };
}

/** A `Kustomization` (kustomize.toolkit.fluxcd.io/v1). */
export interface KustomizationObject {
  readonly apiVersion: "kustomize.toolkit.fluxcd.io/v1";
  readonly kind: "Kustomization";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly interval: string;
    readonly path: string;
    readonly prune: boolean;
    readonly timeout: string;
    readonly sourceRef: { readonly kind: "GitRepository"; readonly name: string };
  };
}

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const SSH_URL = /^ssh:\/\/[A-Za-z0-9._-]+@[A-Za-z0-9.-]+(:\d{1,5})?\/[A-Za-z0-9._/-]+$/;
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/;
const KNOWN_HOSTS_LINE =
  /^(@cert-authority |@revoked )?\S+ (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,2}( .*)?$/;

function durationSeconds(value: string): number {
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(match[1]) * units[match[2]];
  return total;
}

/** Every problem with the sync settings, each naming the setting and the fix. */
export function fluxSyncProblems(settings: FluxSyncSettings): string[] {
  const problems: string[] = [];
  if (SCP_LIKE.test(settings.url)) {
    problems.push(
      `repositoryUrl '${settings.url}' is the scp-like form, which Flux does not support; write it ` +
        "ssh://git@<host>/<group>/<repo>.git",
    );
  } else if (!SSH_URL.test(settings.url)) {
    problems.push(
      `repositoryUrl '${settings.url}' must be ssh://git@<host>/<group>/<repo>.git (the deploy key is SSH)`,
    );
  }
  if (!/^[A-Za-z0-9._/-]+$/.test(settings.branch) || settings.branch.startsWith("/")) {
    problems.push(`branch '${settings.branch}' must be a branch name, e.g. main`);
  }
  if (!/^\.\/[A-Za-z0-9._/-]*$/.test(settings.path) || settings.path.split("/").includes("..")) {
    problems.push(`path '${settings.path}' must be a path inside the repository starting with ./, e.g. ./clusters/lab`);
  }
  for (const [key, value, minimum] of [
    ["syncInterval", settings.syncInterval, 1],
    ["reconcileInterval", settings.reconcileInterval, 60],
  ] as const) {
    if (!GO_DURATION.test(value)) {
      problems.push(`${key} '${value}' must be a Go duration, e.g. 1m or 10m`);
    } else if (durationSeconds(value) < minimum) {
      problems.push(
        `${key} '${value}' is shorter than ${minimum} s; Flux's controllers would be kept busy for nothing`,
      );
    }
  }
  return problems;
}

/** Problems with the `known_hosts` content: it pins the Git server's host keys, so it must hold at least one. */
export function knownHostsProblems(knownHosts: string): string[] {
  const lines = knownHosts.split("\n").filter((line) => line.trim().length > 0 && !line.startsWith("#"));
  if (lines.length === 0) {
    return ["knownHosts is empty; give the Git server's host key lines (ssh-keyscan output, checked out of band)"];
  }
  return lines
    .filter((line) => !KNOWN_HOSTS_LINE.test(line))
    .map((line) => `knownHosts line '${line.slice(0, 40)}' is not '<host> <key-type> <base64-key>'`);
}

/**
 * The deploy-key Secret the GitRepository reads: `identity` (the private key) and `known_hosts`. Generic in the
 * value type, so a component passes Pulumi secrets through untouched and tests render plain strings.
 */
export function deployKeySecret<V = string>(
  identity: V,
  knownHosts: string,
): Omit<ISecret, "stringData"> & { stringData: { identity: V; known_hosts: string } } {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: FLUX_ROOT_NAME,
      namespace: FLUX_NAMESPACE,
      labels: { "app.kubernetes.io/managed-by": "pulumi" },
    },
    type: "Opaque",
    stringData: { identity, known_hosts: knownHosts.endsWith("\n") ? knownHosts : `${knownHosts}\n` },
  };
}

/** The GitRepository of the cluster's GitOps repository, authenticated with the deploy-key Secret. */
export function gitRepository(settings: FluxSyncSettings): GitRepositoryObject {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name: FLUX_ROOT_NAME, namespace: FLUX_NAMESPACE },
    spec: {
      interval: settings.syncInterval,
      url: settings.url,
      ref: { branch: settings.branch },
      secretRef: { name: FLUX_ROOT_NAME },
    },
  };
}

/**
 * The root Kustomization: applies the cluster's path and prunes what leaves Git (`prune` is required by the v1
 * API), so the repository stays the whole truth for what Flux manages.
 */
export function rootKustomization(settings: FluxSyncSettings): KustomizationObject {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: FLUX_ROOT_NAME, namespace: FLUX_NAMESPACE },
    spec: {
      interval: settings.reconcileInterval,
      path: settings.path,
      prune: true,
      timeout: "5m",
      sourceRef: { kind: "GitRepository", name: FLUX_ROOT_NAME },
    },
  };
}
