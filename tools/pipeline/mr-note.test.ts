import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MergeRequestNotes } from "@gitbeaker/rest";
import { GitlabDouble, startGitlabDouble } from "../../components/gitlab/testing/gitlab-double";
import { hostOf, main, MAX_NOTE_LENGTH, NOTE_MARKER, noteBody, targetFromEnv, upsertPlanNote } from "./mr-note";

const PROJECT = "mson/gitops";
const IID = 7;
/** The notes endpoint's route as the double logs it (`LoggedRequest.route`), with or without a note ID. */
const NOTES = new RegExp(`^projects/\\d+/merge_requests/${IID}/notes(/\\d+)?$`);

// The GitLab double serves the notes endpoints as GitLab documents them (https://docs.gitlab.com/api/notes/) and
// checks every exchange against GitLab's OpenAPI document. Its pages hold at most 2 notes whatever `per_page` asks,
// so a few notes already span several pages.
let gitlab: GitlabDouble;
let projectId: number;
let scratch: string;

beforeEach(async () => {
  gitlab = await startGitlabDouble({ maxPerPage: 2 });
  gitlab.addGroup("mson");
  projectId = gitlab.addProject("mson", "gitops");
  gitlab.addMergeRequest(PROJECT, IID);
});
// Rejects, failing the test, when an exchange departed from GitLab's OpenAPI document.
afterEach(() => gitlab.close());
beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), "foundation-mr-note-"))));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const apiUrl = () => `${gitlab.url}/api/v4`;
const target = () => ({ apiUrl: apiUrl(), projectId: String(projectId), mergeRequestIid: IID, token: gitlab.token });
/** The merge request's notes as the double holds them, in order of creation. */
const notes = () => gitlab.state.mergeRequests.get(`${PROJECT}!${IID}`)?.notes ?? [];
const add = (body: string, system = false) => gitlab.addNote(PROJECT, IID, body, { system });
const calls = (method: string) => gitlab.requestsTo(method, NOTES);

describe("upsertPlanNote", () => {
  it("creates the note when the merge request has none", async () => {
    add("Looks good to me");
    const result = await upsertPlanNote(target(), noteBody("## Foundation plan\n"));
    expect(result).toEqual({ action: "created", noteId: notes()[1].id });
    expect(notes().map((n) => n.body)).toEqual(["Looks good to me", `${NOTE_MARKER}\n## Foundation plan\n`]);
    expect(notes()[1]).toMatchObject({ author: gitlab.user, system: false, internal: false });
  });

  it("updates the marked note in place when it is on a later page of the list", async () => {
    add("first");
    add("approved", true);
    add("> quoting <!-- foundation-plan --> is not the note");
    add(`${NOTE_MARKER}\nold plan`, true);
    const ours = add(`${NOTE_MARKER}\nold plan`);
    const result = await upsertPlanNote(target(), noteBody("new plan"));
    expect(result).toEqual({ action: "updated", noteId: ours.id });
    expect(notes()).toHaveLength(5);
    expect(ours.body).toBe(`${NOTE_MARKER}\nnew plan`);
    expect(calls("GET")).toHaveLength(3);
    expect(calls("POST")).toEqual([]);
    // Oldest first: GitLab lists newest first unless asked otherwise.
    expect(calls("GET")[0].query).toEqual({ sort: "asc", order_by: "created_at", per_page: "100" });
  });

  it("takes the oldest marked note when a merge request has two", async () => {
    const oldest = add(`${NOTE_MARKER}\nfirst plan`);
    const newer = add(`${NOTE_MARKER}\nduplicate`);
    expect(await upsertPlanNote(target(), noteBody("new plan"))).toEqual({ action: "updated", noteId: oldest.id });
    expect([oldest.body, newer.body]).toEqual([`${NOTE_MARKER}\nnew plan`, `${NOTE_MARKER}\nduplicate`]);
  });

  it("never duplicates the note over repeated pipelines", async () => {
    for (const plan of ["one", "two", "three"]) await upsertPlanNote(target(), noteBody(plan));
    expect(notes().map((n) => n.body)).toEqual([`${NOTE_MARKER}\nthree`]);
    expect(calls("POST")).toHaveLength(1);
    expect(calls("PUT")).toHaveLength(2);
  });

  it("refuses a body without the marker, which could never be found again", async () => {
    await expect(upsertPlanNote(target(), "no marker")).rejects.toThrow(
      "the note body must start with <!-- foundation-plan -->",
    );
    expect(gitlab.requests).toEqual([]);
  });

  it("passes on GitLab's 404 for an unknown merge request or project", async () => {
    await expect(upsertPlanNote({ ...target(), mergeRequestIid: 8 }, noteBody("plan"))).rejects.toThrow(
      /^404 Not found$/,
    );
    await expect(upsertPlanNote({ ...target(), projectId: "404" }, noteBody("plan"))).rejects.toThrow(
      /^404 Project Not Found$/,
    );
    expect(notes()).toEqual([]);
  });
});

