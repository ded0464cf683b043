import { GitlabApi } from "./api";
import {
  checkGroupVariable,
  createGroupVariable,
  deleteGroupVariable,
  GroupVariableInputs,
  groupVariableProvider,
  readGroupVariable,
  updateGroupVariable,
} from "./group-variable";
import { UNKNOWN_VALUE } from "./provider-support";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;

const role: GroupVariableInputs = {
  groupPath: "mson",
  key: "AWS_DEPLOY_ROLE_ARN",
  value: "arn:aws:iam::111122223333:role/foundation-deploy",
  masked: false,
  protected: true,
  raw: true,
  variableType: "env_var",
  environmentScope: "*",
  description: "Role the deploy jobs assume.",
};

beforeEach(async () => {
  double = await startGitlabDouble();
  double.addGroup("mson");
  api = apiFor(double);
});

afterEach(() => double.close());

const stored = () => double.state.variables.get("mson") ?? [];

/** A variable as the double keeps it. */
const toApi = (inputs: GroupVariableInputs) => ({
  key: inputs.key,
  value: inputs.value,
  variable_type: inputs.variableType,
  protected: inputs.protected,
  masked: inputs.masked,
  raw: inputs.raw,
  environment_scope: inputs.environmentScope,
  description: inputs.description,
});

describe("create", () => {
  it("creates the variable, sending raw and every flag explicitly", async () => {
    await expect(createGroupVariable(api, role)).resolves.toEqual({
      id: "mson:AWS_DEPLOY_ROLE_ARN:*",
      outs: role,
    });
    expect(double.requestsTo("POST", "groups/mson/variables")[0].body).toEqual({
      key: "AWS_DEPLOY_ROLE_ARN",
      value: "arn:aws:iam::111122223333:role/foundation-deploy",
      variable_type: "env_var",
      protected: true,
      masked: false,
      raw: true,
      environment_scope: "*",
      description: "Role the deploy jobs assume.",
    });
  });

  it("sends raw false too", async () => {
    await createGroupVariable(api, { ...role, raw: false });
    expect(double.requestsTo("POST", "groups/mson/variables")[0].body).toMatchObject({ raw: false });
    expect(stored()[0].raw).toBe(false);
  });

  it("keeps the same key in two environment scopes apart", async () => {
    await createGroupVariable(api, role);
    await createGroupVariable(api, { ...role, environmentScope: "production", value: "arn:prod" });
    expect(stored().map((v) => [v.environment_scope, v.value])).toEqual([
      ["*", role.value],
      ["production", "arn:prod"],
    ]);
    expect(double.requestsTo("GET", "groups/mson/variables/AWS_DEPLOY_ROLE_ARN").map((r) => r.query)).toEqual([
      { "filter[environment_scope]": "*" },
      { "filter[environment_scope]": "production" },
    ]);
  });

  it("refuses to take over an existing variable", async () => {
    await createGroupVariable(api, role);
    await expect(createGroupVariable(api, { ...role, value: "other" })).rejects.toThrow(
      "GroupVariable 'AWS_DEPLOY_ROLE_ARN' (environment scope '*') in 'mson' already exists; delete it in GitLab " +
        "(group Settings > CI/CD > Variables) so this stack can create it with the configured value, or remove it " +
        "from this stack's config",
    );
    expect(stored()[0].value).toBe(role.value);
  });

  it("refuses on a conflict answered to the create itself", async () => {
    double.inject({ method: "POST", route: "groups/mson/variables", status: 409, body: { message: "409 Conflict" } });
    await expect(createGroupVariable(api, role)).rejects.toThrow(/already exists; delete it in GitLab/);
  });

  it("after a 502 that created nothing, looks the variable up and creates it", async () => {
    double.inject({ method: "POST", route: "groups/mson/variables", status: 502, times: 1 });
    const clock = fakeClock();
    await createGroupVariable(apiFor(double, clock), role);
    expect(clock.sleeps).toEqual([100]);
    expect(stored()).toHaveLength(1);
    expect(double.requestsTo("POST", "groups/mson/variables").map((r) => r.status)).toEqual([502, 201]);
  });

  it("after a 504 on a POST GitLab carried out, keeps the variable it finds with exactly its value", async () => {
    double.inject({ method: "POST", route: "groups/mson/variables", status: 504, after: true, times: 1 });
    await expect(createGroupVariable(api, role)).resolves.toEqual({ id: "mson:AWS_DEPLOY_ROLE_ARN:*", outs: role });
    expect(stored()).toHaveLength(1);
    expect(double.requestsTo("POST", "groups/mson/variables")).toHaveLength(1);
  });

  it("after a lost answer, refuses a variable someone else set to another value meanwhile", async () => {
    double.inject({ method: "POST", route: "groups/mson/variables", status: 503, times: 1 });
    const clock = fakeClock();
    // While the stack backs off, someone else creates the variable with their own value.
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      await sleep(ms);
      double.state.variables.get("mson")!.push({ ...toApi(role), value: "theirs" });
    };
    await expect(createGroupVariable(apiFor(double, clock), role)).rejects.toThrow(
      /already exists; delete it in GitLab/,
    );
    expect(double.requestsTo("POST", "groups/mson/variables").map((r) => r.status)).toEqual([503, 400]);
    expect(stored().map((v) => v.value)).toEqual(["theirs"]);
  });

  it("names the Owner role on 403", async () => {
    double.inject({ route: /^groups\/mson\/variables/, status: 403, body: { message: "403 Forbidden" } });
    await expect(createGroupVariable(api, role)).rejects.toThrow(
      "GroupVariable 'AWS_DEPLOY_ROLE_ARN' (environment scope '*') in 'mson': GitLab refused (403 403 Forbidden); " +
        "the token in GITLAB_TOKEN needs the `api` scope and its user needs the Owner role in group 'mson' (group " +
        "CI/CD variables are managed by Owners)",
    );
  });
});

