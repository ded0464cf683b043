import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { CommitAction, connectionFromEnv, gitlabApi, GitlabApi, isHttpError } from "./api";
import {
  CheckFailure,
  createOnce,
  diffFields,
  isText,
  isUnknown,
  projectPathFailure,
  withAccess,
} from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** The inputs of a {@link RepositorySeed} as its provider sees them. */
export interface RepositorySeedInputs {
  readonly projectPath: string;
  /** The branch the files are committed to. */
  readonly branch: string;
  /** File contents by path in the repository (no leading `/`). */
  readonly files: Readonly<Record<string, string>>;
  /** The message of every seed commit. */
  readonly commitMessage: string;
}

/** The state of a {@link RepositorySeed}. */
export interface RepositorySeedOutputs extends RepositorySeedInputs {
  /**
   * SHA-256 (hex) of the content this resource last wrote to each file, or found there already identical: what tells
   * its own content apart from a change somebody made after it.
   */
  readonly written: Readonly<Record<string, string>>;
  /** The SHA of the last commit this resource made; empty when it never had to write. */
  readonly commitId: string;
  /**
   * The seed's files that hold something other than what this resource wrote (changed or deleted after the seed, or
   * there with other content before it): left alone, in code-point order.
   */
  readonly leftAlone: readonly string[];
}

function needs(projectPath: string): string {
  return `the Maintainer role (or higher) in project '${projectPath}' (pushing to its protected default branch)`;
}

function identify(inputs: Pick<RepositorySeedInputs, "projectPath" | "branch">): string {
  return `RepositorySeed of '${inputs.projectPath}' on '${inputs.branch}'`;
}

