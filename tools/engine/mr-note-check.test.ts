import { GitlabDouble, startGitlabDouble } from "../../components/gitlab/testing/gitlab-double";
import { NOTE_MARKER, noteBody } from "../pipeline/mr-note";
import { checkReviewNote } from "./mr-note-check";

const MARKDOWN = "## Foundation plan\n\n| stack | create | update | delete |\n";
const NOTES = /^projects\/\d+\/merge_requests\/\d+\/notes(\/\d+)?$/;

let double: GitlabDouble;

beforeEach(async () => {
  double = await startGitlabDouble();
});
// Rejects, failing the test, when an exchange departed from GitLab's OpenAPI document.
afterEach(() => double.close());

const notesOf = (ref: string) => double.state.mergeRequests.get(ref)?.notes ?? [];

describe("checkReviewNote", () => {
  it("passes when the note is created, then updated in place", async () => {
    expect(await checkReviewNote(double, MARKDOWN)).toBe("ok: created, then updated in place");
    const notes = notesOf("mr-note-check/gitops!1");
    expect(notes.map((n) => n.body)).toEqual([noteBody(MARKDOWN)]);
    expect(notes[0].body.startsWith(`${NOTE_MARKER}\n## Foundation plan`)).toBe(true);
    expect(double.requestsTo("POST", NOTES)).toHaveLength(1);
    expect(double.requestsTo("PUT", NOTES)).toHaveLength(1);
  });

  it("leaves the stacks' group alone and can run twice on one double", async () => {
    double.addGroup("mson");
    double.addProject("mson", "gitops");
    expect(await checkReviewNote(double, "one")).toBe("ok: created, then updated in place");
    expect(await checkReviewNote(double, "two")).toBe("ok: created, then updated in place");
    expect([...double.state.projects.keys()]).toEqual(["mson/gitops", "mr-note-check/gitops"]);
    expect(notesOf("mr-note-check/gitops!1").map((n) => n.body)).toEqual([noteBody("one")]);
    expect(notesOf("mr-note-check/gitops!2").map((n) => n.body)).toEqual([noteBody("two")]);
  });

  it("fails, saying which run, when GitLab refuses the edit", async () => {
    double.inject({ method: "PUT", route: NOTES, status: 500 });
    expect(await checkReviewNote(double, MARKDOWN)).toBe("failed: the second run on !1 failed: 500 injected");
  });

  it("fails when the second run adds a note instead of finding the first", async () => {
    // Every list comes back empty, so the second run cannot find the note the first one wrote.
    double.inject({ method: "GET", route: NOTES, status: 200, body: [] });
    const verdict = await checkReviewNote(double, MARKDOWN);
    const [first, second] = notesOf("mr-note-check/gitops!1");
    expect(verdict).toBe(`failed: the second run created note ${second.id} instead of updating note ${first.id}`);
  });

  it("fails when an exchange departed from GitLab's OpenAPI document, though the note came out right", async () => {
    // GitLab answers 202 to a note made only of quick actions; the document does not list it for an edit.
    double.inject({ method: "PUT", route: NOTES, status: 202, body: { commands_changes: {} } });
    expect(await checkReviewNote(double, MARKDOWN)).toBe(
      "failed: exchanges departed from GitLab's OpenAPI document: PUT " +
        "/api/v4/projects/{id}/merge_requests/{noteable_id}/notes/{note_id}: response.status: 202 is not documented " +
        "(documented: 200, 400, 404)",
    );
    // Taken out, or the double's close would fail the test with them.
    double.problems.splice(0);
  });
});
