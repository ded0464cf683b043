import * as pulumi from "@pulumi/pulumi";
import { Project } from "./project";
import { ProtectedBranch } from "./protected-branch";
import { RepositorySeed } from "./repository-seed";

/** The message of every seed commit, so the repository's history shows which commits Pulumi made. */
export const SEED_COMMIT_MESSAGE = "Seed the GitOps repository (managed by Pulumi, group stack)";

/** Arguments of {@link GitopsRepository}. */
export interface GitopsRepositoryArgs {
  /** Full path of the repository project, e.g. `mson/gitops`; its group must exist. */
  readonly projectPath: string;
  /** The seed: file contents by path in the repository (components/kubernetes/flux/seed.ts renders them). */
  readonly files: Readonly<Record<string, string>>;
  /**
   * The branch Flux follows: the default branch of a new project, the branch seeded and protected.
   * @default "main"
   */
  readonly branch?: string;
}

const PROJECT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

/** Every problem with the arguments, each naming the argument and the fix. */
export function gitopsRepositoryArgsProblems(args: GitopsRepositoryArgs): string[] {
  const problems: string[] = [];
  if (!PROJECT_PATH.test(args.projectPath)) {
    problems.push(`projectPath '${args.projectPath}' must be the project's full path, e.g. 'mson/gitops'`);
  }
  if (Object.keys(args.files).length === 0) problems.push("files must hold at least one seed file");
  if (args.branch !== undefined && !/^\S+$/.test(args.branch)) {
    problems.push(`branch '${args.branch}' must be a branch name without spaces, e.g. 'main'`);
  }
  return problems;
}

/**
 * The GitOps repository Flux follows: the project (created private and empty, or the existing project of that path
 * adopted), the seed files of the cluster paths committed to its branch, and that branch protected. Type
 * `foundation:gitlab:GitopsRepository`.
 *
 * The project is `protect: true` and `retainOnDelete: true`, set on the resource so that no caller's option can lift
 * it (docs/architecture.md, "Protection"): its repository holds what every cluster runs and the history of it, so a
 * line dropped from config or a change of path must stop `pulumi up`, and even a deliberate `pulumi state unprotect`
 * only lets the stack forget the project, never delete it (the provider never deletes projects either). The
 * protected branch is `protect: true` like the Foundation project's rules (project-protection.ts): it is a security
 * control, so removing it must be deliberate. The seed is not protected: deleting it removes no file.
 */
export class GitopsRepository extends pulumi.ComponentResource {
  /** The project's full path, known once the project exists (a dependency on it). */
  readonly projectPath: pulumi.Output<string>;
  /** GitLab's ID of the project. */
  readonly projectId: pulumi.Output<number>;
  /** The branch seeded, protected and followed by Flux. */
  readonly branch: string;
  /** The project resource: what the deploy key depends on. */
  readonly project: Project;
  /** Seed files that hold something other than what the seed wrote. */
  readonly leftAlone: pulumi.Output<string[]>;

  constructor(name: string, args: GitopsRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:gitlab:GitopsRepository", name, {}, opts);
    const problems = gitopsRepositoryArgsProblems(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`GitopsRepository '${name}': ${problems.join("; ")}`, this);
    }
    const branch = (this.branch = args.branch ?? "main");
    this.project = new Project(
      `${name}-project`,
      { projectPath: args.projectPath, defaultBranch: branch },
      { parent: this, protect: true, retainOnDelete: true },
    );
    const seed = new RepositorySeed(
      `${name}-seed`,
      { projectPath: args.projectPath, branch, files: { ...args.files }, commitMessage: SEED_COMMIT_MESSAGE },
      { parent: this, dependsOn: [this.project] },
    );
    // After the seed: the first push to an empty repository's default branch makes GitLab protect it with the
    // instance's default rule, which this then takes over and tightens instead of racing it
    // (https://docs.gitlab.com/user/project/repository/branches/default/#protect-initial-default-branches).
    // Maintainers push and merge; teams propose changes by merge request. The deploy key reads only.
    new ProtectedBranch(
      `${name}-branch-${branch.replace(/[^A-Za-z0-9._-]+/g, "-")}`,
      {
        projectPath: args.projectPath,
        name: branch,
        pushAccessLevel: 40,
        mergeAccessLevel: 40,
        unprotectAccessLevel: 40,
        allowForcePush: false,
      },
      { parent: this, protect: true, dependsOn: [seed] },
    );
    this.projectPath = this.project.projectPath;
    this.projectId = this.project.projectId;
    this.leftAlone = seed.leftAlone;
    // A seed file people changed is left alone by rule; say so on every run, or a changed seed would not land
    // without anyone noticing.
    this.leftAlone.apply((paths) => {
      // Absent until the seed has run.
      if (paths !== undefined && paths.length > 0) {
        void pulumi.log.warn(
          `the seed left ${paths.join(", ")} alone: changed in GitLab since it was written; merge the new seed by hand`,
          this,
        );
      }
    });
    this.registerOutputs({ projectPath: this.projectPath, projectId: this.projectId, leftAlone: this.leftAlone });
  }
}
