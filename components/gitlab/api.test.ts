import { connectionFromEnv, explainAccessError, gitlabApi, isAmbiguous, isTransient, retryAfterMs } from "./api";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;

beforeEach(async () => {
  double = await startGitlabDouble({ maxPerPage: 2 });
  double.addGroup("mson");
});

afterEach(() => double.close());

describe("isTransient", () => {
  it.each<[string, number, boolean]>([
    ["GET", 429, true],
    ["POST", 429, true],
    ["GET", 500, true],
    ["PUT", 503, true],
    ["DELETE", 502, true],
    ["POST", 500, false],
    ["POST", 502, false],
    ["POST", 503, false],
    ["POST", 504, false],
    ["PATCH", 503, false],
    ["PATCH", 429, true],
    ["GET", 0, true],
    ["DELETE", 0, true],
    ["POST", 0, false],
    ["GET", 404, false],
    ["GET", 409, false],
    ["PUT", 403, false],
  ])("%s answered %i is transient: %p", (method, status, transient) => {
    expect(isTransient(method, status)).toBe(transient);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");
  it.each<[string | null, number | undefined]>([
    [null, undefined],
    ["", undefined],
    ["7", 7000],
    [" 0 ", 0],
    ["Sun, 01 Mar 2026 12:00:30 GMT", 30_000],
    ["Sun, 01 Mar 2026 11:00:00 GMT", 0],
    ["soon", undefined],
  ])("reads %p as %p ms", (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});

describe("retries over HTTP", () => {
  it("waits out 429 for as long as Retry-After says, then succeeds", async () => {
    double.inject({ method: "GET", route: "groups/mson", status: 429, headers: { "retry-after": "3" }, times: 2 });
    const clock = fakeClock();
    await expect(apiFor(double, clock).groupId("mson")).resolves.toBe(double.state.groups.get("mson")!.id);
    expect(clock.sleeps).toEqual([3000, 3000]);
    expect(double.requestsTo("GET", "groups/mson").map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("backs off exponentially on 5xx without Retry-After, capped", async () => {
    double.inject({ method: "GET", route: "groups/mson", status: 503, times: 3 });
    const clock = fakeClock();
    await apiFor(double, clock).groupId("mson");
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it("gives up after the last attempt with the status and the attempt count", async () => {
    double.inject({ method: "GET", route: "groups/mson", status: 502 });
    const clock = fakeClock();
    await expect(apiFor(double, clock).groupId("mson")).rejects.toThrow(
      "GitLab answered GET /api/v4/groups/mson with 502: 502 injected (after 4 attempts)",
    );
    expect(double.requestsTo("GET", "groups/mson")).toHaveLength(4);
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it("fails at once when Retry-After asks for longer than allowed", async () => {
    double.inject({ method: "GET", route: "groups/mson", status: 429, headers: { "retry-after": "600" } });
    await expect(apiFor(double).groupId("mson")).rejects.toThrow(
      "GitLab answered GET /api/v4/groups/mson with 429: 429 injected; GitLab asks to wait 600s, longer than " +
        "allowed: run again later",
    );
    expect(double.requestsTo("GET", "groups/mson")).toHaveLength(1);
  });

  it("does not resend a POST that failed with 500: it may have created the runner", async () => {
    double.inject({ method: "POST", route: "user/runners", status: 500 });
    await expect(
      apiFor(double).createGroupRunner(double.state.groups.get("mson")!.id, {
        description: "x",
        paused: false,
        locked: false,
        runUntagged: true,
        tagList: [],
        accessLevel: "not_protected",
      }),
    ).rejects.toThrow("GitLab answered POST /api/v4/user/runners with 500: 500 injected");
    expect(double.requestsTo("POST", "user/runners")).toHaveLength(1);
  });

  it.each([500, 502, 504])("never resends a POST answered %i: GitLab may have created the object", async (status) => {
    double.inject({ method: "POST", route: "groups/mson/labels", status });
    const error = await apiFor(double)
      .createGroupLabel("mson", "type::bug", "#D9534F", "")
      .catch((e: unknown) => e);
    expect(isAmbiguous(error)).toBe(true);
    expect((error as Error).message).toBe(
      `GitLab answered POST /api/v4/groups/mson/labels with ${status}: ${status} injected`,
    );
    expect(double.requestsTo("POST", "groups/mson/labels")).toHaveLength(1);
  });

  it("retries a GET that got no answer, and reports a POST that got none as ambiguous", async () => {
    const clock = fakeClock();
    const unreachable = gitlabApi(
      { url: "http://127.0.0.1:1", token: double.token },
      { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 400, maxRetryAfterMs: 5_000, clock },
    );
    const read = await unreachable.groupId("mson").catch((e: unknown) => e);
    expect((read as Error).message).toMatch(
      /^GitLab did not answer GET \/api\/v4\/groups\/mson: no answer \(.+\) \(after 3 attempts\)$/,
    );
    expect(clock.sleeps).toEqual([100, 200]);
    const create = await unreachable.createGroupLabel("mson", "type::bug", "#D9534F", "").catch((e: unknown) => e);
    expect(isAmbiguous(create)).toBe(true);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it("does not retry a 404", async () => {
    await expect(apiFor(double).groupId("nope")).rejects.toThrow(
      "GitLab answered GET /api/v4/groups/nope with 404: 404 Group Not Found",
    );
    expect(double.requestsTo("GET", "groups/nope")).toHaveLength(1);
  });
});

describe("pagination", () => {
  it("follows the link header to a label on the last page", async () => {
    for (let i = 0; i < 5; i++) double.addLabel("mson", `area::target-${i}`, "#000000");
    double.addLabel("mson", "area::target", "#111111");
    const found = await apiFor(double).findGroupLabel("mson", "area::target");
    expect(found).toMatchObject({ name: "area::target", color: "#111111" });
    const pages = double.requestsTo("GET", "groups/mson/labels");
    expect(pages.map((r) => r.query.page ?? "1")).toEqual(["1", "2", "3"]);
    expect(pages[0].query).toMatchObject({ search: "area::target", include_ancestor_groups: "false" });
  });

  it("reads every page of a listing that spans several", async () => {
    double.addProject("mson", "infra");
    const keys = Array.from({ length: 5 }, (_, i) => ({
      id: i + 1,
      title: `k${i}`,
      key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${i}`,
      can_push: false,
    }));
    double.state.deployKeys.set("mson/infra", keys);
    const listed = await apiFor(double).listDeployKeys("mson/infra");
    expect(listed.map((k) => k.title)).toEqual(["k0", "k1", "k2", "k3", "k4"]);
    expect(double.requestsTo("GET", "projects/mson/infra/deploy_keys")).toHaveLength(3);
  });
});

describe("connectionFromEnv", () => {
  it("reads GITLAB_URL and GITLAB_TOKEN", () => {
    expect(connectionFromEnv({ GITLAB_URL: "https://gitlab.example.com", GITLAB_TOKEN: "t" })).toEqual({
      url: "https://gitlab.example.com",
      token: "t",
    });
  });

  it("falls back to CI_SERVER_URL, which GitLab CI sets", () => {
    expect(connectionFromEnv({ CI_SERVER_URL: "https://ci.example.com", GITLAB_TOKEN: "t" }).url).toBe(
      "https://ci.example.com",
    );
  });

  it("names every missing variable", () => {
    expect(() => connectionFromEnv({})).toThrow(
      "GitLab connection: set GITLAB_URL (or CI_SERVER_URL) and GITLAB_TOKEN in the environment of `pulumi up` " +
        "(the URL of the GitLab instance, and an access token with the `api` scope)",
    );
  });
});

describe("explainAccessError", () => {
  it("turns 401 into a message about the token", async () => {
    const stranger = await gitlabApi({ url: double.url, token: "glpat-wrong" })
      .groupId("mson")
      .catch((e: unknown) => e);
    expect((explainAccessError(stranger, "X", "the Owner role in group 'mson'") as Error).message).toBe(
      "X: GitLab rejected the token (401 401 Unauthorized); set GITLAB_TOKEN to a valid, unexpired access token " +
        "with the `api` scope whose user has the Owner role in group 'mson'",
    );
  });

  it("turns 403 into a message naming the scope and the role", async () => {
    double.inject({ route: "groups/mson", status: 403, body: { message: "403 Forbidden" } });
    const error = await apiFor(double)
      .groupId("mson")
      .catch((e: unknown) => e);
    expect((explainAccessError(error, "X", "the Owner role in group 'mson'") as Error).message).toBe(
      "X: GitLab refused (403 403 Forbidden); the token in GITLAB_TOKEN needs the `api` scope and its user needs " +
        "the Owner role in group 'mson'",
    );
  });

  it("passes other errors through", () => {
    const other = new Error("boom");
    expect(explainAccessError(other, "X", "Y")).toBe(other);
  });
});
