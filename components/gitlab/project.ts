import * as pulumi from "@pulumi/pulumi";
import { ApiProjectDetails, connectionFromEnv, gitlabApi, GitlabApi, isHttpError } from "./api";
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

/** The inputs of a {@link Project} as its provider sees them. */
export interface ProjectInputs {
  /** Full path, `<group path>/<project path>`: the group is the namespace, the last segment the project's path. */
  readonly projectPath: string;
  /**
   * The default branch a new project gets. GitLab applies `default_branch` at creation only with a README
   * (https://docs.gitlab.com/api/projects/#create-a-project), and the repository is created empty, so what makes it the
   * default is the seed's first commit to it: GitLab makes the first branch pushed to an empty repository its default.
   * An adopted project keeps its own.
   */
  readonly defaultBranch: string;
}

/** The state of a {@link Project}. */
export interface ProjectOutputs extends ProjectInputs {
  /** GitLab's ID of the project. */
  readonly projectId: number;
  /** True when a project of that path existed already and this resource took it over. */
  readonly adopted: boolean;
  /** The project's visibility as GitLab last reported it (`private` when this resource created it). */
  readonly visibility: string;
}

function needs(projectPath: string): string {
  const group = projectPath.slice(0, projectPath.lastIndexOf("/"));
  return `the Maintainer role (or higher) in group '${group}' (creating projects in it)`;
}

function identify(inputs: Pick<ProjectInputs, "projectPath">): string {
  return `Project '${inputs.projectPath}'`;
}

/** The group's path and the project's own path of a full path. */
export function splitProjectPath(projectPath: string): { groupPath: string; path: string } {
  const at = projectPath.lastIndexOf("/");
  return { groupPath: projectPath.slice(0, at), path: projectPath.slice(at + 1) };
}

/** Check failures of project inputs; unknown values pass until they are known. */
export function checkProject(news: Partial<ProjectInputs>): CheckFailure[] {
  const failures = [...projectPathFailure(news.projectPath)];
  if (!isUnknown(news.defaultBranch) && !(isText(news.defaultBranch) && !/\s/.test(news.defaultBranch))) {
    failures.push({
      property: "defaultBranch",
      reason: "defaultBranch must be a branch name without spaces, e.g. 'main'",
    });
  }
  return failures;
}

function outputs(inputs: ProjectInputs, project: ApiProjectDetails, adopted: boolean): ProjectOutputs {
  return { ...inputs, projectId: project.id, adopted, visibility: project.visibility ?? "private" };
}

/**
 * Creates the project, empty and private, in the group; or takes over the project that already has this path (made
 * by hand before this stack managed it, or by an earlier run that failed before recording it), unchanged: its
 * visibility, default branch and repository are left as they are.
 */
export async function createProject(
  api: GitlabApi,
  inputs: ProjectInputs,
): Promise<{ id: string; outs: ProjectOutputs }> {
  return withAccess(identify(inputs), needs(inputs.projectPath), async () => {
    const find = () => api.showProject(inputs.projectPath);
    const existing = await find();
    if (existing) return { id: String(existing.id), outs: outputs(inputs, existing, true) };
    const { groupPath, path } = splitProjectPath(inputs.projectPath);
    const namespaceId = await api.groupId(groupPath);
    // A path is taken once per group: 400 `{"path":["has already been taken"]}`.
    const isConflict = (error: unknown) => isHttpError(error, 400) && error.detail.includes("has already been taken");
    try {
      const created = await createOnce(api, {
        create: () => api.createProject(namespaceId, path, inputs.defaultBranch),
        find,
        isConflict,
      });
      return { id: String(created.id), outs: outputs(inputs, created, false) };
    } catch (error) {
      // Created by someone else between the lookup and the POST: take it over like any existing project.
      const raced = isConflict(error) ? await find() : undefined;
      if (!raced) throw error;
      return { id: String(raced.id), outs: outputs(inputs, raced, true) };
    }
  });
}

/**
 * Reads the project back by ID, so a project renamed or moved by hand shows as a change of `projectPath` (a
 * replacement, which the stack's `protect` stops); an empty ID tells the engine it is gone.
 */
export async function readProject(
  api: GitlabApi,
  id: string,
  props: ProjectOutputs,
): Promise<{ id: string; props: Partial<ProjectOutputs> }> {
  return withAccess(identify(props), needs(props.projectPath), async () => {
    const project = await api.showProject(Number(id));
    if (!project) return { id: "", props: {} };
    return {
      id,
      props: {
        ...props,
        // GitLab matches paths without regard to case: the configured spelling of the same path is no change (a
        // replacement, which protection would stop), a moved or renamed project is.
        projectPath:
          project.path_with_namespace.toLowerCase() === props.projectPath.toLowerCase()
            ? props.projectPath
            : project.path_with_namespace,
        visibility: project.visibility ?? props.visibility,
      },
    };
  });
}

/**
 * The dynamic provider. The path identifies the project and replaces it; nothing else is managed after creation.
 * `delete` never deletes the project: its repository holds the history and merge requests of everything teams
 * deployed, which no `pulumi up` can bring back. Deleting it is done in GitLab by hand
 * (https://docs.gitlab.com/user/project/working_with_projects/#delete-a-project), after the stack has let go of
 * it (docs/group-management.md, "The GitOps repository").
 */
export const projectProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: ProjectOutputs, news: ProjectInputs) {
    return { inputs: news, failures: checkProject(news) };
  },
  async diff(_id: string, olds: ProjectOutputs, news: ProjectInputs) {
    return diffFields<ProjectInputs>(olds, news, ["projectPath"], []);
  },
  async create(inputs: ProjectInputs) {
    return createProject(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(id: string, props: ProjectOutputs) {
    return readProject(gitlabApi(connectionFromEnv()), id, props);
  },
  async update(_id: string, olds: ProjectOutputs, news: ProjectInputs) {
    return { outs: { ...olds, ...news } };
  },
  async delete() {
    // Left in GitLab on purpose; see above.
  },
};

/** Arguments of {@link Project}. */
export interface ProjectArgs {
  /** Full path of the project, e.g. `mson/gitops`; its group must exist. */
  readonly projectPath: pulumi.Input<string>;
  /**
   * The default branch of a new project.
   * @default "main"
   */
  readonly defaultBranch?: pulumi.Input<string>;
}

/**
 * A GitLab project (`POST /projects`): created private and empty, or an existing project of that path adopted as it
 * is. Its provider never deletes it; callers also set `protect` and `retainOnDelete`. Type
 * `pulumi-nodejs:dynamic/gitlab:Project`.
 */
export class Project extends pulumi.dynamic.Resource {
  /** The project's full path, as GitLab last reported it. */
  declare readonly projectPath: pulumi.Output<string>;
  /** GitLab's ID of the project. */
  declare readonly projectId: pulumi.Output<number>;
  /** True when an existing project was taken over. */
  declare readonly adopted: pulumi.Output<boolean>;
  /** The project's visibility as GitLab last reported it. */
  declare readonly visibility: pulumi.Output<string>;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(projectProvider, __filename, "projectProvider"),
      name,
      {
        projectPath: args.projectPath,
        defaultBranch: args.defaultBranch ?? "main",
        projectId: undefined,
        adopted: undefined,
        visibility: undefined,
      },
      opts,
      "gitlab",
      "Project",
    );
  }
}
