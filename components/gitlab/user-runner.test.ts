import { GitlabApi } from "./api";
import { UNKNOWN_VALUE } from "./provider-support";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";
import {
  checkUserRunner,
  createUserRunner,
  deleteUserRunner,
  readUserRunner,
  runnerNote,
  updateUserRunner,
  UserRunnerInputs,
  userRunnerProvider,
} from "./user-runner";

let double: GitlabDouble;
let api: GitlabApi;
let groupId: number;

const arm: UserRunnerInputs = {
  groupPath: "mson",
  runnerType: "group_type",
  tagList: ["aws-arm64", "docker"],
  runUntagged: false,
  locked: false,
  accessLevel: "not_protected",
  maximumTimeout: 3600,
  description: "aws-arm64 (docker-autoscaler)",
  paused: false,
  rotation: "",
  resourceName: "group-runner-arm64",
};

const NOTE =
  "Managed by Pulumi (Foundation group stack): runner record 'group-runner-arm64', rotation ''. Change it " +
  "through the stack's config, not here.";

beforeEach(async () => {
  double = await startGitlabDouble();
  groupId = double.addGroup("mson");
  api = apiFor(double);
});

afterEach(() => double.close());

describe("create", () => {
  it("creates a group runner with POST /user/runners and keeps the one-time token", async () => {
    const { id, outs } = await createUserRunner(api, arm);
    const runnerId = Number(id);
    expect(outs).toEqual({
      ...arm,
      groupId,
      runnerId,
      token: double.state.runnerTokens.get(runnerId),
      tokenExpiresAt: null,
    });
    expect(outs.token).toMatch(/^glrt-/);
    expect(double.requestsTo("POST", "user/runners")[0].body).toEqual({
      runner_type: "group_type",
      group_id: groupId,
      description: "aws-arm64 (docker-autoscaler)",
      paused: false,
      locked: false,
      run_untagged: false,
      tag_list: ["aws-arm64", "docker"],
      access_level: "not_protected",
      maximum_timeout: 3600,
      maintenance_note: NOTE,
    });
  });

  it("leaves maximum_timeout out when there is none", async () => {
    await createUserRunner(api, { ...arm, maximumTimeout: undefined });
    expect(double.requestsTo("POST", "user/runners")[0].body).not.toHaveProperty("maximum_timeout");
  });

  it("retries a 429 on create once Retry-After has passed, creating one runner", async () => {
    double.inject({ method: "POST", route: "user/runners", status: 429, headers: { "retry-after": "1" }, times: 1 });
    const clock = fakeClock();
    await createUserRunner(apiFor(double, clock), arm);
    expect(clock.sleeps).toEqual([1000]);
    expect(double.state.runners.size).toBe(1);
  });

  it("names the Owner role on 403", async () => {
    double.inject({ method: "POST", route: "user/runners", status: 403, body: { message: "403 Forbidden" } });
    await expect(createUserRunner(api, arm)).rejects.toThrow(
      "UserRunner 'aws-arm64 (docker-autoscaler)' in 'mson': GitLab refused (403 403 Forbidden); the token in " +
        "GITLAB_TOKEN needs the `api` scope and its user needs the Owner role in group 'mson'",
    );
  });
});