describe("the GitLab double's merge request notes", () => {
  const client = () => new MergeRequestNotes({ host: gitlab.url, token: gitlab.token });

  it("lists newest first by default, and by update time or kind when asked", async () => {
    const comment = add("comment");
    const system = add("approved this merge request", true);
    await client().edit(projectId, IID, comment.id, { body: "edited comment" });
    // Plain requests: gitbeaker's types leave `activity_filter` out.
    const ids = async (query: string) => {
      const url = `${apiUrl()}/projects/${projectId}/merge_requests/${IID}/notes?${query}`;
      const response = await fetch(url, { headers: { "private-token": gitlab.token } });
      return ((await response.json()) as { id: number }[]).map((n) => n.id);
    };
    expect(await ids("")).toEqual([system.id, comment.id]);
    expect(await ids("sort=asc")).toEqual([comment.id, system.id]);
    expect(await ids("sort=asc&order_by=updated_at")).toEqual([system.id, comment.id]);
    expect(await ids("activity_filter=only_activity")).toEqual([system.id]);
    expect(await ids("activity_filter=only_comments")).toEqual([comment.id]);
    expect(comment.updated_at > comment.created_at).toBe(true);
  });

  it("lets nobody edit a system note, and only the author edit a comment", async () => {
    const system = add("approved this merge request", true);
    const theirs = gitlab.addNote(PROJECT, IID, "LGTM", { author: { id: 2, username: "reviewer", name: "Reviewer" } });
    await expect(client().edit(projectId, IID, system.id, { body: "x" })).rejects.toThrow(/^403 Forbidden$/);
    await expect(client().edit(projectId, IID, theirs.id, { body: "x" })).rejects.toThrow(/^403 Forbidden$/);
    await expect(client().edit(projectId, IID, 1, { body: "x" })).rejects.toThrow(/^404 Not found$/);
    expect([system.body, theirs.body]).toEqual(["approved this merge request", "LGTM"]);
  });

  it("refuses a note longer than GitLab allows", async () => {
    await expect(client().create(projectId, IID, "x".repeat(MAX_NOTE_LENGTH + 1))).rejects.toThrow(
      '400 Bad request - Note {:note=>["is too long (maximum is 1000000 characters)"]}',
    );
    expect(notes()).toEqual([]);
  });
});

describe("noteBody", () => {
  it("starts with the marker and keeps a diff that fits unchanged", () => {
    expect(noteBody("diff")).toBe(`${NOTE_MARKER}\ndiff`);
  });

  it("cuts a diff longer than GitLab's limit and points to the full artifact", () => {
    const body = noteBody("x".repeat(MAX_NOTE_LENGTH), "https://gitlab.example.com/p/-/pipelines/9");
    expect(body).toHaveLength(MAX_NOTE_LENGTH);
    expect(body.startsWith(NOTE_MARKER)).toBe(true);
    expect(
      body.endsWith(
        "the full diff is `plan-diff.md` in [the plan job's artifacts](https://gitlab.example.com/p/-/pipelines/9)._\n",
      ),
    ).toBe(true);
  });
});

describe("hostOf and targetFromEnv", () => {
  it.each([
    ["https://gitlab.example.com/api/v4", "https://gitlab.example.com"],
    ["https://example.com/gitlab/api/v4/", "https://example.com/gitlab"],
  ])("%s -> %s", (api, host) => expect(hostOf(api)).toBe(host));

  it("rejects an API URL that is not v4", () => {
    expect(() => hostOf("https://gitlab.example.com/api/v3")).toThrow(
      'CI_API_V4_URL "https://gitlab.example.com/api/v3" does not end in /api/v4; set it to the instance\'s REST API v4 URL',
    );
  });

  it("names every missing variable at once", () => {
    expect(() => targetFromEnv({ CI_PROJECT_ID: "42", CI_MERGE_REQUEST_IID: "x" })).toThrow(
      "CI_API_V4_URL is not set: GitLab sets it in every job; " +
        "FOUNDATION_MR_NOTE_TOKEN is not set: add a project access token (Reporter, api scope) as a masked CI/CD " +
        'variable; CI_MERGE_REQUEST_IID "x" is not a number',
    );
  });
});

describe("mr-note CLI", () => {
  const env = () => ({
    CI_API_V4_URL: apiUrl(),
    CI_PROJECT_ID: String(projectId),
    CI_MERGE_REQUEST_IID: String(IID),
    FOUNDATION_MR_NOTE_TOKEN: gitlab.token,
  });
  const run = async (argv: string[], vars: NodeJS.ProcessEnv) => {
    let stdout = "";
    let stderr = "";
    const code = await main(argv, vars, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };

  it("posts the file, then updates the same note", async () => {
    const file = join(scratch, "plan-diff.md");
    writeFileSync(file, "## Foundation plan\n");
    const first = await run(["--file", file], env());
    expect(notes()).toHaveLength(1);
    const id = notes()[0].id;
    expect(first).toEqual({ code: 0, stdout: `created plan note ${id} on merge request !7\n`, stderr: "" });
    expect((await run(["--file", file], env())).stdout).toBe(`updated plan note ${id} on merge request !7\n`);
    expect(notes()).toHaveLength(1);
  });

  it("exits 2 without --file or with a file the plan job did not write", async () => {
    expect(await run([], env())).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: --file FILE is required: the Markdown diff to post\n",
    });
    const missing = await run(["--file", join(scratch, "absent.md")], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --file .*absent\.md: ENOENT.*; the plan job did not produce a diff/);
  });

  it("exits 1 and says why when GitLab refuses the token", async () => {
    const file = join(scratch, "refused.md");
    writeFileSync(file, "diff");
    const result = await run(["--file", file], { ...env(), FOUNDATION_MR_NOTE_TOKEN: "wrong" });
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: cannot write the plan note on merge request !7: 401 Unauthorized\n",
    });
  });
});
