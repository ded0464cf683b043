import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostOf, main, MAX_NOTE_LENGTH, NOTE_MARKER, noteBody, targetFromEnv, upsertPlanNote } from "./mr-note";

const TOKEN = "glpat-test-token";
const PROJECT = "42";
const IID = 7;

interface Note {
  id: number;
  body: string;
  system: boolean;
}

/**
 * The merge request notes endpoints as GitLab documents them (list with offset pagination and Link headers,
 * create, edit), for one project and merge request, with PRIVATE-TOKEN authentication. Pages hold at most
 * `pageSize` notes whatever per_page asks, so a few notes already span several pages.
 */
class FakeGitLab {
  readonly notes: Note[] = [];
  readonly requests: string[] = [];
  private server?: http.Server;
  private nextId = 100;
  apiUrl = "";

  constructor(private readonly pageSize = 2) {}

  add(body: string, system = false): Note {
    const note = { id: this.nextId++, body, system };
    this.notes.push(note);
    return note;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => this.handle(req, raw, res));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.apiUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v4`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server?.closeAllConnections(), this.server?.close(() => resolve())));
  }

  private handle(req: http.IncomingMessage, raw: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.apiUrl);
    this.requests.push(`${req.method} ${url.pathname}${url.search ? "?" : ""}${url.searchParams.get("page") ?? ""}`);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers["private-token"] !== TOKEN) return json(401, { message: "401 Unauthorized" });
    const base = `/api/v4/projects/${PROJECT}/merge_requests/${IID}/notes`;
    if (req.method === "GET" && url.pathname === base) {
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 20), this.pageSize);
      const page = Number(url.searchParams.get("page") ?? 1);
      const pages = Math.max(1, Math.ceil(this.notes.length / perPage));
      const headers: Record<string, string> = {
        "x-page": String(page),
        "x-per-page": String(perPage),
        "x-total": String(this.notes.length),
        "x-total-pages": String(pages),
        "x-next-page": page < pages ? String(page + 1) : "",
      };
      if (page < pages) {
        const next = new URL(url);
        next.searchParams.set("page", String(page + 1));
        next.searchParams.set("per_page", String(perPage));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return json(200, this.notes.slice((page - 1) * perPage, page * perPage), headers);
    }
    if (req.method === "POST" && url.pathname === base) {
      const { body } = JSON.parse(raw) as { body: string };
      return json(201, this.add(body));
    }
    const edit = url.pathname.startsWith(`${base}/`) ? Number(url.pathname.slice(base.length + 1)) : NaN;
    if (req.method === "PUT" && Number.isInteger(edit)) {
      const note = this.notes.find((n) => n.id === edit);
      if (!note) return json(404, { message: "404 Not found" });
      note.body = (JSON.parse(raw) as { body: string }).body;
      return json(200, note);
    }
    return json(404, { message: "404 Not Found" });
  }
}

let gitlab: FakeGitLab;
let scratch: string;

beforeEach(async () => {
  gitlab = new FakeGitLab();
  await gitlab.start();
});
afterEach(() => gitlab.stop());
beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), "foundation-mr-note-"))));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const target = () => ({ apiUrl: gitlab.apiUrl, projectId: PROJECT, mergeRequestIid: IID, token: TOKEN });

describe("upsertPlanNote", () => {
  it("creates the note when the merge request has none", async () => {
    gitlab.add("Looks good to me");
    const result = await upsertPlanNote(target(), noteBody("## Foundation plan\n"));
    expect(result).toEqual({ action: "created", noteId: 101 });
    expect(gitlab.notes.map((n) => n.body)).toEqual(["Looks good to me", `${NOTE_MARKER}\n## Foundation plan\n`]);
  });

  it("updates the marked note in place when it is on a later page of the list", async () => {
    gitlab.add("first");
    gitlab.add("approved", true);
    gitlab.add("> quoting <!-- foundation-plan --> is not the note");
    gitlab.add(`${NOTE_MARKER}\nold plan`, true);
    const ours = gitlab.add(`${NOTE_MARKER}\nold plan`);
    const result = await upsertPlanNote(target(), noteBody("new plan"));
    expect(result).toEqual({ action: "updated", noteId: ours.id });
    expect(gitlab.notes).toHaveLength(5);
    expect(ours.body).toBe(`${NOTE_MARKER}\nnew plan`);
    expect(gitlab.requests.filter((r) => r.startsWith("GET"))).toHaveLength(3);
    expect(gitlab.requests.filter((r) => r.startsWith("POST"))).toEqual([]);
  });

  it("never duplicates the note over repeated pipelines", async () => {
    for (const plan of ["one", "two", "three"]) await upsertPlanNote(target(), noteBody(plan));
    expect(gitlab.notes.map((n) => n.body)).toEqual([`${NOTE_MARKER}\nthree`]);
    expect(gitlab.requests.filter((r) => r.startsWith("POST"))).toHaveLength(1);
    expect(gitlab.requests.filter((r) => r.startsWith("PUT"))).toHaveLength(2);
  });

  it("refuses a body without the marker, which could never be found again", async () => {
    await expect(upsertPlanNote(target(), "no marker")).rejects.toThrow(
      "the note body must start with <!-- foundation-plan -->",
    );
    expect(gitlab.requests).toEqual([]);
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
    CI_API_V4_URL: gitlab.apiUrl,
    CI_PROJECT_ID: PROJECT,
    CI_MERGE_REQUEST_IID: String(IID),
    FOUNDATION_MR_NOTE_TOKEN: TOKEN,
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
    expect(await run(["--file", file], env())).toEqual({
      code: 0,
      stdout: "created plan note 100 on merge request !7\n",
      stderr: "",
    });
    expect((await run(["--file", file], env())).stdout).toBe("updated plan note 100 on merge request !7\n");
    expect(gitlab.notes).toHaveLength(1);
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