describe("creation that cannot leak a token", () => {
  /** A runner as a creation with `inputs` makes it, straight through the API: an earlier run's lost creation. */
  const earlierCreation = async (inputs: UserRunnerInputs = arm, group = groupId) => {
    const created = await api.createGroupRunner(group, {
      description: inputs.description,
      paused: false,
      locked: false,
      runUntagged: inputs.runUntagged,
      tagList: inputs.tagList,
      accessLevel: inputs.accessLevel,
      maintenanceNote: runnerNote(inputs),
    });
    return created;
  };
  const resets = () => double.requests.filter((r) => /^runners\/\d+\/reset_authentication_token$/.test(r.route));

  it("writes the mark a lookup matches into the maintenance note", () => {
    expect(runnerNote(arm)).toBe(NOTE);
  });

  it("a 504 after GitLab created the runner leaves exactly one runner, and the stack's token is the live one", async () => {
    double.inject({ method: "POST", route: "user/runners", status: 504, after: true, times: 1 });
    const clock = fakeClock();
    const { id, outs } = await createUserRunner(apiFor(double, clock), arm);
    expect(double.state.runners.size).toBe(1);
    expect([...double.state.runners.keys()]).toEqual([Number(id)]);
    expect(outs.token).toBe(double.state.runnerTokens.get(Number(id)));
    expect(outs).toMatchObject({ runnerId: Number(id), groupId, tokenExpiresAt: null });
    // The POST was sent once; the runner was found after one backoff and its lost token replaced.
    expect(double.requestsTo("POST", "user/runners").map((r) => r.status)).toEqual([504]);
    expect(clock.sleeps).toEqual([100]);
    expect(resets().map((r) => `${r.method} ${r.route} ${r.status}`)).toEqual([
      `POST runners/${id}/reset_authentication_token 201`,
    ]);
  });

  it("a 502 before GitLab created anything is not resent: it fails with the way out, and the next run creates one", async () => {
    double.inject({ method: "POST", route: "user/runners", status: 502, times: 1 });
    const clock = fakeClock();
    await expect(createUserRunner(apiFor(double, clock), arm)).rejects.toThrow(
      "UserRunner 'aws-arm64 (docker-autoscaler)' in 'mson': GitLab's answer to the creation was lost (502 502 " +
        "injected), and no runner with this description, tags and maintenance note appeared in group 'mson' in 3 " +
        "lookups. The creation is not sent again, because a second runner would hold a live token nobody has. Run " +
        "`pulumi up` again: it looks the runner up first and, if GitLab created it after all, takes it over with a " +
        "new token",
    );
    expect(double.requestsTo("POST", "user/runners")).toHaveLength(1);
    expect(clock.sleeps).toEqual([100, 200, 400]);
    expect(double.state.runners.size).toBe(0);
    const { id, outs } = await createUserRunner(api, arm);
    expect(double.state.runners.size).toBe(1);
    expect(outs.token).toBe(double.state.runnerTokens.get(Number(id)));
  });

  it("takes over the runner an earlier run created but never heard back about, killing the lost token", async () => {
    const lost = await earlierCreation();
    const { id, outs } = await createUserRunner(api, { ...arm, paused: true });
    expect(id).toBe(String(lost.id));
    expect(double.state.runners.size).toBe(1);
    expect(outs.token).not.toBe(lost.token);
    expect(outs.token).toBe(double.state.runnerTokens.get(lost.id));
    expect(double.state.runners.get(lost.id)).toMatchObject({ paused: true });
    // One POST in all: the earlier run's.
    expect(double.requestsTo("POST", "user/runners")).toHaveLength(1);
    expect(double.requestsTo("GET", `groups/${groupId}/runners`)[0].query).toEqual({
      type: "group_type",
      "tag_list[]": "aws-arm64,docker",
      status: "never_contacted",
      per_page: "100",
    });
  });

  it("refuses, naming their IDs, when more than one runner matches", async () => {
    const first = await earlierCreation();
    const second = await earlierCreation();
    await expect(createUserRunner(api, arm)).rejects.toThrow(
      `UserRunner 'aws-arm64 (docker-autoscaler)' in 'mson': 2 runners of group 'mson' match it (IDs ${first.id}, ` +
        `${second.id}): creations whose answers were lost made them, and each holds a live token nobody has. Delete ` +
        "all but one (Settings > CI/CD > Runners, or DELETE /runners/:id), then run `pulumi up` again: it takes the " +
        "remaining one over with a new token",
    );
    expect(double.state.runners.size).toBe(2);
    expect(resets()).toHaveLength(0);
  });

  it("never takes over a runner registered by hand, one in use, another record's or one being replaced", async () => {
    const byHand = await api.createGroupRunner(groupId, {
      description: arm.description,
      paused: false,
      locked: false,
      runUntagged: false,
      tagList: arm.tagList,
      accessLevel: "not_protected",
    });
    const inUse = await earlierCreation();
    double.state.runners.get(inUse.id)!.contacted = true;
    await earlierCreation({ ...arm, resourceName: "group-runner-other" });
    // The record a rotation replaces: created before the old one is deleted, it must not find the old one.
    await earlierCreation({ ...arm, rotation: "2026-01" });
    await earlierCreation({ ...arm, tagList: ["aws-arm64", "docker", "gpu"] });
    const { id } = await createUserRunner(api, arm);
    expect([byHand.id, inUse.id]).not.toContain(Number(id));
    expect(double.state.runners.size).toBe(6);
    expect(resets()).toHaveLength(0);
  });

  it("never takes over a parent group's runner, which the subgroup's listing shows too", async () => {
    const parents = await earlierCreation();
    const subgroup = double.addGroup("mson/sub");
    const { id } = await createUserRunner(api, { ...arm, groupPath: "mson/sub" });
    expect(Number(id)).not.toBe(parents.id);
    expect(double.state.runners.get(Number(id))).toMatchObject({ groupId: subgroup });
    expect(double.requestsTo("GET", `groups/${subgroup}/runners`)).toHaveLength(1);
    expect(double.requestsTo("GET", `runners/${parents.id}`)).toHaveLength(1);
    expect(resets()).toHaveLength(0);
  });
});

