import { record } from "../../tools/plan/testing";
import { reveal } from "../../tools/plan/values";
import { GitopsRepository, GitopsRepositoryArgs, SEED_COMMIT_MESSAGE } from "./gitops-repository";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { loadProvider, withGitlabEnv } from "./testing/helpers";

const T = {
  component: "foundation:gitlab:GitopsRepository",
  project: "pulumi-nodejs:dynamic/gitlab:Project",
  seed: "pulumi-nodejs:dynamic/gitlab:RepositorySeed",
  branch: "pulumi-nodejs:dynamic/gitlab:ProtectedBranch",
};

const FILES = { "clusters/lab/kustomization.yaml": "a\n", "clusters/lab/apps/kustomization.yaml": "b\n" };
const args: GitopsRepositoryArgs = { projectPath: "mson/gitops", files: FILES };

const plan = (overrides: Partial<GitopsRepositoryArgs> = {}, protect?: boolean) =>
  record(() => {
    const repository = new GitopsRepository(
      "gitops",
      { ...args, ...overrides },
      protect === undefined ? undefined : { protect },
    );
    return { projectPath: repository.projectPath };
  });

describe("GitopsRepository", () => {
  it("registers the project, the seed and the protected branch under the component", async () => {
    const rec = await plan();
    expect(rec.summary().filter((s) => !s.startsWith("pulumi:"))).toEqual([
      `${T.component}::gitops`,
      `${T.project}::gitops-project`,
      `${T.seed}::gitops-seed`,
      `${T.branch}::gitops-branch-main`,
    ]);
    const component = rec.named("gitops", T.component);
    for (const child of [T.project, T.seed, T.branch].map((type) => rec.ofType(type)[0])) {
      expect(child.parent).toBe(component.urn);
    }
  });

  it("protects and retains the project and protects the branch, whatever the caller asks", async () => {
    for (const protect of [undefined, false]) {
      const rec = await plan({}, protect);
      expect(rec.named("gitops-project", T.project)).toMatchObject({ protect: true, retainOnDelete: true });
      expect(rec.named("gitops-branch-main", T.branch)).toMatchObject({ protect: true, retainOnDelete: false });
      expect(rec.named("gitops-seed", T.seed)).toMatchObject({ protect: false, retainOnDelete: false });
    }
  });

  it("creates the project with main, seeds main with the files and a fixed message, then protects it", async () => {
    const rec = await plan();
    const without = (name: string, type: string) => {
      const { __provider: _provider, ...inputs } = rec.inputsOf(name, type);
      return inputs;
    };
    expect(without("gitops-project", T.project)).toEqual({ projectPath: "mson/gitops", defaultBranch: "main" });
    expect(without("gitops-seed", T.seed)).toEqual({
      projectPath: "mson/gitops",
      branch: "main",
      files: FILES,
      commitMessage: SEED_COMMIT_MESSAGE,
    });
    expect(SEED_COMMIT_MESSAGE).toBe("Seed the GitOps repository (managed by Pulumi, group stack)");
    expect(without("gitops-branch-main", T.branch)).toEqual({
      projectPath: "mson/gitops",
      name: "main",
      pushAccessLevel: 40,
      mergeAccessLevel: 40,
      unprotectAccessLevel: 40,
      allowForcePush: false,
      codeOwnerApprovalRequired: false,
    });
    const urn = (name: string, type: string) => rec.named(name, type).urn;
    expect(rec.named("gitops-seed", T.seed).dependencies).toContain(urn("gitops-project", T.project));
    expect(rec.named("gitops-branch-main", T.branch).dependencies).toContain(urn("gitops-seed", T.seed));
  });

  it.each<[string, Partial<GitopsRepositoryArgs>, string]>([
    [
      "a group path",
      { projectPath: "mson" },
      "GitopsRepository 'gitops': projectPath 'mson' must be the project's full path, e.g. 'mson/gitops'",
    ],
    ["no files", { files: {} }, "GitopsRepository 'gitops': files must hold at least one seed file"],
    [
      "a branch with a space",
      { branch: "my main" },
      "GitopsRepository 'gitops': branch 'my main' must be a branch name without spaces, e.g. 'main'",
    ],
  ])("refuses %s before registering anything", async (_case, overrides, message) => {
    await expect(plan(overrides)).rejects.toThrow(message);
  });
});

describe("the serialized providers against the GitLab double", () => {
  let double: GitlabDouble;
  beforeEach(async () => {
    double = await startGitlabDouble();
    double.addGroup("mson");
  });
  afterEach(() => double.close());

  it("create the project, seed main and protect it, then a second run changes nothing", async () => {
    const rec = await plan();
    const step = (name: string) => {
      const resource = rec.named(name);
      const { __provider: provider, ...inputs } = reveal(resource.inputs) as Record<string, unknown>;
      expect(String(provider)).not.toContain(double.token);
      return { provider: loadProvider(String(provider)), inputs };
    };
    await withGitlabEnv(double, async () => {
      for (const name of ["gitops-project", "gitops-seed", "gitops-branch-main"]) {
        const { provider, inputs } = step(name);
        const { id, outs } = await provider.create(inputs);
        // A second run: the same inputs show no change, so the engine calls nothing else.
        await expect(provider.diff!(id, outs, inputs)).resolves.toMatchObject({ changes: false });
      }
    });
    expect(double.state.projects.get("mson/gitops")).toMatchObject({ visibility: "private", default_branch: "main" });
    expect(double.state.commits.get("mson/gitops")?.map((c) => [c.branch, c.message])).toEqual([
      ["main", SEED_COMMIT_MESSAGE],
    ]);
    expect([...(double.state.repositories.get("mson/gitops")?.get("main")?.keys() ?? [])].sort()).toEqual(
      Object.keys(FILES).sort(),
    );
    expect(double.state.protectedBranches.get("mson/gitops")?.map((b) => b.name)).toEqual(["main"]);
  });
});
