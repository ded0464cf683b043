/**
 * The engine run's check of the merge request plan note (tools/pipeline/mr-note.ts): the note job's own code,
 * through the same `@gitbeaker/rest` client, against the GitLab double, which answers the notes endpoints as GitLab
 * documents them (https://docs.gitlab.com/api/notes/#merge-requests) and checks every exchange against GitLab's
 * OpenAPI document. Two pipelines in a row must leave one note, created by the first and edited in place by the
 * second, so a merge request carries the current plan and not a history of them.
 */
import { GitlabDouble } from "../../components/gitlab/testing/gitlab-double";
import { noteBody, NoteResult, upsertPlanNote } from "../pipeline/mr-note";

/**
 * The project the check writes to: a group of its own, so that the groups, projects and lists the stacks read from
 * the same double (`mson`) stay as they were.
 */
const GROUP = "mr-note-check";
const PROJECT = "gitops";

/**
 * Posts `noteBody(markdown)` on a new merge request of the double twice, as two pipelines of one merge request
 * would. Resolves to `"ok: created, then updated in place"`, or to `"failed: "` and what went wrong: a refused
 * request, a second note, an edit of another note, a body that is not the one sent, or an exchange outside GitLab's
 * OpenAPI document (which the double also reports when it closes). Never rejects.
 */
export async function checkReviewNote(double: GitlabDouble, markdown: string): Promise<string> {
  const problemsBefore = double.problems.length;
  const projectPath = `${GROUP}/${PROJECT}`;
  let iid: number;
  let projectId: number;
  try {
    // Reuses the group and project when the double already has them (a second check), since adding them again
    // would give them new IDs; the merge request is always a new one.
    if (!double.state.groups.has(GROUP)) double.addGroup(GROUP);
    projectId = double.state.projects.get(projectPath)?.id ?? double.addProject(GROUP, PROJECT);
    const taken = [...double.state.mergeRequests.values()].filter((mr) => mr.project === projectPath);
    iid = Math.max(0, ...taken.map((mr) => mr.iid)) + 1;
    double.addMergeRequest(projectPath, iid);
  } catch (err) {
    return `failed: cannot set up the merge request in the GitLab double: ${(err as Error).message}`;
  }
  const target = {
    apiUrl: `${double.url}/api/v4`,
    projectId: String(projectId),
    mergeRequestIid: iid,
    token: double.token,
  };
  const body = noteBody(markdown);
  const run = async (which: string): Promise<NoteResult | string> => {
    try {
      return await upsertPlanNote(target, body);
    } catch (err) {
      return `failed: the ${which} run on !${iid} failed: ${(err as Error).message}`;
    }
  };

  const first = await run("first");
  if (typeof first === "string") return first;
  if (first.action !== "created") {
    return `failed: the first run ${first.action} note ${first.noteId}, but the new merge request had no note`;
  }
  const second = await run("second");
  if (typeof second === "string") return second;
  if (second.action !== "updated") {
    return `failed: the second run ${second.action} note ${second.noteId} instead of updating note ${first.noteId}`;
  }
  if (second.noteId !== first.noteId) {
    return `failed: the second run updated note ${second.noteId}, not note ${first.noteId} that the first created`;
  }
  const notes = double.state.mergeRequests.get(`${projectPath}!${iid}`)?.notes ?? [];
  if (notes.length !== 1) {
    return `failed: !${iid} holds ${notes.length} notes (${notes.map((n) => n.id).join(", ")}), not one`;
  }
  if (notes[0].body !== body) {
    return (
      `failed: note ${notes[0].id} holds ${notes[0].body.length} characters that are not the ` +
      `${body.length}-character note body sent`
    );
  }
  const departed = [...new Set(double.problems.slice(problemsBefore))];
  if (departed.length > 0) {
    return `failed: exchanges departed from GitLab's OpenAPI document: ${departed.join("; ")}`;
  }
  return "ok: created, then updated in place";
}
