import { GitlabApi } from "./api";
import {
  checkProjectApprovalRule,
  createProjectApprovalRule,
  deleteProjectApprovalRule,
  ProjectApprovalRuleInputs,
  projectApprovalRuleProvider,
  readProjectApprovalRule,
  updateProjectApprovalRule,
} from "./project-approval-rule";
import { UNKNOWN_VALUE } from "./provider-support";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;
let lead: number;
let oncall: number;

const PROJECT = "mson/foundation";
const maintainers: ProjectApprovalRuleInputs = {
  projectPath: PROJECT,
  name: "Foundation maintainers",
  approvalsRequired: 1,
  ruleType: "regular",
  userIds: [],
  usernames: ["platform-lead", "platform-oncall"],
  groupIds: [],
  protectedBranchIds: [],
  appliesToAllProtectedBranches: true,
};

beforeEach(async () => {
  double = await startGitlabDouble();
  double.addGroup("mson");
  double.addProject("mson", "foundation");
  lead = double.addUser("platform-lead");
  oncall = double.addUser("platform-oncall");
  api = apiFor(double);
});

afterEach(() => double.close());

const rules = () => double.state.approvalRules.get(PROJECT) ?? [];
/** A rule made by hand before the stack. */
const existing = (
  changes: Partial<typeof double.state.approvalRules extends Map<string, (infer R)[]> ? R : never> = {},
) => {
  const rule = {
    id: 500,
    name: "Foundation maintainers",
    rule_type: "regular",
    approvals_required: 2,
    userIds: [lead],
    groupIds: [],
    protectedBranchIds: [],
    applies_to_all_protected_branches: false,
    ...changes,
  };
  double.state.approvalRules.set(PROJECT, [rule]);
  return rule;
};

describe("create", () => {
  it("creates the rule with every list sent, and keeps it when GitLab kept every approver", async () => {
    const { id, outs } = await createProjectApprovalRule(api, maintainers);
    expect(outs).toEqual({ ...maintainers, ruleId: Number(id), adopted: false });
    expect(double.requestsTo("POST", "projects/mson/foundation/approval_rules")[0].body).toEqual({
      name: "Foundation maintainers",
      approvals_required: 1,
      user_ids: [],
      usernames: ["platform-lead", "platform-oncall"],
      group_ids: [],
      protected_branch_ids: [],
      applies_to_all_protected_branches: true,
      rule_type: "regular",
    });
    expect(rules()[0]).toMatchObject({ userIds: [lead, oncall], applies_to_all_protected_branches: true });
  });

  it("covers protected branches by ID", async () => {
    const main = double.addProtectedBranch(PROJECT, "main", { push: 40, merge: 40 });
    const inputs = { ...maintainers, appliesToAllProtectedBranches: false, protectedBranchIds: [main.id] };
    await createProjectApprovalRule(api, inputs);
    expect(rules()[0].protectedBranchIds).toEqual([main.id]);
  });

  it("fails, naming them, when GitLab drops approvers or branches it cannot resolve", async () => {
    const inputs = {
      ...maintainers,
      usernames: ["platform-lead", "nobody"],
      groupIds: [4242],
      protectedBranchIds: [9],
    };
    await expect(createProjectApprovalRule(api, { ...inputs, appliesToAllProtectedBranches: false })).rejects.toThrow(
      "ProjectApprovalRule 'Foundation maintainers' on 'mson/foundation': GitLab dropped user 'nobody', group ID " +
        "4242, protected branch ID 9 from the rule: a user must exist and be a member of the project, a group must " +
        "exist and be visible to the token's user, and a branch must be one of the project's protected branches. " +
        "Fix the config or the membership, then run `pulumi up` again",
    );
  });

  it("takes over the project's rule of the same name and brings it to the inputs", async () => {
    existing();
    const { id, outs } = await createProjectApprovalRule(api, maintainers);
    expect(id).toBe("500");
    expect(outs.adopted).toBe(true);
    expect(double.requestsTo("POST", /approval_rules/)).toHaveLength(0);
    expect(double.requestsTo("PUT", "projects/mson/foundation/approval_rules/500")[0].body).toEqual({
      name: "Foundation maintainers",
      approvals_required: 1,
      user_ids: [],
      usernames: ["platform-lead", "platform-oncall"],
      group_ids: [],
      protected_branch_ids: [],
      applies_to_all_protected_branches: true,
    });
    expect(rules()[0]).toMatchObject({ approvals_required: 1, userIds: [lead, oncall] });
  });

  it("finds the rule of the same name on a later page of the listing", async () => {
    const paged = await startGitlabDouble({ maxPerPage: 2 });
    try {
      paged.addGroup("mson");
      paged.addProject("mson", "foundation");
      paged.addUser("platform-lead");
      paged.addUser("platform-oncall");
      const pagedApi = apiFor(paged);
      for (const name of ["A", "B", "C", "D"]) {
        await createProjectApprovalRule(pagedApi, { ...maintainers, name });
      }
      const { outs } = await createProjectApprovalRule(pagedApi, { ...maintainers, name: "D" });
      expect(outs.adopted).toBe(true);
      expect(
        paged
          .requestsTo("GET", "projects/mson/foundation/approval_rules")
          .slice(-2)
          .map((r) => r.query.page),
      ).toEqual([undefined, "2"]);
    } finally {
      await paged.close();
    }
  });

  it("refuses to take over a rule of the same name and another type", async () => {
    existing({ rule_type: "any_approver", userIds: [] });
    await expect(createProjectApprovalRule(api, maintainers)).rejects.toThrow(
      "ProjectApprovalRule 'Foundation maintainers' on 'mson/foundation': the project has a rule of this name of " +
        "type 'any_approver' (ID 500), and a rule's type cannot be changed; delete it in the project's Settings > " +
        "Merge requests, or choose another name",
    );
  });

  it("takes over a rule made between its lookup and its POST (400 has already been taken)", async () => {
    existing();
    double.inject({ method: "GET", route: "projects/mson/foundation/approval_rules", status: 200, body: [], times: 1 });
    const { outs } = await createProjectApprovalRule(api, maintainers);
    expect(outs.adopted).toBe(true);
    expect(double.requestsTo("POST", /approval_rules/).map((r) => r.status)).toEqual([400]);
  });

  it("after a 504 on a POST GitLab carried out, finds the rule instead of making a second", async () => {
    double.inject({ method: "POST", route: "projects/mson/foundation/approval_rules", status: 504, after: true });
    const clock = fakeClock();
    const { id } = await createProjectApprovalRule(apiFor(double, clock), maintainers);
    expect(rules().map((r) => r.id)).toEqual([Number(id)]);
    expect(double.requestsTo("POST", /approval_rules/)).toHaveLength(1);
    expect(clock.sleeps).toEqual([100]);
  });
});

