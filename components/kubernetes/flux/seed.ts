/**
 * The files that seed a cluster's path in the GitOps repository, so the root Kustomization (objects.ts) has something
 * to reconcile from the first commit on. Flux's kustomize-controller builds the path with kustomize, reading its
 * `kustomization.yaml` (and generating one only when none exists;
 * https://fluxcd.io/flux/components/kustomize/kustomizations/#generating-a-kustomizationyaml-file), and Git keeps no
 * empty directory, so the seed is an explicit, empty tree: the cluster's `kustomization.yaml` including `apps/`, and
 * `apps/kustomization.yaml` with no resources yet, where teams add theirs by merge request.
 *
 * The seed holds nothing of Flux itself: the controllers, the GitRepository and the root Kustomization are Pulumi's
 * (docs/lab.md, "What Pulumi manages and what Flux manages"), and a copy in Git would be pruned or fought over.
 */
import { Document } from "yaml";

/** What the seed is rendered from. */
export interface GitopsSeedInput {
  /** The cluster's path in the repository, as the root Kustomization names it, e.g. `./clusters/lab`. */
  readonly path: string;
}

/** A kustomize `Kustomization` (kustomize.config.k8s.io/v1beta1), the build file of a directory. */
interface KustomizeFile {
  readonly apiVersion: "kustomize.config.k8s.io/v1beta1";
  readonly kind: "Kustomization";
  readonly resources: string[];
}

/** The directory teams add their workloads under. */
export const APPS_DIRECTORY = "apps";

function kustomizeFile(resources: string[]): string {
  const file: KustomizeFile = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources };
  return new Document(file).toString();
}

/**
 * The seed's files by their path in the repository (without the leading `./`), with their contents. Throws when the
 * path is not one the root Kustomization accepts.
 */
export function renderGitopsSeed(input: GitopsSeedInput): Record<string, string> {
  if (!/^\.\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(input.path) || input.path.split("/").includes("..")) {
    throw new Error(
      `GitOps seed: path '${input.path}' must be a directory inside the repository starting with ./, e.g. ./clusters/lab`,
    );
  }
  const root = input.path.slice(2);
  return {
    [`${root}/kustomization.yaml`]: kustomizeFile([APPS_DIRECTORY]),
    [`${root}/${APPS_DIRECTORY}/kustomization.yaml`]: kustomizeFile([]),
  };
}