describe("read, update, delete", () => {
  it("reads the variable back and reports it gone after a 404", async () => {
    const { id } = await createGroupVariable(api, role);
    stored()[0].value = "changed by hand";
    await expect(readGroupVariable(api, id, role)).resolves.toEqual({
      id,
      props: { ...role, value: "changed by hand" },
    });
    stored().length = 0;
    await expect(readGroupVariable(api, id, role)).resolves.toEqual({ id: "", props: {} });
  });

  it("updates value and flags in place in its own scope", async () => {
    await createGroupVariable(api, role);
    const news = { ...role, value: "arn:new", protected: false, raw: false };
    await expect(updateGroupVariable(api, role, news)).resolves.toEqual({ outs: news });
    expect(double.requestsTo("PUT", "groups/mson/variables/AWS_DEPLOY_ROLE_ARN")[0].body).toEqual({
      value: "arn:new",
      variable_type: "env_var",
      protected: false,
      masked: false,
      raw: false,
      environment_scope: "*",
      description: "Role the deploy jobs assume.",
      filter: { environment_scope: "*" },
    });
    expect(stored()[0]).toMatchObject({ value: "arn:new", protected: false, raw: false });
  });

  it("does not update a same-named variable of another scope when its own is gone", async () => {
    await createGroupVariable(api, { ...role, environmentScope: "production" });
    await expect(updateGroupVariable(api, role, { ...role, value: "x" })).rejects.toThrow(
      "GroupVariable 'AWS_DEPLOY_ROLE_ARN' (environment scope '*') in 'mson' no longer exists in GitLab; run " +
        "`pulumi refresh` to drop it from state, then `pulumi up` creates it again",
    );
    expect(double.requestsTo("PUT", /variables/)).toHaveLength(0);
    expect(stored()[0].value).toBe(role.value);
  });

  it("deletes only its own scope, and treats a gone variable as deleted", async () => {
    await createGroupVariable(api, role);
    await createGroupVariable(api, { ...role, environmentScope: "production" });
    await deleteGroupVariable(api, role);
    expect(stored().map((v) => v.environment_scope)).toEqual(["production"]);
    await expect(deleteGroupVariable(api, role)).resolves.toBeUndefined();
    expect(stored().map((v) => v.environment_scope)).toEqual(["production"]);
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<GroupVariableInputs>, string[]]>([
    ["valid inputs", role, []],
    ["a key with a dash", { ...role, key: "AWS-ROLE" }, ["key"]],
    ["a masked short value", { ...role, masked: true, value: "short" }, ["value"]],
    ["a masked value with a space", { ...role, masked: true, value: "has a space in it" }, ["value"]],
    ["a masked ARN", { ...role, masked: true }, []],
    ["a masked unknown value", { ...role, masked: true, value: UNKNOWN_VALUE }, []],
    ["an unknown variable type", { ...role, variableType: "yaml" as "file" }, ["variableType"]],
    ["an empty scope", { ...role, environmentScope: "" }, ["environmentScope"]],
    ["a long description", { ...role, description: "x".repeat(256) }, ["description"]],
    ["a non-boolean raw", { ...role, raw: "yes" as unknown as boolean }, ["raw"]],
  ])("%s", (_case, inputs, properties) => {
    expect(checkGroupVariable(inputs).map((f) => f.property)).toEqual(properties);
  });

  it("never quotes the value in a failure", () => {
    const [failure] = checkGroupVariable({ ...role, masked: true, value: "s3cr et" });
    expect(failure.reason).not.toContain("s3cr et");
    expect(failure.reason).toBe(
      "a masked value must be at least 8 characters of A-Z a-z 0-9 + / = _ - @ : . ~ with no spaces or newlines; " +
        "change the value or set masked to false",
    );
  });

  it.each<[string, Partial<GroupVariableInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["the value", { value: "arn:new" }, { changes: true, replaces: [] }],
    ["protected", { protected: false }, { changes: true, replaces: [] }],
    ["raw", { raw: false }, { changes: true, replaces: [] }],
    ["the key", { key: "OTHER" }, { changes: true, replaces: ["key"] }],
    ["the scope", { environmentScope: "production" }, { changes: true, replaces: ["environmentScope"] }],
    ["the group", { groupPath: "mson/sub" }, { changes: true, replaces: ["groupPath"] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(groupVariableProvider.diff!("id", role, { ...role, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
