import { GitlabApi } from "./api";
import { UNKNOWN_VALUE } from "./provider-support";
import {
  accessChanges,
  checkProtectedBranch,
  createProtectedBranch,
  deleteProtectedBranch,
  ProtectedBranchInputs,
  protectedBranchProvider,
  readProtectedBranch,
  roleLevel,
  updateProtectedBranch,
} from "./protected-branch";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;

const PROJECT = "mson/foundation";
const main: ProtectedBranchInputs = {
  projectPath: PROJECT,
  name: "main",
  pushAccessLevel: 40,
  mergeAccessLevel: 40,
  unprotectAccessLevel: 40,
  allowForcePush: false,
  codeOwnerApprovalRequired: false,
};
const wildcard: ProtectedBranchInputs = { ...main, name: "*" };

beforeEach(async () => {
  double = await startGitlabDouble();
  double.addGroup("mson");
  double.addProject("mson", "foundation");
  api = apiFor(double);
});

afterEach(() => double.close());

const rules = () => double.state.protectedBranches.get(PROJECT) ?? [];
const levels = (name: string) => {
  const rule = rules().find((r) => r.name === name);
  return (
    rule && {
      push: rule.push.map((e) => e.access_level),
      merge: rule.merge.map((e) => e.access_level),
      unprotect: rule.unprotect.map((e) => e.access_level),
      allowForcePush: rule.allow_force_push,
    }
  );
};

describe("create", () => {
  it("protects a wildcard with one POST whose body carries every setting", async () => {
    const { id, outs } = await createProtectedBranch(api, wildcard);
    expect(outs).toEqual({ ...wildcard, protectedBranchId: Number(id), adopted: false });
    expect(double.requestsTo("POST", "projects/mson/foundation/protected_branches")[0].body).toEqual({
      name: "*",
      push_access_level: 40,
      merge_access_level: 40,
      unprotect_access_level: 40,
      allow_force_push: false,
      code_owner_approval_required: false,
    });
    expect(levels("*")).toEqual({ push: [40], merge: [40], unprotect: [40], allowForcePush: false });
    expect(double.requestsTo("PATCH", /protected_branches/)).toHaveLength(0);
  });

  it("takes over the rule GitLab made for the default branch and tightens it with one PATCH", async () => {
    const existing = double.addProtectedBranch(PROJECT, "main", { push: 30, merge: 30, allowForcePush: true });
    const [push, merge] = [existing.push[0].id, existing.merge[0].id];
    const { id, outs } = await createProtectedBranch(api, main);
    expect(id).toBe(String(existing.id));
    expect(outs.adopted).toBe(true);
    expect(double.requestsTo("POST", /protected_branches/)).toHaveLength(0);
    expect(double.requestsTo("PATCH", "projects/mson/foundation/protected_branches/main")[0].body).toEqual({
      allow_force_push: false,
      allowed_to_push: [{ id: push, _destroy: true }, { access_level: 40 }],
      allowed_to_merge: [{ id: merge, _destroy: true }, { access_level: 40 }],
    });
    expect(levels("main")).toEqual({ push: [40], merge: [40], unprotect: [40], allowForcePush: false });
  });

  it("takes over a rule that already matches without changing it", async () => {
    double.addProtectedBranch(PROJECT, "main", { push: 40, merge: 40 });
    await expect(createProtectedBranch(api, main)).resolves.toMatchObject({ outs: { adopted: true } });
    expect(double.requestsTo("PATCH", /protected_branches/)).toHaveLength(0);
  });

  it("takes over a rule protected between its lookup and its POST (409)", async () => {
    double.addProtectedBranch(PROJECT, "main", { push: 30, merge: 40 });
    double.inject({ method: "GET", route: "projects/mson/foundation/protected_branches/main", status: 404, times: 1 });
    const { outs } = await createProtectedBranch(api, main);
    expect(outs.adopted).toBe(true);
    expect(double.requestsTo("POST", /protected_branches/).map((r) => r.status)).toEqual([409]);
    expect(levels("main")).toMatchObject({ push: [40] });
  });

  it("after a 504 on a POST GitLab carried out, finds the rule instead of protecting twice", async () => {
    double.inject({ method: "POST", route: "projects/mson/foundation/protected_branches", status: 504, after: true });
    const clock = fakeClock();
    const { id, outs } = await createProtectedBranch(apiFor(double, clock), wildcard);
    expect(outs).toMatchObject({ protectedBranchId: Number(id), adopted: false });
    expect(rules()).toHaveLength(1);
    expect(double.requestsTo("POST", /protected_branches/)).toHaveLength(1);
    expect(clock.sleeps).toEqual([100]);
  });

  it("names the Maintainer role on 403", async () => {
    double.inject({ route: /protected_branches/, status: 403, body: { message: "403 Forbidden" } });
    await expect(createProtectedBranch(api, main)).rejects.toThrow(
      "ProtectedBranch 'main' on 'mson/foundation': GitLab refused (403 403 Forbidden); the token in GITLAB_TOKEN " +
        "needs the `api` scope and its user needs the Maintainer role (or higher) in project 'mson/foundation' " +
        "(protected branches are managed by Maintainers)",
    );
  });
});

