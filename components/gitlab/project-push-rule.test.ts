import { GitlabApi } from "./api";
import {
  checkProjectPushRule,
  createProjectPushRule,
  deleteProjectPushRule,
  ProjectPushRuleInputs,
  projectPushRuleProvider,
  readProjectPushRule,
  updateProjectPushRule,
} from "./project-push-rule";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;
let projectId: number;

const PROJECT = "mson/foundation";
const strict: ProjectPushRuleInputs = {
  projectPath: PROJECT,
  denyDeleteTag: true,
  memberCheck: true,
  preventSecrets: true,
  commitCommitterCheck: true,
  rejectUnsignedCommits: true,
  maxFileSize: 10,
};
const SENT = {
  deny_delete_tag: true,
  member_check: true,
  prevent_secrets: true,
  commit_committer_check: true,
  reject_unsigned_commits: true,
  max_file_size: 10,
};

beforeEach(async () => {
  double = await startGitlabDouble();
  double.addGroup("mson");
  projectId = double.addProject("mson", "foundation");
  api = apiFor(double);
});

afterEach(() => double.close());

const stored = () => double.state.pushRules.get(PROJECT);
/** A push rule set by hand before the stack, as GitLab copies the instance's into a new project. */
const existing = (settings: Partial<typeof SENT> = {}) => {
  double.state.pushRules.set(PROJECT, {
    id: 77,
    project_id: projectId,
    deny_delete_tag: false,
    member_check: false,
    prevent_secrets: true,
    commit_committer_check: false,
    reject_unsigned_commits: false,
    max_file_size: 0,
    ...settings,
  });
};

describe("create", () => {
  it("sets the push rule with every setting sent", async () => {
    const { id, outs } = await createProjectPushRule(api, strict);
    expect(outs).toEqual({ ...strict, pushRuleId: Number(id), adopted: false });
    expect(double.requestsTo("POST", "projects/mson/foundation/push_rule")[0].body).toEqual(SENT);
    expect(stored()).toMatchObject({ ...SENT, id: Number(id) });
  });

  it("takes over the project's existing rule and brings it to the inputs", async () => {
    existing();
    const { id, outs } = await createProjectPushRule(api, strict);
    expect(id).toBe("77");
    expect(outs.adopted).toBe(true);
    expect(double.requestsTo("POST", /push_rule/)).toHaveLength(0);
    expect(double.requestsTo("PUT", "projects/mson/foundation/push_rule")[0].body).toEqual(SENT);
    expect(stored()).toMatchObject(SENT);
  });

  it("takes over an existing rule that already matches without changing it", async () => {
    existing(SENT);
    await createProjectPushRule(api, strict);
    expect(double.requestsTo("PUT", /push_rule/)).toHaveLength(0);
  });

  it("takes over a rule set between its lookup and its POST (422 Project push rule exists)", async () => {
    existing();
    double.inject({ method: "GET", route: "projects/mson/foundation/push_rule", status: 404, times: 1 });
    const { outs } = await createProjectPushRule(api, strict);
    expect(outs.adopted).toBe(true);
    expect(double.requestsTo("POST", /push_rule/).map((r) => r.status)).toEqual([422]);
    expect(stored()).toMatchObject(SENT);
  });

  it("after a 504 on a POST GitLab carried out, finds the rule instead of failing on the second POST", async () => {
    double.inject({ method: "POST", route: "projects/mson/foundation/push_rule", status: 504, after: true });
    const clock = fakeClock();
    const { outs } = await createProjectPushRule(apiFor(double, clock), strict);
    expect(outs).toMatchObject({ pushRuleId: stored()!.id, adopted: false });
    expect(double.requestsTo("POST", /push_rule/)).toHaveLength(1);
    expect(clock.sleeps).toEqual([100]);
  });

  it("names Premium and the Maintainer role on 403", async () => {
    double.inject({ route: /push_rule/, status: 403, body: { message: "403 Forbidden" } });
    await expect(createProjectPushRule(api, strict)).rejects.toThrow(
      "ProjectPushRule of 'mson/foundation': GitLab refused (403 403 Forbidden); the token in GITLAB_TOKEN needs " +
        "the `api` scope and its user needs the Maintainer role (or higher) in project 'mson/foundation', on GitLab " +
        "Premium or Ultimate (push rules)",
    );
  });
});