/** SHA-256 of a file's content, hex. */
export function contentHash(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

/** True for a path inside the repository: relative, no empty, `.` or `..` segment. */
function isRepositoryPath(path: string): boolean {
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** Check failures of seed inputs; unknown values pass until they are known. */
export function checkRepositorySeed(news: Partial<RepositorySeedInputs>): CheckFailure[] {
  const failures = [...projectPathFailure(news.projectPath)];
  const known = (value: unknown) => !isUnknown(value);
  if (known(news.branch) && !(isText(news.branch) && !/\s/.test(news.branch))) {
    failures.push({ property: "branch", reason: "branch must be a branch name without spaces, e.g. 'main'" });
  }
  const files = news.files as unknown;
  if (known(files)) {
    const entries = typeof files === "object" && files !== null && !Array.isArray(files) ? Object.entries(files) : [];
    if (entries.length === 0) {
      failures.push({ property: "files", reason: "files must map at least one repository path to its content" });
    }
    for (const [path, content] of entries) {
      if (!isRepositoryPath(path)) {
        failures.push({
          property: "files",
          reason: `'${path}' must be a path inside the repository without a leading '/', e.g. 'clusters/lab/kustomization.yaml'`,
        });
      } else if (known(content) && typeof content !== "string") {
        failures.push({ property: "files", reason: `the content of '${path}' must be text` });
      }
    }
  }
  if (known(news.commitMessage) && !isText(news.commitMessage)) {
    failures.push({ property: "commitMessage", reason: "commitMessage must be a non-empty string" });
  }
  return failures;
}

/** What one seed run found and decided. */
interface SeedPlan {
  readonly actions: CommitAction[];
  readonly written: Record<string, string>;
  readonly leftAlone: string[];
}

/**
 * The seed rule, file by file, from what the branch holds now and what this resource last wrote (`written`):
 *
 * - absent, and never written by this resource: created;
 * - already the rendered content: nothing to write, and recorded as this resource's;
 * - exactly what this resource last wrote, but the rendered content changed: updated, guarded by the file's last
 *   commit so that a change made in between makes GitLab refuse the commit rather than overwrite it;
 * - anything else (changed or deleted after the seed, or there with other content before it): left alone.
 *
 * Nothing is ever deleted; a file the seed no longer renders stays in the repository and leaves the record.
 */
async function planSeed(
  api: GitlabApi,
  inputs: RepositorySeedInputs,
  written: Readonly<Record<string, string>>,
): Promise<SeedPlan> {
  const plan: SeedPlan = { actions: [], written: {}, leftAlone: [] };
  for (const path of Object.keys(inputs.files).sort()) {
    const content = inputs.files[path];
    const wanted = contentHash(content);
    const mine = written[path];
    const current = await api.showRepositoryFile(inputs.projectPath, path, inputs.branch);
    const found = current === undefined ? undefined : contentHash(current.content);
    if (current === undefined && mine === undefined) {
      plan.actions.push({ action: "create", filePath: path, content });
      plan.written[path] = wanted;
    } else if (found === wanted) {
      plan.written[path] = wanted;
    } else if (current !== undefined && mine !== undefined && found === mine) {
      plan.actions.push({ action: "update", filePath: path, content, lastCommitId: current.lastCommitId });
      plan.written[path] = wanted;
    } else {
      plan.leftAlone.push(path);
      if (mine !== undefined) plan.written[path] = mine;
    }
  }
  return plan;
}

/**
 * Commits the plan's actions as one commit; resolves to its SHA, or to `previous` when there is nothing to write.
 * After an answer lost to a 5xx the files are read again, and when they all hold the rendered content the commit
 * went through: the POST is never resent blindly (api.ts `isTransient`), and a resent one that finds its own
 * earlier commit is refused as a conflict and resolved the same way (provider-support.ts `createOnce`).
 */
async function commit(api: GitlabApi, inputs: RepositorySeedInputs, plan: SeedPlan, previous: string): Promise<string> {
  if (plan.actions.length === 0) return previous;
  const landed = async () => {
    let last: string | undefined;
    for (const action of plan.actions) {
      const file = await api.showRepositoryFile(inputs.projectPath, action.filePath, inputs.branch);
      if (file === undefined || file.content !== action.content) return undefined;
      last = file.lastCommitId;
    }
    return last;
  };
  // The two refusals a concurrent write causes (https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions);
  // any other 400, e.g. a branch that does not exist in a non-empty repository, is a configuration problem.
  const isConflict = (error: unknown) =>
    isHttpError(error, 400) &&
    /(A file with this name already exists|The file has changed since you started editing it)/.test(error.detail);
  try {
    return await createOnce(api, {
      create: () => api.createCommit(inputs.projectPath, inputs.branch, inputs.commitMessage, plan.actions),
      find: landed,
      isConflict,
    });
  } catch (error) {
    if (!isHttpError(error, 400)) throw error;
    if (isConflict(error)) {
      throw new Error(
        `${identify(inputs)}: GitLab refused the seed commit (${error.detail}); a seed file changed between reading ` +
          "and writing it: run `pulumi up` again, which leaves changed files alone",
      );
    }
    throw new Error(
      `${identify(inputs)}: GitLab refused the seed commit (${error.detail}); check that branch '${inputs.branch}' ` +
        "exists in the project (an adopted project with commits must have it) and that the token may push to it",
    );
  }
}

/** Seeds the branch by the rule of {@link planSeed}, with no earlier record: files already there are not touched. */
export async function createRepositorySeed(
  api: GitlabApi,
  inputs: RepositorySeedInputs,
): Promise<{ id: string; outs: RepositorySeedOutputs }> {
  return withAccess(identify(inputs), needs(inputs.projectPath), async () => {
    const plan = await planSeed(api, inputs, {});
    const commitId = await commit(api, inputs, plan, "");
    return {
      id: `${inputs.projectPath}:${inputs.branch}`,
      outs: { ...inputs, written: plan.written, commitId, leftAlone: plan.leftAlone },
    };
  });
}

/**
 * Reads which seed files no longer hold what this resource wrote (`leftAlone`); the inputs stay as they were, so a
 * changed file never shows as a difference to undo. An empty ID tells the engine the project is gone.
 */
export async function readRepositorySeed(
  api: GitlabApi,
  id: string,
  props: RepositorySeedOutputs,
): Promise<{ id: string; props: Partial<RepositorySeedOutputs> }> {
  return withAccess(identify(props), needs(props.projectPath), async () => {
    if (!(await api.showProject(props.projectPath))) return { id: "", props: {} };
    const leftAlone: string[] = [];
    for (const path of Object.keys(props.files ?? {}).sort()) {
      const current = await api.showRepositoryFile(props.projectPath, path, props.branch);
      const mine = props.written?.[path];
      if (current === undefined || mine === undefined || contentHash(current.content) !== mine) leftAlone.push(path);
    }
    return { id, props: { ...props, leftAlone } };
  });
}

/** Writes what the rendered files changed, by the rule of {@link planSeed}, against the earlier record. */
export async function updateRepositorySeed(
  api: GitlabApi,
  olds: RepositorySeedOutputs,
  news: RepositorySeedInputs,
): Promise<{ outs: RepositorySeedOutputs }> {
  return withAccess(identify(news), needs(news.projectPath), async () => {
    const plan = await planSeed(api, news, olds.written ?? {});
    const commitId = await commit(api, news, plan, olds.commitId ?? "");
    return { outs: { ...olds, ...news, written: plan.written, commitId, leftAlone: plan.leftAlone } };
  });
}

/**
 * The dynamic provider. Project and branch replace the seed (a new record, which writes only absent files); new
 * rendered files update it. Nothing runs when the rendered files are unchanged, so a re-run sends no request.
 * `delete` removes nothing from the repository: the files are the teams' from the first commit on.
 */
export const repositorySeedProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: RepositorySeedOutputs, news: RepositorySeedInputs) {
    return { inputs: news, failures: checkRepositorySeed(news) };
  },
  async diff(_id: string, olds: RepositorySeedOutputs, news: RepositorySeedInputs) {
    return diffFields<RepositorySeedInputs>(olds, news, ["projectPath", "branch"], ["files"]);
  },
  async create(inputs: RepositorySeedInputs) {
    return createRepositorySeed(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(id: string, props: RepositorySeedOutputs) {
    return readRepositorySeed(gitlabApi(connectionFromEnv()), id, props);
  },
  async update(_id: string, olds: RepositorySeedOutputs, news: RepositorySeedInputs) {
    return updateRepositorySeed(gitlabApi(connectionFromEnv()), olds, news);
  },
  async delete() {
    // The files stay; see above.
  },
};

/** Arguments of {@link RepositorySeed}. */
export interface RepositorySeedArgs {
  /** Full path of the project, e.g. `mson/gitops`. */
  readonly projectPath: pulumi.Input<string>;
  /**
   * The branch to commit to; created by the first commit of an empty repository.
   * @default "main"
   */
  readonly branch?: pulumi.Input<string>;
  /** File contents by path in the repository. */
  readonly files: pulumi.Input<Record<string, string>>;
  /** The message of the seed commits. */
  readonly commitMessage: pulumi.Input<string>;
}

/**
 * Seed files of a repository, committed through the API (`POST /projects/:id/repository/commits`) only where the
 * branch lacks them or still holds what this resource last wrote; a file somebody changed is left alone
 * ({@link planSeed}). Type `pulumi-nodejs:dynamic/gitlab:RepositorySeed`.
 */
export class RepositorySeed extends pulumi.dynamic.Resource {
  /** The SHA of the last seed commit; empty when nothing had to be written. */
  declare readonly commitId: pulumi.Output<string>;
  /** Seed files that hold something other than what this resource wrote. */
  declare readonly leftAlone: pulumi.Output<string[]>;

  constructor(name: string, args: RepositorySeedArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(repositorySeedProvider, __filename, "repositorySeedProvider"),
      name,
      {
        projectPath: args.projectPath,
        branch: args.branch ?? "main",
        files: args.files,
        commitMessage: args.commitMessage,
        written: undefined,
        commitId: undefined,
        leftAlone: undefined,
      },
      opts,
      "gitlab",
      "RepositorySeed",
    );
  }
}
