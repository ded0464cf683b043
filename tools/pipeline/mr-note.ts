/**
 * Posts the plan diff as ONE merge request note and keeps updating that note on every pipeline (docs/pipeline.md), so a
 * merge request carries the current plan, not a history of them.
 *
 *   node -r ./tools/register.js tools/pipeline/mr-note.ts --file plan-diff.md
 *
 * Reads `CI_API_V4_URL`, `CI_PROJECT_ID` and `CI_MERGE_REQUEST_IID` (set by GitLab in merge request pipelines) and
 * the token from `FOUNDATION_MR_NOTE_TOKEN`. The token is a project access token (Reporter role, `api` scope) kept
 * in a masked CI/CD variable: `CI_JOB_TOKEN` cannot write notes, because the merge request notes endpoints do not
 * accept job tokens (gitlab-org/gitlab#464591). The note is found again by {@link NOTE_MARKER}, a hidden HTML
 * comment it starts with.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { MergeRequestNotes } from "@gitbeaker/rest";

/** The hidden marker the plan note starts with; only notes that start with it are ours. */
export const NOTE_MARKER = "<!-- foundation-plan -->";

/** GitLab refuses notes longer than this many characters ("Note is too long (maximum is 1000000 characters)"). */
export const MAX_NOTE_LENGTH = 1_000_000;

/** The CI/CD variable holding the project access token that writes the note. */
export const TOKEN_VARIABLE = "FOUNDATION_MR_NOTE_TOKEN";

/** Which merge request to write to, and with which token. */
export interface NoteTarget {
  /** `CI_API_V4_URL`, e.g. `https://gitlab.example.com/api/v4`. */
  readonly apiUrl: string;
  /** `CI_PROJECT_ID`. */
  readonly projectId: string;
  /** `CI_MERGE_REQUEST_IID`. */
  readonly mergeRequestIid: number;
  /** A token allowed to create and edit notes on the merge request. */
  readonly token: string;
}

/** What {@link upsertPlanNote} did. */
export interface NoteResult {
  readonly action: "created" | "updated";
  readonly noteId: number;
}

/** The note's body: the marker, then the diff, cut to GitLab's limit with a pointer to the full artifact. */
export function noteBody(markdown: string, fullDiffUrl?: string): string {
  const body = `${NOTE_MARKER}\n${markdown}`;
  if (body.length <= MAX_NOTE_LENGTH) return body;
  const where = fullDiffUrl ? `[the plan job's artifacts](${fullDiffUrl})` : "the plan job's artifacts";
  const tail = `\n\n_The diff is longer than a merge request note can be; the full diff is \`plan-diff.md\` in ${where}._\n`;
  return body.slice(0, MAX_NOTE_LENGTH - tail.length) + tail;
}

/** The API host gitbeaker wants: `CI_API_V4_URL` without its `/api/v4`, which gitbeaker appends itself. */
export function hostOf(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, "");
  if (!trimmed.endsWith("/api/v4")) {
    throw new Error(`CI_API_V4_URL "${apiUrl}" does not end in /api/v4; set it to the instance's REST API v4 URL`);
  }
  return trimmed.slice(0, -"/api/v4".length);
}

/**
 * Creates the plan note on the merge request, or edits the existing one in place. Lists every page of notes,
 * oldest first, and takes the first non-system note whose body starts with {@link NOTE_MARKER}; a reply that
 * quotes the marker starts with `>` and is never taken for it.
 */
export async function upsertPlanNote(target: NoteTarget, body: string): Promise<NoteResult> {
  if (!body.startsWith(NOTE_MARKER)) throw new Error(`the note body must start with ${NOTE_MARKER}`);
  const notes = new MergeRequestNotes({ host: hostOf(target.apiUrl), token: target.token });
  const existing = await notes.all(target.projectId, target.mergeRequestIid, {
    sort: "asc",
    orderBy: "created_at",
    perPage: 100,
  });
  const ours = existing.find((n) => !n.system && typeof n.body === "string" && n.body.startsWith(NOTE_MARKER));
  if (ours) {
    await notes.edit(target.projectId, target.mergeRequestIid, ours.id, { body });
    return { action: "updated", noteId: ours.id };
  }
  const created = await notes.create(target.projectId, target.mergeRequestIid, body);
  return { action: "created", noteId: created.id };
}

/** Reads the target from the job's environment; throws naming every missing or malformed variable. */
export function targetFromEnv(env: NodeJS.ProcessEnv): NoteTarget {
  const problems: string[] = [];
  const need = (name: string, hint: string): string => {
    const value = env[name];
    if (value === undefined || value === "") problems.push(`${name} is not set: ${hint}`);
    return value ?? "";
  };
  const apiUrl = need("CI_API_V4_URL", "GitLab sets it in every job");
  const projectId = need("CI_PROJECT_ID", "GitLab sets it in every job");
  const iid = need("CI_MERGE_REQUEST_IID", "run the job in a merge request pipeline");
  const token = need(TOKEN_VARIABLE, "add a project access token (Reporter, api scope) as a masked CI/CD variable");
  if (iid !== "" && !/^[1-9][0-9]*$/.test(iid)) problems.push(`CI_MERGE_REQUEST_IID "${iid}" is not a number`);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return { apiUrl, projectId, mergeRequestIid: Number(iid), token };
}

/** Where the CLI writes; injectable so tests run it in-process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs the CLI; resolves to the exit status: 0, 1 when the API refuses, 2 for bad arguments or environment. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let file: string;
  let target: NoteTarget;
  let markdown: string;
  try {
    const { values } = parseArgs({ args: [...argv], options: { file: { type: "string" } }, strict: true });
    if (!values.file) throw new Error("--file FILE is required: the Markdown diff to post");
    file = values.file;
    target = targetFromEnv(env);
    try {
      markdown = readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`--file ${file}: ${(err as Error).message}; the plan job did not produce a diff, see its log`);
    }
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const pipeline = env.CI_PIPELINE_URL;
    const result = await upsertPlanNote(target, noteBody(markdown, pipeline));
    io.stdout(`${result.action} plan note ${result.noteId} on merge request !${target.mergeRequestIid}\n`);
    return 0;
  } catch (err) {
    io.stderr(
      `error: cannot write the plan note on merge request !${target.mergeRequestIid}: ${(err as Error).message}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  }).then((code) => {
    process.exitCode = code;
  });
}
