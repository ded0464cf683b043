import { GitlabApi } from "./api";
import { UNKNOWN_VALUE } from "./provider-support";
import {
  checkRepositorySeed,
  contentHash,
  createRepositorySeed,
  readRepositorySeed,
  RepositorySeedInputs,
  RepositorySeedOutputs,
  repositorySeedProvider,
  updateRepositorySeed,
} from "./repository-seed";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;

const ROOT = "clusters/lab/kustomization.yaml";
const APPS = "clusters/lab/apps/kustomization.yaml";
const ROOT_V1 = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - apps\n";
const APPS_V1 = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n";
const seed: RepositorySeedInputs = {
  projectPath: "mson/gitops",
  branch: "main",
  files: { [ROOT]: ROOT_V1, [APPS]: APPS_V1 },
  commitMessage: "Seed the GitOps repository",
};
const COMMITS = "projects/mson/gitops/repository/commits";

beforeEach(async () => {
  double = await startGitlabDouble();
  double.addGroup("mson");
  double.addProject("mson", "gitops");
  api = apiFor(double);
});

afterEach(() => double.close());

const onMain = (path: string) => double.state.repositories.get("mson/gitops")?.get("main")?.get(path)?.content;
const commits = () => double.state.commits.get("mson/gitops") ?? [];

describe("create", () => {
  it("seeds an empty repository with one commit to main that creates every file", async () => {
    const { id, outs } = await createRepositorySeed(api, seed);
    expect(id).toBe("mson/gitops:main");
    expect(double.requestsTo("POST", COMMITS).map((r) => r.body)).toEqual([
      {
        branch: "main",
        commit_message: "Seed the GitOps repository",
        actions: [
          { action: "create", file_path: APPS, content: APPS_V1, encoding: "text" },
          { action: "create", file_path: ROOT, content: ROOT_V1, encoding: "text" },
        ],
      },
    ]);
    expect(onMain(ROOT)).toBe(ROOT_V1);
    expect(onMain(APPS)).toBe(APPS_V1);
    expect(outs).toEqual({
      ...seed,
      written: { [APPS]: contentHash(APPS_V1), [ROOT]: contentHash(ROOT_V1) },
      commitId: commits()[0].id,
      leftAlone: [],
    });
    // The files were read first, on the branch, by their encoded path.
    expect(double.requestsTo("GET", `projects/mson/gitops/repository/files/${ROOT}`)[0].query).toEqual({
      ref: "main",
    });
  });

  it("adopts a repository that holds the seed already, committing nothing", async () => {
    double.pushFile("mson/gitops", "main", ROOT, ROOT_V1);
    double.pushFile("mson/gitops", "main", APPS, APPS_V1);
    const { outs } = await createRepositorySeed(api, seed);
    expect(double.requestsTo("POST", COMMITS)).toHaveLength(0);
    expect(outs.written).toEqual({ [APPS]: contentHash(APPS_V1), [ROOT]: contentHash(ROOT_V1) });
    expect(outs.commitId).toBe("");
    expect(outs.leftAlone).toEqual([]);
  });

  it("adds only the missing file to a repository that has its own, leaving that one alone", async () => {
    const theirs = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - infra\n";
    double.pushFile("mson/gitops", "main", ROOT, theirs);
    const { outs } = await createRepositorySeed(api, seed);
    expect(double.requestsTo("POST", COMMITS).map((r) => r.body?.actions)).toEqual([
      [{ action: "create", file_path: APPS, content: APPS_V1, encoding: "text" }],
    ]);
    expect(onMain(ROOT)).toBe(theirs);
    expect(outs.leftAlone).toEqual([ROOT]);
    expect(outs.written).toEqual({ [APPS]: contentHash(APPS_V1) });
  });

  it("after a 504 on a commit GitLab carried out, finds the files instead of committing twice", async () => {
    double.inject({ method: "POST", route: COMMITS, status: 504, after: true, times: 1 });
    const clock = fakeClock();
    const { outs } = await createRepositorySeed(apiFor(double, clock), seed);
    expect(commits()).toHaveLength(1);
    expect(double.requestsTo("POST", COMMITS)).toHaveLength(1);
    expect(outs.commitId).toBe(commits()[0].id);
    expect(clock.sleeps).toEqual([100]);
  });

  it("refuses to overwrite a file pushed between the read and the commit", async () => {
    // The commit's `create` meets the file somebody pushed in between: GitLab refuses the whole commit.
    double.inject({ method: "GET", route: `projects/mson/gitops/repository/files/${ROOT}`, status: 404, times: 1 });
    double.pushFile("mson/gitops", "main", ROOT, "theirs\n");
    await expect(createRepositorySeed(api, seed)).rejects.toThrow(
      "RepositorySeed of 'mson/gitops' on 'main': GitLab refused the seed commit (A file with this name already " +
        "exists); a seed file changed between reading and writing it: run `pulumi up` again, which leaves changed " +
        "files alone",
    );
    expect(onMain(ROOT)).toBe("theirs\n");
    expect(onMain(APPS)).toBeUndefined();
  });

  it("names the missing branch of an adopted project that has commits, instead of asking for a retry", async () => {
    // A project made by hand with a README on master: the repository is not empty and has no main.
    double.pushFile("mson/gitops", "master", "README.md", "# gitops\n");
    await expect(createRepositorySeed(api, seed)).rejects.toThrow(
      "RepositorySeed of 'mson/gitops' on 'main': GitLab refused the seed commit (You can only create or edit files " +
        "when you are on a branch); check that branch 'main' exists in the project (an adopted project with commits " +
        "must have it) and that the token may push to it",
    );
  });

  it("names the Maintainer role on 403", async () => {
    double.inject({ method: "POST", route: COMMITS, status: 403, body: { message: "403 Forbidden" } });
    await expect(createRepositorySeed(api, seed)).rejects.toThrow(
      "RepositorySeed of 'mson/gitops' on 'main': GitLab refused (403 403 Forbidden); the token in GITLAB_TOKEN " +
        "needs the `api` scope and its user needs the Maintainer role (or higher) in project 'mson/gitops' " +
        "(pushing to its protected default branch)",
    );
  });
});

