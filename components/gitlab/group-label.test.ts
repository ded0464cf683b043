import { GitlabApi } from "./api";
import {
  checkGroupLabel,
  createGroupLabel,
  deleteGroupLabel,
  GroupLabelInputs,
  groupLabelProvider,
  readGroupLabel,
  updateGroupLabel,
} from "./group-label";
import { UNKNOWN_VALUE } from "./provider-support";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;

const bug: GroupLabelInputs = {
  groupPath: "mson",
  name: "type::bug",
  color: "#D9534F",
  description: "Something does not work.",
  promote: false,
};

beforeEach(async () => {
  double = await startGitlabDouble();
  double.addGroup("mson");
  double.addGroup("mson/sub");
  api = apiFor(double);
});

afterEach(() => double.close());

const groupLabels = (owner: string) =>
  double.state.labels
    .filter((l) => l.owner === owner)
    .map(({ name, color, description }) => ({ name, color, description }));

describe("create", () => {
  it("creates a missing group label", async () => {
    const created = await createGroupLabel(api, bug);
    const label = double.state.labels.find((l) => l.owner === "mson")!;
    expect(created).toEqual({
      id: String(label.id),
      outs: { ...bug, labelId: label.id, adopted: false, promotion: "not requested" },
    });
    expect(double.requestsTo("POST", "groups/mson/labels")[0].body).toEqual({
      name: "type::bug",
      color: "#D9534F",
      description: "Something does not work.",
    });
  });

  it("adopts an existing group label of the same name, bringing color and description in line", async () => {
    const id = double.addLabel("mson", "type::bug", "#000000", "old");
    const created = await createGroupLabel(api, bug);
    expect(created.id).toBe(String(id));
    expect(created.outs.adopted).toBe(true);
    expect(double.requestsTo("POST", "groups/mson/labels")).toHaveLength(0);
    expect(double.requestsTo("PUT", `groups/mson/labels/${id}`)[0].body).toEqual({
      color: "#D9534F",
      description: "Something does not work.",
    });
    expect(groupLabels("mson")).toEqual([
      { name: "type::bug", color: "#D9534F", description: "Something does not work." },
    ]);
  });

  it("adopts without writing when the existing label already matches (colors compare case-insensitively)", async () => {
    double.addLabel("mson", "type::bug", "#d9534f", "Something does not work.");
    await createGroupLabel(api, bug);
    expect(double.requestsTo("PUT", /^groups\/mson\/labels/)).toHaveLength(0);
  });

  it("ignores an ancestor group's label of the same name and creates the subgroup's own", async () => {
    double.addLabel("mson", "type::bug", "#D9534F");
    const created = await createGroupLabel(api, { ...bug, groupPath: "mson/sub" });
    expect(created.outs.adopted).toBe(false);
    expect(groupLabels("mson/sub")).toHaveLength(1);
  });

  it("after a 504 on a POST GitLab carried out, finds the label instead of creating it twice", async () => {
    double.inject({ method: "POST", route: "groups/mson/labels", status: 504, after: true, times: 1 });
    const clock = fakeClock();
    const { id, outs } = await createGroupLabel(apiFor(double, clock), bug);
    expect(double.state.labels.filter((l) => l.owner === "mson").map((l) => String(l.id))).toEqual([id]);
    expect(outs.adopted).toBe(false);
    expect(double.requestsTo("POST", "groups/mson/labels")).toHaveLength(1);
    expect(clock.sleeps).toEqual([100]);
  });

  it("adopts a label another run created between lookup and create (409)", async () => {
    const racing: GitlabApi = {
      ...api,
      createGroupLabel: async (...args) => {
        double.addLabel("mson", "type::bug", "#000000", "");
        return api.createGroupLabel(...args);
      },
    };
    const created = await createGroupLabel(racing, bug);
    expect(created.outs.adopted).toBe(true);
    expect(double.requestsTo("POST", "groups/mson/labels").map((r) => r.status)).toEqual([409]);
    expect(groupLabels("mson")).toEqual([
      { name: "type::bug", color: "#D9534F", description: "Something does not work." },
    ]);
  });

  it("retries a rate-limited lookup after Retry-After", async () => {
    double.inject({
      method: "GET",
      route: "groups/mson/labels",
      status: 429,
      headers: { "retry-after": "2" },
      times: 1,
    });
    const clock = fakeClock();
    const created = await createGroupLabel(apiFor(double, clock), bug);
    expect(created.outs.adopted).toBe(false);
    expect(clock.sleeps).toEqual([2000]);
  });

  it("names the missing scope and role on 403", async () => {
    double.inject({ route: "groups/mson/labels", status: 403, body: { message: "403 Forbidden" } });
    await expect(createGroupLabel(api, bug)).rejects.toThrow(
      "GroupLabel 'type::bug' in 'mson': GitLab refused (403 403 Forbidden); the token in GITLAB_TOKEN needs the " +
        "`api` scope and its user needs permission to manage labels in group 'mson' (the Reporter role or higher)",
    );
  });
});

