/**
 * The lab config's version rules that are known before anything runs: both Talos versions on a line the renderer
 * writes, the boot image at most one minor release behind the running version (a new node is upgraded from it in
 * one step), and a Kubernetes release both lines run. What only the running cluster knows (a skipped minor release
 * from the version the nodes run) is refused by the upgrade resources themselves (components/talos/node-lifecycle.ts).
 */
import { talosLine } from "../../components/talos/machine-config";
import { kubernetesSupportProblem, parseRelease } from "../../components/talos/versions";

/** The version keys of `foundation:talos`. */
export interface TalosVersionSettings {
  readonly talosVersion: string;
  readonly imageVersion: string;
  readonly kubernetesVersion: string;
}

/** Every version problem, each at its key under `foundation:talos` with the fix. */
export function talosVersionProblems(talos: TalosVersionSettings): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  const lines = new Map<string, string>();
  for (const key of ["talosVersion", "imageVersion"] as const) {
    try {
      lines.set(key, talosLine(talos[key]));
    } catch (error) {
      problems.push({ path: [key], message: (error as Error).message.replace(/^talosVersion '[^']*' /, "") });
    }
  }
  const running = parseRelease(talos.talosVersion);
  const image = parseRelease(talos.imageVersion);
  if (running && image) {
    const newer =
      image.major !== running.major ||
      image.minor > running.minor ||
      (image.minor === running.minor && image.patch > running.patch);
    if (newer || running.minor - image.minor > 1) {
      problems.push({
        path: ["imageVersion"],
        message:
          `${talos.imageVersion} must not be newer than talosVersion ${talos.talosVersion} and at most one minor ` +
          "release behind it, so a new node booted from it can be upgraded in one step; changing it replaces every " +
          "VM (docs/runbooks/cluster-upgrade.md)",
      });
    }
  }
  for (const line of new Set(lines.values())) {
    const problem = kubernetesSupportProblem(line, talos.kubernetesVersion);
    if (problem !== null) problems.push({ path: ["kubernetesVersion"], message: problem });
  }
  return problems;
}