describe("read, update, delete", () => {
  it("reads the rule back, a list that is not one role as no level, and a removed rule as gone", async () => {
    const { outs } = await createProtectedBranch(api, main);
    rules()[0].allow_force_push = true;
    rules()[0].push.push({ id: 9999, access_level: null, user_id: 7, group_id: null });
    await expect(readProtectedBranch(api, outs)).resolves.toEqual({
      id: String(outs.protectedBranchId),
      props: { ...outs, pushAccessLevel: undefined, allowForcePush: true },
    });
    rules().length = 0;
    await expect(readProtectedBranch(api, outs)).resolves.toEqual({ id: "", props: {} });
  });

  it("changes access levels in place, removing entries added by hand, without unprotecting", async () => {
    const { outs } = await createProtectedBranch(api, main);
    rules()[0].push.push({ id: 9999, access_level: null, user_id: 7, group_id: null });
    const keep = rules()[0].merge[0].id;
    const news = { ...main, pushAccessLevel: 0 as const, unprotectAccessLevel: 60 as const };
    await expect(updateProtectedBranch(api, outs, news)).resolves.toEqual({ outs: { ...outs, ...news } });
    expect(levels("main")).toEqual({ push: [0], merge: [40], unprotect: [60], allowForcePush: false });
    expect(rules()[0].merge[0].id).toBe(keep);
    expect(double.requestsTo("DELETE", /protected_branches/)).toHaveLength(0);
    const [patch] = double.requestsTo("PATCH", "projects/mson/foundation/protected_branches/main");
    expect(patch.body).toMatchObject({ allowed_to_push: expect.arrayContaining([{ id: 9999, _destroy: true }]) });
    expect(patch.body).not.toHaveProperty("allowed_to_merge");
  });

  it("explains how to recover when the rule was removed by hand", async () => {
    const { outs } = await createProtectedBranch(api, main);
    rules().length = 0;
    await expect(updateProtectedBranch(api, outs, { ...main, pushAccessLevel: 0 })).rejects.toThrow(
      "ProtectedBranch 'main' on 'mson/foundation' no longer exists in GitLab; run `pulumi refresh` to drop it from " +
        "state, then `pulumi up` creates it again",
    );
  });

  it("unprotects, and treats a rule already gone as removed", async () => {
    const { outs } = await createProtectedBranch(api, wildcard);
    await deleteProtectedBranch(api, outs);
    await deleteProtectedBranch(api, outs);
    expect(double.requestsTo("DELETE", /protected_branches/).map((r) => `${r.route} ${r.status}`)).toEqual([
      "projects/mson/foundation/protected_branches/* 204",
      "projects/mson/foundation/protected_branches/* 404",
    ]);
  });
});