describe("promote", () => {
  beforeEach(() => {
    double.addProject("mson", "a");
    double.addProject("mson", "b");
    double.addProject("mson/sub", "c");
    double.addLabel("mson/a", "type::bug", "#FF0000", "from a");
    double.addLabel("mson/b", "type::bug", "#00FF00", "from b");
    double.addLabel("mson/sub/c", "type::bug", "#0000FF", "from c");
    double.addLabel("mson/a", "type::bugfix", "#FF0000", "a different label");
  });

  it("promotes the group's project labels, merging them into one group label, then adopts it", async () => {
    const created = await createGroupLabel(api, { ...bug, promote: true });
    expect(created.outs).toMatchObject({ adopted: true, promotion: "promoted from mson/a, mson/b" });
    const promotes = double.requests.filter((r) => r.route.endsWith("/promote"));
    expect(promotes.map((r) => `${r.method} ${r.route}`)).toEqual([
      `PUT projects/${double.state.projects.get("mson/a")!.id}/labels/type::bug/promote`,
    ]);
    expect(groupLabels("mson")).toEqual([
      { name: "type::bug", color: "#D9534F", description: "Something does not work." },
    ]);
    expect(groupLabels("mson/a")).toEqual([
      { name: "type::bugfix", color: "#FF0000", description: "a different label" },
    ]);
    expect(groupLabels("mson/b")).toEqual([]);
    // A subgroup's project promotes into the subgroup, not here: left alone.
    expect(groupLabels("mson/sub/c")).toHaveLength(1);
    expect(double.requestsTo("POST", "groups/mson/labels")).toHaveLength(0);
  });

  it("does not promote into an existing group label: adopts it and says why", async () => {
    const id = double.addLabel("mson", "type::bug", "#D9534F", "Something does not work.");
    const created = await createGroupLabel(api, { ...bug, promote: true });
    expect(created.id).toBe(String(id));
    expect(created.outs.promotion).toBe(
      "not promoted: group 'mson' already has a label 'type::bug', which GitLab does not promote into; the " +
        "project labels in mson/a, mson/b stay (promote them in each project's label list to merge them)",
    );
    expect(double.requests.filter((r) => r.route.endsWith("/promote"))).toHaveLength(0);
    expect(groupLabels("mson/a")).toHaveLength(2);
  });

  it("refuses with a clear message when GitLab refuses the promotion", async () => {
    double.inject({
      method: "PUT",
      route: /\/promote$/,
      status: 409,
      body: { message: "Failed to promote project label to group label" },
    });
    await expect(createGroupLabel(api, { ...bug, promote: true })).rejects.toThrow(
      "GroupLabel 'type::bug' in 'mson': GitLab refused to promote the project label of 'mson/a' (409 Failed to " +
        "promote project label to group label); promote it by hand from that project's label list, or set " +
        "promote to false to create a separate group label",
    );
    expect(groupLabels("mson")).toEqual([]);
  });

  it("adopts when the refusal came from a group label created meanwhile", async () => {
    const racing: GitlabApi = {
      ...api,
      promoteProjectLabel: async (...args) => {
        double.addLabel("mson", "type::bug", "#000000", "");
        return api.promoteProjectLabel(...args);
      },
    };
    const created = await createGroupLabel(racing, { ...bug, promote: true });
    expect(created.outs.promotion).toMatch(/^not promoted: group 'mson' already has a label 'type::bug'/);
    expect(double.requests.filter((r) => r.route.endsWith("/promote")).map((r) => r.status)).toEqual([400]);
  });

  it("creates the label when no project has it", async () => {
    const created = await createGroupLabel(api, { ...bug, name: "type::feature", promote: true });
    expect(created.outs).toMatchObject({ adopted: false, promotion: "no project label to promote" });
  });
});