describe("read, update, delete", () => {
  it("reads the rule back, and reports a project without one as gone", async () => {
    const { outs } = await createProjectPushRule(api, strict);
    stored()!.prevent_secrets = false;
    await expect(readProjectPushRule(api, outs)).resolves.toEqual({
      id: String(outs.pushRuleId),
      props: { ...outs, preventSecrets: false },
    });
    double.state.pushRules.delete(PROJECT);
    await expect(readProjectPushRule(api, outs)).resolves.toEqual({ id: "", props: {} });
  });

  it("changes settings in place", async () => {
    const { outs } = await createProjectPushRule(api, strict);
    const news = { ...strict, denyDeleteTag: false, maxFileSize: 0 };
    await expect(updateProjectPushRule(api, outs, news)).resolves.toEqual({ outs: { ...outs, ...news } });
    expect(stored()).toMatchObject({ ...SENT, deny_delete_tag: false, max_file_size: 0 });
  });

  it("explains how to recover when the rule was removed by hand", async () => {
    const { outs } = await createProjectPushRule(api, strict);
    double.state.pushRules.delete(PROJECT);
    await expect(updateProjectPushRule(api, outs, { ...strict, maxFileSize: 1 })).rejects.toThrow(
      "ProjectPushRule of 'mson/foundation' no longer exists in GitLab; run `pulumi refresh` to drop it from state, " +
        "then `pulumi up` creates it again",
    );
  });

  it("on delete, switches off what it manages and keeps the rule, and counts a project without one as done", async () => {
    const { outs } = await createProjectPushRule(api, strict);
    await deleteProjectPushRule(api, outs);
    expect(stored()).toMatchObject({
      deny_delete_tag: false,
      member_check: false,
      prevent_secrets: false,
      commit_committer_check: false,
      reject_unsigned_commits: false,
      max_file_size: 0,
    });
    double.state.pushRules.delete(PROJECT);
    await expect(deleteProjectPushRule(api, outs)).resolves.toBeUndefined();
    expect(double.requestsTo("PUT", /push_rule/).map((r) => r.status)).toEqual([200, 404]);
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<ProjectPushRuleInputs>, string[]]>([
    ["valid inputs", strict, []],
    ["no size limit", { ...strict, maxFileSize: 0 }, []],
    ["a negative size", { ...strict, maxFileSize: -1 }, ["maxFileSize"]],
    ["a fractional size", { ...strict, maxFileSize: 1.5 }, ["maxFileSize"]],
    ["a non-boolean check", { ...strict, preventSecrets: "yes" as unknown as boolean }, ["preventSecrets"]],
    ["a group path", { ...strict, projectPath: "mson" }, ["projectPath"]],
  ])("%s", (_case, inputs, properties) => {
    expect(checkProjectPushRule(inputs).map((f) => f.property)).toEqual(properties);
  });

  it("says what a size must be", () => {
    expect(checkProjectPushRule({ ...strict, maxFileSize: -1, memberCheck: 1 as unknown as boolean })).toEqual([
      { property: "memberCheck", reason: "memberCheck must be true or false" },
      { property: "maxFileSize", reason: "maxFileSize must be a whole number of MB, 0 for no limit; got -1" },
    ]);
  });

  const olds = { ...strict, pushRuleId: 77, adopted: false };
  it.each<[string, Partial<ProjectPushRuleInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["a check (PUT)", { rejectUnsignedCommits: false }, { changes: true, replaces: [] }],
    ["the size limit (PUT)", { maxFileSize: 0 }, { changes: true, replaces: [] }],
    ["the project", { projectPath: "mson/other" }, { changes: true, replaces: ["projectPath"] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(projectPushRuleProvider.diff!("77", olds, { ...strict, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
