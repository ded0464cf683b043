import { record } from "../../tools/plan/testing";
import { ProjectApprovalRule } from "./project-approval-rule";
import { branchSlug, ProjectProtection, ProjectProtectionArgs, ruleSlug } from "./project-protection";
import { ProjectPushRule } from "./project-push-rule";
import { ProtectedBranch } from "./protected-branch";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { loadProvider, withGitlabEnv } from "./testing/helpers";

const T = {
  component: "foundation:gitlab:ProjectProtection",
  branch: "pulumi-nodejs:dynamic/gitlab:ProtectedBranch",
  pushRule: "pulumi-nodejs:dynamic/gitlab:ProjectPushRule",
  approval: "pulumi-nodejs:dynamic/gitlab:ProjectApprovalRule",
};

const args: ProjectProtectionArgs = {
  projectPath: "mson/foundation",
  protectedBranches: [
    { name: "*", pushAccessLevel: 40, mergeAccessLevel: 40, unprotectAccessLevel: 40 },
    { name: "main", pushAccessLevel: 40, mergeAccessLevel: 40, unprotectAccessLevel: 60 },
  ],
  pushRule: {
    denyDeleteTag: true,
    memberCheck: true,
    preventSecrets: true,
    commitCommitterCheck: true,
    rejectUnsignedCommits: true,
    maxFileSize: 10,
  },
  approvalRules: [
    { name: "Foundation maintainers", approvalsRequired: 1, usernames: ["platform-lead"], branches: ["main"] },
  ],
};

const plan = (overrides: Partial<ProjectProtectionArgs> = {}) =>
  record(() => {
    const protection = new ProjectProtection("foundation", { ...args, ...overrides });
    return { protectedBranchIds: protection.protectedBranchIds };
  });

describe("ProjectProtection", () => {
  it("registers the branches, the push rule and the approval rules under the component, every one protected", async () => {
    const rec = await plan();
    expect(rec.summary().filter((s) => !s.startsWith("pulumi:"))).toEqual([
      `${T.component}::foundation`,
      `${T.branch}::foundation-branch-wildcard`,
      `${T.branch}::foundation-branch-main`,
      `${T.pushRule}::foundation-push-rule`,
      `${T.approval}::foundation-approval-foundation-maintainers`,
    ]);
    const component = rec.named("foundation", T.component);
    expect(component.protect).toBe(false);
    for (const child of rec.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/gitlab:"))) {
      expect(child.parent).toBe(component.urn);
      expect(child.protect).toBe(true);
      expect(child.retainOnDelete).toBe(false);
    }
  });

  it("keeps its children protected whatever the caller asks", async () => {
    const rec = await record(() => new ProjectProtection("foundation", args, { protect: false }));
    expect(rec.ofType(T.branch).every((r) => r.protect)).toBe(true);
  });

  it("passes GitLab's access levels, and makes a rule that names branches depend on them", async () => {
    const rec = await plan();
    const { __provider: _provider, ...main } = rec.inputsOf("foundation-branch-main", T.branch);
    expect(main).toEqual({
      projectPath: "mson/foundation",
      name: "main",
      pushAccessLevel: 40,
      mergeAccessLevel: 40,
      unprotectAccessLevel: 60,
      allowForcePush: false,
      codeOwnerApprovalRequired: false,
    });
    const approval = rec.named("foundation-approval-foundation-maintainers", T.approval);
    expect(approval.dependencies).toEqual([rec.named("foundation-branch-main", T.branch).urn]);
    expect(rec.inputsOf("foundation-approval-foundation-maintainers", T.approval)).toMatchObject({
      ruleType: "regular",
      usernames: ["platform-lead"],
      protectedBranchIds: [expect.any(Number)],
      appliesToAllProtectedBranches: false,
    });
  });

  it("leaves the push rule alone when none is given", async () => {
    const rec = await plan({ pushRule: undefined, approvalRules: [] });
    expect(rec.ofType(T.pushRule)).toHaveLength(0);
    expect(rec.ofType(T.approval)).toHaveLength(0);
  });

  it.each<[string, Partial<ProjectProtectionArgs>, string]>([
    [
      "a group path",
      { projectPath: "mson" },
      "projectPath 'mson' must be the project's full path, e.g. 'mson/foundation'",
    ],
    [
      "a branch twice",
      { protectedBranches: [args.protectedBranches[1], args.protectedBranches[1]] },
      "protectedBranches[1]: 'main' appears twice; keep one",
    ],
    [
      "names that collide",
      {
        protectedBranches: [
          { name: "release/*", pushAccessLevel: 40, mergeAccessLevel: 40, unprotectAccessLevel: 40 },
          { name: "release-*", pushAccessLevel: 40, mergeAccessLevel: 40, unprotectAccessLevel: 40 },
        ],
        approvalRules: [],
      },
      "protectedBranches[1]: 'release/*' and 'release-*' would both be named 'release-wildcard'; rename one",
    ],
    [
      "a rule on a branch that is not protected",
      { approvalRules: [{ name: "QA", approvalsRequired: 1, usernames: ["qa"], branches: ["develop"] }] },
      "approvalRules[0] 'QA': branch 'develop' is not one of protectedBranches; a rule covers protected branches " +
        "only, so protect it too or remove it here",
    ],
  ])("refuses %s", async (_case, overrides, message) => {
    await expect(plan(overrides)).rejects.toThrow(`ProjectProtection 'foundation': ${message}`);
  });

  it("slugs branch and rule names for resource names", () => {
    expect(branchSlug("*")).toBe("wildcard");
    expect(branchSlug("release/*")).toBe("release-wildcard");
    expect(branchSlug("*-stable")).toBe("wildcard-stable");
    expect(branchSlug("Main")).toBe("main");
    expect(ruleSlug("Foundation maintainers")).toBe("foundation-maintainers");
  });
});

