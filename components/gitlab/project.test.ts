import { GitlabApi } from "./api";
import { checkProject, createProject, ProjectInputs, projectProvider, readProject, splitProjectPath } from "./project";
import { UNKNOWN_VALUE } from "./provider-support";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;
let groupId: number;

const gitops: ProjectInputs = { projectPath: "mson/gitops", defaultBranch: "main" };

beforeEach(async () => {
  double = await startGitlabDouble();
  groupId = double.addGroup("mson");
  api = apiFor(double);
});

afterEach(() => double.close());

it("splitProjectPath splits at the last '/'", () => {
  expect(splitProjectPath("mson/infra/gitops")).toEqual({ groupPath: "mson/infra", path: "gitops" });
});

describe("create", () => {
  it("creates the project private and empty in the group, with main as its default branch", async () => {
    const { id, outs } = await createProject(api, gitops);
    const created = double.state.projects.get("mson/gitops");
    expect(id).toBe(String(created?.id));
    expect(outs).toEqual({ ...gitops, projectId: created?.id, adopted: false, visibility: "private" });
    expect(double.requestsTo("POST", "projects").map((r) => r.body)).toEqual([
      {
        namespace_id: groupId,
        path: "gitops",
        name: "gitops",
        visibility: "private",
        default_branch: "main",
        initialize_with_readme: false,
      },
    ]);
    expect(double.state.repositories.has("mson/gitops")).toBe(false);
  });

  it("adopts an existing project of that path unchanged, without a POST", async () => {
    const existing = double.addProject("mson", "gitops");
    double.state.projects.get("mson/gitops")!.visibility = "internal";
    const { id, outs } = await createProject(api, gitops);
    expect(id).toBe(String(existing));
    expect(outs).toEqual({ ...gitops, projectId: existing, adopted: true, visibility: "internal" });
    expect(double.requestsTo("POST", "projects")).toHaveLength(0);
    expect(double.state.projects.get("mson/gitops")?.visibility).toBe("internal");
  });

  it("after a 504 on a POST GitLab carried out, finds the project instead of creating a second", async () => {
    double.inject({ method: "POST", route: "projects", status: 504, after: true, times: 1 });
    const clock = fakeClock();
    const { id, outs } = await createProject(apiFor(double, clock), gitops);
    expect(id).toBe(String(double.state.projects.get("mson/gitops")?.id));
    expect(outs.adopted).toBe(false);
    expect(double.requestsTo("POST", "projects")).toHaveLength(1);
    expect(clock.sleeps).toEqual([100]);
  });

  it("adopts a project created by someone else between the lookup and the POST", async () => {
    // The first lookup misses it; the POST then meets GitLab's uniqueness check.
    double.inject({ method: "GET", route: "projects/mson/gitops", status: 404, times: 1 });
    const existing = double.addProject("mson", "gitops");
    const { id, outs } = await createProject(api, gitops);
    expect(id).toBe(String(existing));
    expect(outs.adopted).toBe(true);
    expect(double.requestsTo("POST", "projects").map((r) => r.status)).toEqual([400]);
  });

  it("fails naming the group when it does not exist", async () => {
    await expect(createProject(api, { ...gitops, projectPath: "other/gitops" })).rejects.toThrow(
      "GitLab answered GET /api/v4/groups/other with 404: 404 Group Not Found",
    );
  });

  it("names the Maintainer role in the group on 403", async () => {
    double.inject({ method: "POST", route: "projects", status: 403, body: { message: "403 Forbidden" } });
    await expect(createProject(api, gitops)).rejects.toThrow(
      "Project 'mson/gitops': GitLab refused (403 403 Forbidden); the token in GITLAB_TOKEN needs the `api` scope " +
        "and its user needs the Maintainer role (or higher) in group 'mson' (creating projects in it)",
    );
  });
});

describe("read and delete", () => {
  it("reads by ID: a renamed project shows its new path, a deleted one is gone", async () => {
    const { id, outs } = await createProject(api, gitops);
    expect(await readProject(api, id, outs)).toEqual({ id, props: outs });
    const project = double.state.projects.get("mson/gitops")!;
    double.state.projects.delete("mson/gitops");
    double.state.projects.set("mson/flux", { ...project, path: "mson/flux", visibility: "public" });
    expect(await readProject(api, id, outs)).toEqual({
      id,
      props: { ...outs, projectPath: "mson/flux", visibility: "public" },
    });
    double.state.projects.delete("mson/flux");
    expect(await readProject(api, id, outs)).toEqual({ id: "", props: {} });
  });

  it("keeps the configured spelling of a path GitLab spells in another case: the same project, no replacement", async () => {
    const { id, outs } = await createProject(api, gitops);
    const project = double.state.projects.get("mson/gitops")!;
    double.state.projects.delete("mson/gitops");
    double.state.projects.set("Mson/GitOps", { ...project, path: "Mson/GitOps" });
    const read = await readProject(api, id, outs);
    expect(read.props.projectPath).toBe("mson/gitops");
    expect(await projectProvider.diff!(id, read.props as never, gitops)).toMatchObject({ changes: false });
  });

  it("never deletes the project", async () => {
    const { id, outs } = await createProject(api, gitops);
    await projectProvider.delete!(id, outs);
    expect(double.requests.filter((r) => r.method === "DELETE")).toHaveLength(0);
    expect(double.state.projects.has("mson/gitops")).toBe(true);
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<ProjectInputs>, string[]]>([
    ["valid inputs", gitops, []],
    ["a group path", { ...gitops, projectPath: "mson" }, ["projectPath"]],
    ["a branch with a space", { ...gitops, defaultBranch: "my branch" }, ["defaultBranch"]],
    ["values not known yet", { projectPath: UNKNOWN_VALUE, defaultBranch: UNKNOWN_VALUE }, []],
  ])("%s", (_case, inputs, properties) => {
    expect(checkProject(inputs).map((f) => f.property)).toEqual(properties);
  });

  const olds = { ...gitops, projectId: 7, adopted: false, visibility: "private" };
  it.each<[string, Partial<ProjectInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["the default branch of a new project", { defaultBranch: "trunk" }, { changes: false, replaces: [] }],
    ["the path", { projectPath: "mson/flux" }, { changes: true, replaces: ["projectPath"] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(projectProvider.diff!("7", olds, { ...gitops, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