describe("read, update, delete", () => {
  it("reads the rule back, a user added by hand as a user ID, and a deleted rule as gone", async () => {
    const { id, outs } = await createProjectApprovalRule(api, maintainers);
    const stranger = double.addUser("stranger");
    rules()[0].userIds.push(stranger);
    rules()[0].approvals_required = 0;
    await expect(readProjectApprovalRule(api, id, outs)).resolves.toEqual({
      id,
      props: { ...outs, userIds: [stranger], approvalsRequired: 0 },
    });
    rules().length = 0;
    await expect(readProjectApprovalRule(api, id, outs)).resolves.toEqual({ id: "", props: {} });
  });

  it("renames and changes approvers in place", async () => {
    const { id, outs } = await createProjectApprovalRule(api, maintainers);
    const news = { ...maintainers, name: "Maintainers", approvalsRequired: 2, usernames: ["platform-lead"] };
    await expect(updateProjectApprovalRule(api, id, outs, news)).resolves.toEqual({ outs: { ...outs, ...news } });
    expect(rules()[0]).toMatchObject({ id: Number(id), name: "Maintainers", approvals_required: 2, userIds: [lead] });
  });

  it("refuses a rename onto another rule's name, and explains a rule deleted by hand", async () => {
    const { id, outs } = await createProjectApprovalRule(api, maintainers);
    await createProjectApprovalRule(api, { ...maintainers, name: "Security" });
    await expect(updateProjectApprovalRule(api, id, outs, { ...maintainers, name: "Security" })).rejects.toThrow(
      "ProjectApprovalRule 'Security' on 'mson/foundation': cannot rename 'Foundation maintainers' to 'Security': " +
        "the project has a rule of that name; delete or rename that rule first, or choose another name",
    );
    double.state.approvalRules.set(PROJECT, []);
    await expect(updateProjectApprovalRule(api, id, outs, { ...maintainers, approvalsRequired: 2 })).rejects.toThrow(
      `ProjectApprovalRule 'Foundation maintainers' on 'mson/foundation' (ID ${id}) no longer exists in GitLab; run ` +
        "`pulumi refresh` to drop it from state, then `pulumi up` creates it again",
    );
  });

  it("deletes the rule, and treats one already gone as deleted", async () => {
    const { id, outs } = await createProjectApprovalRule(api, maintainers);
    await deleteProjectApprovalRule(api, id, outs);
    await deleteProjectApprovalRule(api, id, outs);
    expect(double.requestsTo("DELETE", /approval_rules/).map((r) => r.status)).toEqual([204, 404]);
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<ProjectApprovalRuleInputs>, string[]]>([
    ["valid inputs", maintainers, []],
    ["any approver", { ...maintainers, ruleType: "any_approver", usernames: [] }, []],
    ["an empty name", { ...maintainers, name: "" }, ["name"]],
    ["negative approvals", { ...maintainers, approvalsRequired: -1 }, ["approvalsRequired"]],
    ["a project rule type GitLab sets itself", { ...maintainers, ruleType: "code_owner" as "regular" }, ["ruleType"]],
    ["an empty username", { ...maintainers, usernames: [""] }, ["usernames"]],
    ["a fractional group ID", { ...maintainers, groupIds: [1.5] }, ["groupIds"]],
    [
      "unknown branch IDs",
      {
        ...maintainers,
        appliesToAllProtectedBranches: false,
        protectedBranchIds: [UNKNOWN_VALUE as unknown as number],
      },
      [],
    ],
    ["branches and all branches", { ...maintainers, protectedBranchIds: [3] }, ["protectedBranchIds"]],
    ["any approver with approvers", { ...maintainers, ruleType: "any_approver" }, ["ruleType"]],
    ["a regular rule without approvers", { ...maintainers, usernames: [] }, ["usernames"]],
    ["unknown approvers", { ...maintainers, usernames: UNKNOWN_VALUE as unknown as string[] }, []],
  ])("%s", (_case, inputs, properties) => {
    expect(checkProjectApprovalRule(inputs).map((f) => f.property)).toEqual(properties);
  });

  it("says why a rule without approvers or with both kinds of branches is refused", () => {
    expect(checkProjectApprovalRule({ ...maintainers, usernames: [], protectedBranchIds: [3] })).toEqual([
      {
        property: "protectedBranchIds",
        reason:
          "protectedBranchIds and appliesToAllProtectedBranches exclude each other: GitLab ignores the IDs of a rule " +
          "that applies to every protected branch; keep one",
      },
      {
        property: "usernames",
        reason:
          "a 'regular' rule with no userIds, usernames or groupIds has nobody who can approve; name the approvers, " +
          "or use ruleType 'any_approver'",
      },
    ]);
  });

  it("sorts the lists in check, so their order in config is no change", async () => {
    const { inputs } = await projectApprovalRuleProvider.check!(
      {},
      {
        ...maintainers,
        usernames: ["platform-oncall", "platform-lead"],
        groupIds: [9, 3],
      },
    );
    expect(inputs).toMatchObject({ usernames: ["platform-lead", "platform-oncall"], groupIds: [3, 9] });
    const olds = { ...maintainers, groupIds: [3, 9], ruleId: 500, adopted: false };
    await expect(projectApprovalRuleProvider.diff!("500", olds, inputs)).resolves.toMatchObject({ changes: false });
  });

  const olds = { ...maintainers, ruleId: 500, adopted: false };
  it.each<[string, Partial<ProjectApprovalRuleInputs>, { changes: boolean; replaces: string[]; dbr: boolean }]>([
    ["nothing", {}, { changes: false, replaces: [], dbr: false }],
    ["the name (PUT)", { name: "Maintainers" }, { changes: true, replaces: [], dbr: false }],
    ["the approvals (PUT)", { approvalsRequired: 2 }, { changes: true, replaces: [], dbr: false }],
    ["the approvers (PUT)", { usernames: ["platform-lead"] }, { changes: true, replaces: [], dbr: false }],
    [
      "the branches (PUT)",
      { appliesToAllProtectedBranches: false, protectedBranchIds: [3] },
      { changes: true, replaces: [], dbr: false },
    ],
    ["the project", { projectPath: "mson/other" }, { changes: true, replaces: ["projectPath"], dbr: false }],
    // Same name, and names are unique: the old rule goes first.
    ["the type", { ruleType: "any_approver", usernames: [] }, { changes: true, replaces: ["ruleType"], dbr: true }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(projectApprovalRuleProvider.diff!("500", olds, { ...maintainers, ...change })).resolves.toEqual({
      changes: expected.changes,
      replaces: expected.replaces,
      deleteBeforeReplace: expected.dbr,
    });
  });
});