describe("read, update, delete", () => {
  it("reads the runner back, keeping the token GitLab never shows again, and reports it gone after a 404", async () => {
    const { id, outs } = await createUserRunner(api, arm);
    double.state.runners.get(Number(id))!.paused = true;
    await expect(readUserRunner(api, id, outs)).resolves.toEqual({ id, props: { ...outs, paused: true } });
    double.state.runners.clear();
    await expect(readUserRunner(api, id, outs)).resolves.toEqual({ id: "", props: {} });
  });

  it("updates tags and flags in place, keeping the token", async () => {
    const { id, outs } = await createUserRunner(api, arm);
    const news = { ...arm, tagList: ["aws-arm64"], accessLevel: "ref_protected" as const, paused: true };
    await expect(updateUserRunner(api, id, outs, news)).resolves.toEqual({ outs: { ...outs, ...news } });
    expect(double.requestsTo("PUT", `runners/${id}`)[0].body).toEqual({
      description: "aws-arm64 (docker-autoscaler)",
      paused: true,
      locked: false,
      run_untagged: false,
      tag_list: ["aws-arm64"],
      access_level: "ref_protected",
      maximum_timeout: 3600,
      maintenance_note: NOTE,
    });
    expect(double.state.runners.get(Number(id))).toMatchObject({ tag_list: ["aws-arm64"], paused: true });
  });

  it("explains how to recover when the runner was deleted by hand", async () => {
    const { id, outs } = await createUserRunner(api, arm);
    double.state.runners.clear();
    await expect(updateUserRunner(api, id, outs, { ...arm, paused: true })).rejects.toThrow(
      `UserRunner 'aws-arm64 (docker-autoscaler)' in 'mson' (runner ${id}) no longer exists in GitLab; run ` +
        "`pulumi refresh` to drop it from state, then `pulumi up` creates it again",
    );
  });

  it("deletes the runner (revoking its token), and treats a gone runner as deleted", async () => {
    const { id, outs } = await createUserRunner(api, arm);
    await deleteUserRunner(api, id, outs);
    expect(double.state.runnerTokens.size).toBe(0);
    await expect(deleteUserRunner(api, id, outs)).resolves.toBeUndefined();
    expect(double.requestsTo("DELETE", `runners/${id}`).map((r) => r.status)).toEqual([204, 404]);
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<UserRunnerInputs>, string[]]>([
    ["valid inputs", arm, []],
    ["a project runner", { ...arm, runnerType: "project_type" as "group_type" }, ["runnerType"]],
    ["no tags and no untagged jobs", { ...arm, tagList: [] }, ["runUntagged"]],
    ["no tags but untagged jobs", { ...arm, tagList: [], runUntagged: true }, []],
    ["a tag with a comma", { ...arm, tagList: ["a,b"] }, ["tagList"]],
    ["a timeout under 600 s", { ...arm, maximumTimeout: 599 }, ["maximumTimeout"]],
    ["an unknown timeout", { ...arm, maximumTimeout: UNKNOWN_VALUE as unknown as number }, []],
    ["a bad access level", { ...arm, accessLevel: "protected" as "ref_protected" }, ["accessLevel"]],
  ])("%s", (_case, inputs, properties) => {
    expect(checkUserRunner(inputs).map((f) => f.property)).toEqual(properties);
  });

  it("says why a 599 s timeout is refused", () => {
    expect(checkUserRunner({ ...arm, maximumTimeout: 599 })).toEqual([
      {
        property: "maximumTimeout",
        reason: "maximumTimeout must be a whole number of seconds, at least 600; got 599",
      },
    ]);
  });

  const olds = { ...arm, groupId: 1, runnerId: 9, token: "glrt-old", tokenExpiresAt: null };
  it.each<[string, Partial<UserRunnerInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["the tags", { tagList: ["x"] }, { changes: true, replaces: [] }],
    ["the access level", { accessLevel: "ref_protected" }, { changes: true, replaces: [] }],
    ["the timeout", { maximumTimeout: 7200 }, { changes: true, replaces: [] }],
    ["the rotation (a new token)", { rotation: "2026-03" }, { changes: true, replaces: ["rotation"] }],
    ["the group", { groupPath: "other" }, { changes: true, replaces: ["groupPath"] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(userRunnerProvider.diff!("9", olds, { ...arm, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
