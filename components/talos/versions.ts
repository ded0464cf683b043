/**
 * Version rules of a Talos cluster's lifecycle: which Kubernetes releases a Talos line runs, and which version
 * changes an upgrade may make in one step. Pure functions of version strings, used by the config (what can be known
 * before anything runs) and by the upgrade resources (what only the running version can tell).
 */

/** A release as numbers. */
export interface Release {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** `vX.Y.Z` (Talos) or `X.Y.Z` (Kubernetes) as numbers, or undefined when it is neither. */
export function parseRelease(version: string): Release | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } : undefined;
}

function compare(a: Release, b: Release): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * The Kubernetes minor releases each Talos line supports, from its support matrix
 * (https://docs.siderolabs.com/talos/v1.13/getting-started/support-matrix and the same page of v1.11 and v1.12).
 */
export const KUBERNETES_SUPPORT: Readonly<Record<string, readonly number[]>> = {
  "v1.11": [29, 30, 31, 32, 33, 34],
  "v1.12": [30, 31, 32, 33, 34, 35],
  "v1.13": [31, 32, 33, 34, 35, 36],
};

/** Talos's upgrade guide, "Supported upgrade paths": adjacent minor releases only. */
export const TALOS_UPGRADE_PATHS_URL =
  "https://docs.siderolabs.com/talos/v1.13/configure-your-talos-cluster/lifecycle-management/upgrading-talos#supported-upgrade-paths";

/** Kubernetes' version skew policy: the control plane moves one minor release at a time. */
export const KUBERNETES_SKEW_URL =
  "https://kubernetes.io/releases/version-skew-policy/#supported-component-upgrade-order";

/**
 * Why Talos `line` (`v1.13`) cannot run Kubernetes `kubernetesVersion`, or null when it can; the message reads after
 * the setting's name.
 */
export function kubernetesSupportProblem(line: string, kubernetesVersion: string): string | null {
  const release = parseRelease(kubernetesVersion);
  const supported = KUBERNETES_SUPPORT[line];
  if (release === undefined || supported === undefined) return null;
  if (release.major === 1 && supported.includes(release.minor)) return null;
  return (
    `${kubernetesVersion} is not supported by Talos ${line}, which runs Kubernetes ` +
    `1.${supported[0]} to 1.${supported[supported.length - 1]} ` +
    `(https://docs.siderolabs.com/talos/${line}/getting-started/support-matrix); pick a release in that range`
  );
}

/**
 * Why a node running Talos `from` cannot be upgraded to `to` in one step, or null when it can: Talos migrates its
 * configuration only between adjacent minor releases (the upgrade guide's "Supported upgrade paths"), and a lower
 * version is a rollback, which `talosctl rollback` does, not an upgrade.
 */
export function talosUpgradeProblem(from: string, to: string, key: string): string | null {
  const a = parseRelease(from);
  const b = parseRelease(to);
  if (a === undefined || b === undefined || compare(a, b) === 0) return null;
  if (compare(b, a) < 0) {
    return (
      `${key} ${to} is older than the running ${from}; Talos does not downgrade through an upgrade. Set it back ` +
      `to ${from}, and roll a node back with talosctl rollback (docs/runbooks/cluster-upgrade.md)`
    );
  }
  if (b.major !== a.major || b.minor - a.minor > 1) {
    const next = `v${a.major}.${a.minor + 1}`;
    return (
      `${key} ${to} skips ${next} from the running ${from}; Talos upgrades between adjacent minor releases only ` +
      `(${TALOS_UPGRADE_PATHS_URL}). Set it to the newest ${next} patch release, run pulumi up, then set ${to}`
    );
  }
  return null;
}

/**
 * Why the cluster's Kubernetes `from` cannot be moved to `to` in one step, or null when it can: the control plane
 * moves one minor release at a time (Kubernetes' version skew policy; Talos's upgrade-k8s follows it) and is never
 * downgraded.
 */
export function kubernetesUpgradeProblem(from: string, to: string, key: string): string | null {
  const a = parseRelease(from);
  const b = parseRelease(to);
  if (a === undefined || b === undefined || compare(a, b) === 0) return null;
  if (compare(b, a) < 0) {
    return (
      `${key} ${to} is older than the running ${from}; Kubernetes does not support downgrades. Set it back to ` +
      `${from}`
    );
  }
  if (b.major !== a.major || b.minor - a.minor > 1) {
    const next = `${a.major}.${a.minor + 1}`;
    return (
      `${key} ${to} skips ${next} from the running ${from}; Kubernetes upgrades one minor release at a time ` +
      `(${KUBERNETES_SKEW_URL}). Set it to the newest ${next} patch release, run pulumi up, then set ${to}`
    );
  }
  return null;
}