describe("re-runs", () => {
  let first: RepositorySeedOutputs;
  beforeEach(async () => {
    first = (await createRepositorySeed(api, seed)).outs;
  });

  it("sees no change and sends no request when the rendered files are the same", async () => {
    const before = double.requests.length;
    await expect(repositorySeedProvider.diff!("mson/gitops:main", first, seed)).resolves.toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(double.requests).toHaveLength(before);
    // An update with the same files (the engine sends one when anything else changed) writes nothing.
    const { outs } = await updateRepositorySeed(api, first, seed);
    expect(outs).toEqual(first);
    expect(double.requestsTo("POST", COMMITS)).toHaveLength(1);
  });

  it("updates a file it wrote when the rendered content changed, guarded by the file's last commit", async () => {
    const rootV2 = `${ROOT_V1}  - infra\n`;
    const { outs } = await updateRepositorySeed(api, first, { ...seed, files: { ...seed.files, [ROOT]: rootV2 } });
    expect(double.requestsTo("POST", COMMITS)[1].body?.actions).toEqual([
      { action: "update", file_path: ROOT, content: rootV2, encoding: "text", last_commit_id: first.commitId },
    ]);
    expect(onMain(ROOT)).toBe(rootV2);
    expect(outs.written).toEqual({ [APPS]: contentHash(APPS_V1), [ROOT]: contentHash(rootV2) });
    expect(outs.commitId).toBe(commits()[1].id);
    expect(outs.leftAlone).toEqual([]);
  });

  it("leaves a file people changed after the seed alone, and updates the others", async () => {
    const teams = `${APPS_V1.replace("resources: []", "resources:\n  - podinfo")}`;
    double.pushFile("mson/gitops", "main", APPS, teams);
    const rootV2 = `${ROOT_V1}  - infra\n`;
    const appsV2 = `${APPS_V1}# managed by merge request\n`;
    const { outs } = await updateRepositorySeed(api, first, { ...seed, files: { [ROOT]: rootV2, [APPS]: appsV2 } });
    expect(double.requestsTo("POST", COMMITS)[1].body?.actions).toEqual([
      { action: "update", file_path: ROOT, content: rootV2, encoding: "text", last_commit_id: first.commitId },
    ]);
    expect(onMain(APPS)).toBe(teams);
    expect(outs.leftAlone).toEqual([APPS]);
    // Still the record of what it wrote: the file stays the teams' until it holds the seed's content again.
    expect(outs.written[APPS]).toBe(contentHash(APPS_V1));
  });

  it("does not bring back a file deleted after the seed, and never deletes one the seed dropped", async () => {
    double.removeFile("mson/gitops", "main", APPS);
    const rootV2 = `${ROOT_V1}  - infra\n`;
    const { outs } = await updateRepositorySeed(api, first, {
      ...seed,
      files: { [ROOT]: rootV2, [APPS]: `${APPS_V1}# v2\n` },
    });
    expect(onMain(APPS)).toBeUndefined();
    expect(outs.leftAlone).toEqual([APPS]);
    const dropped = await updateRepositorySeed(api, outs, { ...seed, files: { [ROOT]: rootV2 } });
    expect(onMain(ROOT)).toBe(rootV2);
    expect(dropped.outs.written).toEqual({ [ROOT]: contentHash(rootV2) });
    expect(double.requests.filter((r) => r.method === "DELETE")).toHaveLength(0);
  });

  it("refuses the update when a file changed after it was read, leaving the change in place", async () => {
    // The read still sees the seed's content; the push in between makes the guarded update fail as a whole.
    double.inject({
      method: "GET",
      route: `projects/mson/gitops/repository/files/${ROOT}`,
      status: 200,
      body: { content: Buffer.from(ROOT_V1).toString("base64"), encoding: "base64", last_commit_id: first.commitId },
      times: 1,
    });
    double.pushFile("mson/gitops", "main", ROOT, "changed\n");
    await expect(
      updateRepositorySeed(api, first, { ...seed, files: { ...seed.files, [ROOT]: `${ROOT_V1}  - infra\n` } }),
    ).rejects.toThrow(
      "RepositorySeed of 'mson/gitops' on 'main': GitLab refused the seed commit (The file has changed since you " +
        `started editing it: ${ROOT}); a seed file changed between reading and writing it`,
    );
    expect(onMain(ROOT)).toBe("changed\n");
  });

  it("read reports drifted files without changing the inputs, and a deleted project as gone", async () => {
    double.pushFile("mson/gitops", "main", ROOT, "changed\n");
    expect(await readRepositorySeed(api, "mson/gitops:main", first)).toEqual({
      id: "mson/gitops:main",
      props: { ...first, leftAlone: [ROOT] },
    });
    double.state.projects.delete("mson/gitops");
    expect(await readRepositorySeed(api, "mson/gitops:main", first)).toEqual({ id: "", props: {} });
  });

  it("delete leaves every file in the repository", async () => {
    await repositorySeedProvider.delete!("mson/gitops:main", first);
    expect(onMain(ROOT)).toBe(ROOT_V1);
    expect(double.requestsTo("POST", COMMITS)).toHaveLength(1);
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<RepositorySeedInputs>, string[]]>([
    ["valid inputs", seed, []],
    ["a group path", { ...seed, projectPath: "mson" }, ["projectPath"]],
    ["a branch with a space", { ...seed, branch: "my branch" }, ["branch"]],
    ["no files", { ...seed, files: {} }, ["files"]],
    ["an absolute path", { ...seed, files: { "/etc/passwd": "x" } }, ["files"]],
    ["a path leaving the repository", { ...seed, files: { "clusters/../../x": "x" } }, ["files"]],
    ["content that is not text", { ...seed, files: { [ROOT]: 7 as unknown as string } }, ["files"]],
    ["an empty commit message", { ...seed, commitMessage: " " }, ["commitMessage"]],
    ["values not known yet", { ...seed, projectPath: UNKNOWN_VALUE, files: UNKNOWN_VALUE as never }, []],
  ])("%s", (_case, inputs, properties) => {
    expect(checkRepositorySeed(inputs).map((f) => f.property)).toEqual(properties);
  });

  it("words the path failure", () => {
    expect(checkRepositorySeed({ ...seed, files: { "/x": "x" } })).toEqual([
      {
        property: "files",
        reason:
          "'/x' must be a path inside the repository without a leading '/', e.g. 'clusters/lab/kustomization.yaml'",
      },
    ]);
  });

  const olds: RepositorySeedOutputs = { ...seed, written: {}, commitId: "", leftAlone: [] };
  it.each<[string, Partial<RepositorySeedInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["the commit message", { commitMessage: "other" }, { changes: false, replaces: [] }],
    ["a file's content", { files: { ...seed.files, [ROOT]: "x" } }, { changes: true, replaces: [] }],
    ["the branch", { branch: "trunk" }, { changes: true, replaces: ["branch"] }],
    ["the project", { projectPath: "mson/flux" }, { changes: true, replaces: ["projectPath"] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(repositorySeedProvider.diff!("mson/gitops:main", olds, { ...seed, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