describe("serialized providers against the GitLab double", () => {
  let double: GitlabDouble;

  beforeEach(async () => {
    double = await startGitlabDouble();
    double.addGroup("mson");
    double.addProject("mson", "foundation");
    double.addUser("platform-lead");
  });

  afterEach(() => double.close());

  async function providers() {
    const rec = await record(() => {
      new ProtectedBranch("b", {
        projectPath: "mson/foundation",
        name: "*",
        pushAccessLevel: 40,
        mergeAccessLevel: 40,
      });
      new ProjectPushRule("p", { projectPath: "mson/foundation" });
      new ProjectApprovalRule("a", { projectPath: "mson/foundation", name: "M", approvalsRequired: 1 });
    });
    const load = (name: string) => {
      const text = String(rec.named(name).inputs.__provider);
      expect(text).not.toContain(double.token);
      return loadProvider(text);
    };
    return { branch: load("b"), pushRule: load("p"), approval: load("a") };
  }

  it("run create, update, read and delete of every resource over HTTP", async () => {
    const p = await providers();
    await withGitlabEnv(double, async () => {
      const branchInputs = {
        projectPath: "mson/foundation",
        name: "*",
        pushAccessLevel: 40,
        mergeAccessLevel: 40,
        unprotectAccessLevel: 40,
        allowForcePush: false,
        codeOwnerApprovalRequired: false,
      };
      const branch = await p.branch.create(branchInputs);
      await p.branch.update!(branch.id, branch.outs, { ...branchInputs, pushAccessLevel: 0 });
      expect(await p.branch.read!(branch.id, branch.outs)).toMatchObject({ props: { pushAccessLevel: 0 } });

      const ruleInputs = {
        projectPath: "mson/foundation",
        denyDeleteTag: true,
        memberCheck: true,
        preventSecrets: true,
        commitCommitterCheck: true,
        rejectUnsignedCommits: true,
        maxFileSize: 10,
      };
      const rule = await p.pushRule.create(ruleInputs);
      await p.pushRule.update!(rule.id, rule.outs, { ...ruleInputs, maxFileSize: 5 });
      expect(await p.pushRule.read!(rule.id, rule.outs)).toMatchObject({ props: { maxFileSize: 5 } });

      const approvalInputs = {
        projectPath: "mson/foundation",
        name: "M",
        approvalsRequired: 1,
        ruleType: "regular",
        userIds: [],
        usernames: ["platform-lead"],
        groupIds: [],
        protectedBranchIds: [branch.outs.protectedBranchId],
        appliesToAllProtectedBranches: false,
      };
      const approval = await p.approval.create(approvalInputs);
      await p.approval.update!(approval.id, approval.outs, { ...approvalInputs, approvalsRequired: 2 });
      expect(await p.approval.read!(approval.id, approval.outs)).toMatchObject({ props: { approvalsRequired: 2 } });

      await p.approval.delete!(approval.id, approval.outs);
      await p.pushRule.delete!(rule.id, rule.outs);
      await p.branch.delete!(branch.id, branch.outs);
    });
    expect(double.state.approvalRules.get("mson/foundation")).toEqual([]);
    expect(double.state.pushRules.get("mson/foundation")).toMatchObject({ prevent_secrets: false, max_file_size: 0 });
    expect(double.state.protectedBranches.get("mson/foundation")).toEqual([]);
    expect(double.requests.every((r) => r.authenticated)).toBe(true);
  });
});