describe("read, update, delete", () => {
  it("reads the label back and reports it gone after a 404", async () => {
    const { id, outs } = await createGroupLabel(api, bug);
    double.state.labels.find((l) => l.id === Number(id))!.color = "#123456";
    await expect(readGroupLabel(api, id, outs)).resolves.toEqual({ id, props: { ...outs, color: "#123456" } });
    double.state.labels.length = 0;
    await expect(readGroupLabel(api, id, outs)).resolves.toEqual({ id: "", props: {} });
  });

  it("renames and recolors in place", async () => {
    const { id, outs } = await createGroupLabel(api, bug);
    const news = { ...bug, name: "type::defect", color: "#AA0000" };
    await expect(updateGroupLabel(api, id, outs, news)).resolves.toEqual({ outs: { ...outs, ...news } });
    expect(double.requestsTo("PUT", `groups/mson/labels/${id}`)[0].body).toEqual({
      new_name: "type::defect",
      color: "#AA0000",
      description: "Something does not work.",
    });
    expect(groupLabels("mson").map((l) => l.name)).toEqual(["type::defect"]);
  });

  it("refuses a rename onto an existing label", async () => {
    const { id, outs } = await createGroupLabel(api, bug);
    double.addLabel("mson", "type::defect", "#000000");
    await expect(updateGroupLabel(api, id, outs, { ...bug, name: "type::defect" })).rejects.toThrow(
      "GroupLabel 'type::defect' in 'mson': cannot rename 'type::bug' to 'type::defect': the group already has a " +
        "label of that name; delete or rename that label first, or choose another name",
    );
  });

  it("explains how to recover when the label was deleted behind its back", async () => {
    const { id, outs } = await createGroupLabel(api, bug);
    double.state.labels.length = 0;
    await expect(updateGroupLabel(api, id, outs, { ...bug, color: "#000000" })).rejects.toThrow(
      `GroupLabel 'type::bug' in 'mson' (ID ${id}) no longer exists in GitLab; run \`pulumi refresh\` to drop it ` +
        "from state, then `pulumi up` creates it again",
    );
  });

  it("deletes, and treats an already deleted label as done", async () => {
    const { id, outs } = await createGroupLabel(api, bug);
    await deleteGroupLabel(api, id, outs);
    expect(groupLabels("mson")).toEqual([]);
    await expect(deleteGroupLabel(api, id, outs)).resolves.toBeUndefined();
    expect(double.requestsTo("DELETE", `groups/mson/labels/${id}`).map((r) => r.status)).toEqual([204, 404]);
  });
});

describe("check and diff", () => {
  it.each<[Partial<GroupLabelInputs>, string[]]>([
    [bug, []],
    [{ ...bug, color: "red" }, ["color"]],
    [{ ...bug, color: "#FFF" }, ["color"]],
    [{ ...bug, groupPath: "/mson" }, ["groupPath"]],
    [{ ...bug, name: " " }, ["name"]],
    [{ ...bug, color: UNKNOWN_VALUE, name: UNKNOWN_VALUE }, []],
  ])("check %p fails on %p", (inputs, properties) => {
    expect(checkGroupLabel(inputs).map((f) => f.property)).toEqual(properties);
  });

  it("names the bad color and the fix", () => {
    expect(checkGroupLabel({ ...bug, color: "red" })).toEqual([
      { property: "color", reason: "color 'red' must be '#RRGGBB', e.g. '#D9534F'" },
    ]);
  });

  const olds = { ...bug, labelId: 7, adopted: false, promotion: "not requested" };
  it.each<[string, Partial<GroupLabelInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["promote alone (it only matters at creation)", { promote: true }, { changes: false, replaces: [] }],
    ["the color", { color: "#000000" }, { changes: true, replaces: [] }],
    ["the name", { name: "type::defect" }, { changes: true, replaces: [] }],
    ["the group", { groupPath: "mson/sub" }, { changes: true, replaces: ["groupPath"] }],
    ["an unknown description", { description: UNKNOWN_VALUE }, { changes: true, replaces: [] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(groupLabelProvider.diff!("7", olds, { ...bug, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