describe("access lists", () => {
  const role = (id: number, level: number) => ({ id, access_level: level, user_id: null, group_id: null });
  it.each<[string, Parameters<typeof accessChanges>[0], unknown]>([
    ["already the one role", [role(1, 40)], []],
    ["another role", [role(1, 30)], [{ removeId: 1 }, { accessLevel: 40 }]],
    ["the role and a user", [role(1, 40), { id: 2, access_level: null, user_id: 7 }], [{ removeId: 2 }]],
    ["two roles", [role(1, 30), role(2, 40)], [{ removeId: 1 }]],
    ["nothing", [], [{ accessLevel: 40 }]],
  ])("to make it maintainers only, from %s", (_case, current, changes) => {
    expect(accessChanges(current, 40)).toEqual(changes);
  });

  it("reads one role entry as its level and anything else as none", () => {
    expect(roleLevel([role(1, 0)])).toBe(0);
    expect(roleLevel([role(1, 40), role(2, 30)])).toBeUndefined();
    expect(roleLevel([{ id: 1, access_level: null, group_id: 3 }])).toBeUndefined();
    expect(roleLevel(null)).toBeUndefined();
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<ProtectedBranchInputs>, string[]]>([
    ["valid inputs", main, []],
    ["a wildcard", wildcard, []],
    ["a group path", { ...main, projectPath: "mson" }, ["projectPath"]],
    ["a name with a space", { ...main, name: "my branch" }, ["name"]],
    ["an unknown name", { ...main, name: UNKNOWN_VALUE }, []],
    ["a push level GitLab does not know", { ...main, pushAccessLevel: 20 as 30 }, ["pushAccessLevel"]],
    ["no one may unprotect", { ...main, unprotectAccessLevel: 0 }, ["unprotectAccessLevel"]],
    ["a non-boolean force push", { ...main, allowForcePush: "no" as unknown as boolean }, ["allowForcePush"]],
  ])("%s", (_case, inputs, properties) => {
    expect(checkProtectedBranch(inputs).map((f) => f.property)).toEqual(properties);
  });

  it("says which levels are allowed, and why 0 is not one for unprotect", () => {
    expect(checkProtectedBranch({ ...main, pushAccessLevel: 20 as 30, unprotectAccessLevel: 0 })).toEqual([
      {
        property: "pushAccessLevel",
        reason:
          "pushAccessLevel must be one of 0 (no one), 30 (developers and maintainers), 40 (maintainers), 60 " +
          "(administrators): who may push; got 20",
      },
      {
        property: "unprotectAccessLevel",
        reason:
          "unprotectAccessLevel must be one of 30 (developers and maintainers), 40 (maintainers), 60 " +
          "(administrators): who may unprotect; got 0",
      },
    ]);
    expect(checkProtectedBranch({ ...main, projectPath: "mson", name: "a b" })).toEqual([
      { property: "projectPath", reason: "projectPath must be the project's full path, e.g. 'mson/foundation'" },
      {
        property: "name",
        reason: "name must be a branch name or a wildcard without spaces, e.g. 'main' or 'release/*'",
      },
    ]);
  });

  const olds = { ...main, protectedBranchId: 7, adopted: false };
  it.each<[string, Partial<ProtectedBranchInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["who may push (PATCH)", { pushAccessLevel: 0 }, { changes: true, replaces: [] }],
    ["who may merge (PATCH)", { mergeAccessLevel: 60 }, { changes: true, replaces: [] }],
    ["who may unprotect (PATCH)", { unprotectAccessLevel: 60 }, { changes: true, replaces: [] }],
    ["force push (PATCH)", { allowForcePush: true }, { changes: true, replaces: [] }],
    ["code owner approval (PATCH)", { codeOwnerApprovalRequired: true }, { changes: true, replaces: [] }],
    ["the name (another rule)", { name: "release/*" }, { changes: true, replaces: ["name"] }],
    ["the project", { projectPath: "mson/other" }, { changes: true, replaces: ["projectPath"] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(protectedBranchProvider.diff!("7", olds, { ...main, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
