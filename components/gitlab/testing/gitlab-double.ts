/**
 * A local stand-in for the GitLab REST API (v4), for tests: a real HTTP server on 127.0.0.1 with an ephemeral port
 * that implements the documented endpoints the group stack's dynamic resources call, keeps their objects in memory,
 * logs every request, and answers with injected failures (404, 409, 429 with Retry-After, 5xx) on demand.
 *
 * Behaviour follows the API docs (group_labels.md, labels.md, group_level_variables.md, users.md "Create a runner
 * linked to a user", runners.md, deploy_keys.md): offset pagination headers (`x-page`, `x-per-page`, `x-total`,
 * `x-total-pages`, `x-next-page`, `x-prev-page`, `link`), labels addressed by ID or title, `filter[environment_scope]`
 * on variables (including the documented fallback of PUT to another scope when the filtered one does not exist),
 * runner tokens shown only in the creation answer, and the older label promotion that refuses when the group
 * already has a label of that name. Merge request notes (https://docs.gitlab.com/api/notes/#merge-requests) are
 * listed in the order asked for (newest first by default), and only their author may edit them, never a system note.
 * Group runners are listed with GitLab's filters (type, status, tags) and their authentication token can be reset;
 * a project's protected branches (https://docs.gitlab.com/api/protected_branches/), its one push rule
 * (https://docs.gitlab.com/api/project_push_rules/) and its merge request approval rules
 * (https://docs.gitlab.com/api/merge_request_approvals/) are kept with GitLab's uniqueness answers (409, 422, 400),
 * and approvers GitLab cannot resolve are dropped as GitLab drops them. Projects are created in a group
 * (https://docs.gitlab.com/api/projects/#create-a-project, a path once per group) with an empty repository, whose
 * files are read base64-encoded (https://docs.gitlab.com/api/repository_files/) and written by commits of `create`
 * and `update` actions (https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions) with
 * GitLab's refusals; {@link GitlabDouble.pushFile} stands for somebody's push. A failure can be injected after the
 * request was carried out, as a gateway timeout after GitLab did the work.
 *
 * Every exchange is checked against GitLab's published OpenAPI document (see ./openapi.ts): a request the document
 * does not describe (an unknown endpoint, an undocumented parameter or body field, a wrong type) and an answer it
 * does not allow (an unlisted status, a field of the wrong type) are collected in {@link GitlabDouble.problems},
 * and {@link GitlabDouble.close} rejects with them, so the `afterEach(() => double.close())` of a test fails it.
 */
import { createHash } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { createOpenApiValidator, OpenApiValidator } from "./openapi";

/** One request as the double saw it. */
export interface LoggedRequest {
  /** HTTP method. */
  readonly method: string;
  /** Decoded path below `/api/v4/`, e.g. `groups/mson/labels/type::bug`. */
  readonly route: string;
  /** Query parameters; a name given several times has its values joined by commas. */
  readonly query: Record<string, string>;
  /** Parsed JSON body, or undefined. */
  readonly body: Record<string, unknown> | undefined;
  /** Whether the `PRIVATE-TOKEN` header carried the expected token. */
  readonly authenticated: boolean;
  /** The status the double answered with. */
  readonly status: number;
}

/** A failure to answer instead of the real response. */
export interface InjectedFailure {
  /** Only requests with this method; any method when absent. */
  readonly method?: string;
  /** Matched against the decoded route (see {@link LoggedRequest.route}); a string must match exactly. */
  readonly route: string | RegExp;
  /** HTTP status to answer. */
  readonly status: number;
  /** Extra response headers, e.g. `{ "retry-after": "3" }`. */
  readonly headers?: Record<string, string>;
  /** JSON body; `{ message: "<status> ..." }` when absent. */
  readonly body?: unknown;
  /** How many matching requests fail; every one when absent. */
  readonly times?: number;
  /**
   * Carry the request out first and answer the failure instead of its response: the gateway timing out on a request
   * GitLab completed (a 504 after the runner was created). Before, as if GitLab never saw it, when absent.
   */
  readonly after?: boolean;
}

/** A group label, project label or runner as stored by the double. */
interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  /** Group path or project path that owns the label. */
  owner: string;
  ownerKind: "group" | "project";
}

interface Variable {
  key: string;
  value: string;
  variable_type: string;
  protected: boolean;
  masked: boolean;
  raw: boolean;
  environment_scope: string;
  description: string | null;
}

interface Runner {
  id: number;
  groupId: number;
  description: string;
  paused: boolean;
  locked: boolean;
  run_untagged: boolean;
  tag_list: string[];
  access_level: string;
  maximum_timeout: number | null;
  maintenance_note: string | null;
  /** Set once a runner manager used the token: the runner's status is then no longer `never_contacted`. */
  contacted: boolean;
}

interface DeployKey {
  id: number;
  title: string;
  key: string;
  can_push: boolean;
}

/** One entry of a protected branch's push, merge or unprotect list, as the double keeps it. */
export interface DoubleAccessEntry {
  readonly id: number;
  access_level: number | null;
  readonly user_id: number | null;
  readonly group_id: number | null;
}

/** A protected branch or wildcard as the double keeps it. */
export interface DoubleProtectedBranch {
  readonly id: number;
  readonly name: string;
  push: DoubleAccessEntry[];
  merge: DoubleAccessEntry[];
  unprotect: DoubleAccessEntry[];
  allow_force_push: boolean;
  code_owner_approval_required: boolean;
}

/** A project's push rule as the double keeps it. */
export interface DoublePushRule {
  readonly id: number;
  readonly project_id: number;
  deny_delete_tag: boolean;
  member_check: boolean;
  prevent_secrets: boolean;
  commit_committer_check: boolean;
  reject_unsigned_commits: boolean;
  max_file_size: number;
}

/** A merge request approval rule of a project as the double keeps it. */
export interface DoubleApprovalRule {
  readonly id: number;
  name: string;
  readonly rule_type: string;
  approvals_required: number;
  userIds: number[];
  groupIds: number[];
  protectedBranchIds: number[];
  applies_to_all_protected_branches: boolean;
}

/** A user as notes show their author (GitLab's `UserBasic` entity, as far as the double knows users). */
export interface DoubleUser {
  readonly id: number;
  readonly username: string;
  readonly name: string;
}

/**
 * A merge request note as the double stores it; its answers add the fields that follow from the merge request
 * (`noteable_id`, `noteable_iid`, `project_id`, ...). Edits through the API change `body` and `updated_at` in place.
 */
export interface MergeRequestNote {
  readonly id: number;
  body: string;
  readonly author: DoubleUser;
  /** ISO 8601; strictly increasing across the double's writes, so ordering by it is the order of creation. */
  readonly created_at: string;
  updated_at: string;
  /** A note GitLab writes about an event ("approved this merge request"), not a comment. */
  readonly system: boolean;
  /** An internal note, visible to Reporters and up only (`confidential` in older answers). */
  readonly internal: boolean;
}

/** A merge request: what addresses it and the notes on it. */
export interface DoubleMergeRequest {
  /** Global ID: the notes' `noteable_id`. */
  readonly id: number;
  /** The project-scoped ID (`!7`), which the notes endpoints take as `noteable_id`. */
  readonly iid: number;
  readonly projectId: number;
  readonly project: string;
  /** In order of creation. */
  readonly notes: MergeRequestNote[];
}

/** Options of {@link GitlabDouble.addNote}. */
export interface AddNoteOptions {
  /** A system note, which nobody can edit. @default false */
  readonly system?: boolean;
  /** @default false */
  readonly internal?: boolean;
  /** @default the token's user ({@link GitlabDouble.user}), the only author whose notes the token may edit */
  readonly author?: DoubleUser;
}

/** A project as the double keeps it. */
export interface DoubleProject {
  readonly id: number;
  readonly path: string;
  readonly group: string;
  visibility: "private" | "internal" | "public";
  /** Null while the repository is empty. */
  default_branch: string | null;
}

/** One file of a branch as the double keeps it. */
export interface DoubleFile {
  readonly content: string;
  /** The last commit that changed the file. */
  readonly lastCommitId: string;
}

/** A commit made through the API, as the double keeps it. */
export interface DoubleCommit {
  readonly id: string;
  readonly branch: string;
  readonly message: string;
  /** The actions as sent. */
  readonly actions: readonly Record<string, unknown>[];
}

/** The double's in-memory GitLab. */
export interface DoubleState {
  readonly groups: Map<string, { id: number; path: string }>;
  readonly projects: Map<string, DoubleProject>;
  readonly labels: Label[];
  readonly variables: Map<string, Variable[]>;
  readonly runners: Map<number, Runner>;
  /** Runner authentication tokens by runner ID, as the double issued them. */
  readonly runnerTokens: Map<number, string>;
  readonly deployKeys: Map<string, DeployKey[]>;
  /** Merge requests by GitLab's reference, `group/project!iid`. */
  readonly mergeRequests: Map<string, DoubleMergeRequest>;
  /** Users other than the token's, by username ({@link GitlabDouble.addUser}). */
  readonly users: Map<string, DoubleUser>;
  /** Protected branches by project path, in order of creation. */
  readonly protectedBranches: Map<string, DoubleProtectedBranch[]>;
  /** The push rule of each project that has one, by project path. */
  readonly pushRules: Map<string, DoublePushRule>;
  /** Merge request approval rules by project path, in order of creation. */
  readonly approvalRules: Map<string, DoubleApprovalRule[]>;
  /** Repository content by project path, then branch, then file path; an empty repository has no entry. */
  readonly repositories: Map<string, Map<string, Map<string, DoubleFile>>>;
  /** Commits made through the API by project path, in order. */
  readonly commits: Map<string, DoubleCommit[]>;
}

/** A running double. */
export interface GitlabDouble {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The only token the double accepts. */
  readonly token: string;
  /** The user the token belongs to: the author of the notes written through the API. */
  readonly user: DoubleUser;
  /** Every request, in order. */
  readonly requests: LoggedRequest[];
  /** The objects the double holds. */
  readonly state: DoubleState;
  /** Adds a group by full path; returns its ID. */
  addGroup(path: string): number;
  /** Adds a project inside an existing group, private and with an empty repository; its path is `group/name`. */
  addProject(groupPath: string, name: string): number;
  /**
   * Writes a file to a branch of an existing project as if pushed by somebody (the branch is made when missing);
   * returns the commit's SHA.
   */
  pushFile(projectPath: string, branch: string, filePath: string, content: string): string;
  /** Deletes a file from a branch as if pushed by somebody. */
  removeFile(projectPath: string, branch: string, filePath: string): void;
  /** Adds a label owned by a group or a project path. */
  addLabel(owner: string, name: string, color: string, description?: string): number;
  /** Adds merge request `!iid` to an existing project (by path); returns its global ID. */
  addMergeRequest(projectPath: string, iid: number): number;
  /**
   * Adds a note to an existing merge request, as if written earlier, and returns the stored note (which API edits
   * change in place). Note IDs come from the double's one counter, shared with groups, labels and the rest.
   */
  addNote(projectPath: string, iid: number, body: string, options?: AddNoteOptions): MergeRequestNote;
  /** Adds a user (a member of every project, as far as approval rules ask); returns its ID. */
  addUser(username: string): number;
  /** Protects a branch of an existing project as if done earlier by hand; the access levels are role levels. */
  addProtectedBranch(
    projectPath: string,
    name: string,
    levels: { push: number; merge: number; unprotect?: number; allowForcePush?: boolean },
  ): DoubleProtectedBranch;
  /** Answers matching requests with a failure; see {@link InjectedFailure}. */
  inject(failure: InjectedFailure): void;
  /** Requests matching method and route, e.g. `("POST", "user/runners")`. */
  requestsTo(method: string, route: string | RegExp): LoggedRequest[];
  /**
   * Where exchanges so far departed from GitLab's OpenAPI document, as the validator words them
   * (`POST /api/v4/user/runners: body.runner_type: must be one of ...`). A test that sends a nonconforming request
   * on purpose takes its problems out (`double.problems.splice(0)`) and asserts on them.
   */
  readonly problems: string[];
  /** Stops the server; rejects, listing them, when {@link problems} is not empty. */
  close(): Promise<void>;
}

/** Options of {@link startGitlabDouble}. */
export interface GitlabDoubleOptions {
  /** The token to accept. @default "glpat-double-token-0123456789" */
  readonly token?: string;
  /** Page size when the request gives no `per_page`. @default 20 (GitLab's default) */
  readonly defaultPerPage?: number;
  /** Largest page size served whatever `per_page` asks for. @default 100 (GitLab's limit) */
  readonly maxPerPage?: number;
  /**
   * Checks every exchange. By default the stored OpenAPI subset, with answers closed to the fields their entities
   * list (the double must not invent fields), shared by the doubles of a test file.
   */
  readonly validator?: OpenApiValidator;
}

/**
 * The user behind the double's token. Like a project access token's bot user: the merge request note job writes
 * with one (tools/pipeline/mr-note.ts).
 */
const TOKEN_USER: DoubleUser = { id: 1, username: "project_1_bot_double", name: "GitLab double" };

/** GitLab refuses a longer note: `Note is too long (maximum is 1000000 characters)`. */
const MAX_NOTE_CHARACTERS = 1_000_000;

/** Compiling the subset's schemas takes a while; one validator serves every double of a test file. */
let sharedValidator: OpenApiValidator | undefined;

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const notFound = (what: string) => new HttpAnswer(404, { message: `404 ${what} Not Found` });
const bad = (message: unknown) => new HttpAnswer(400, { message });
/** How Grape answers a parameter that fails its declaration (`requires`, `values`, `allow_blank`, a type). */
const invalid = (error: string) => new HttpAnswer(400, { error });
/** How GitLab's API answers an `ActiveRecord::RecordNotFound` from `find`/`find_by!`: one generic message. */
const recordNotFound = () => new HttpAnswer(404, { message: "404 Not found" });

function matches(pattern: string | RegExp, route: string): boolean {
  return typeof pattern === "string" ? pattern === route : pattern.test(route);
}

function bool(value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value === true || value === "true";
}

/** Starts a double on 127.0.0.1 with an ephemeral port. */
export async function startGitlabDouble(options: GitlabDoubleOptions = {}): Promise<GitlabDouble> {
  const token = options.token ?? "glpat-double-token-0123456789";
  const defaultPerPage = options.defaultPerPage ?? 20;
  const maxPerPage = options.maxPerPage ?? 100;
  const state: DoubleState = {
    groups: new Map(),
    projects: new Map(),
    labels: [],
    variables: new Map(),
    runners: new Map(),
    runnerTokens: new Map(),
    deployKeys: new Map(),
    mergeRequests: new Map(),
    users: new Map(),
    protectedBranches: new Map(),
    pushRules: new Map(),
    approvalRules: new Map(),
    repositories: new Map(),
    commits: new Map(),
  };
  const user = TOKEN_USER;
  const validator = options.validator ?? (sharedValidator ??= createOpenApiValidator({ closedResponses: true }));
  const requests: LoggedRequest[] = [];
  const problems: string[] = [];
  const failures: { failure: InjectedFailure; left: number }[] = [];
  let nextId = 100;
  let nextCommit = 1;
  let baseUrl = "";
  let lastStamp = 0;

  /** Now, as ISO 8601, at least a millisecond after the previous stamp: writes in one millisecond stay ordered. */
  const stamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };

  const group = (ref: string) =>
    [...state.groups.values()].find((g) => g.path === ref || String(g.id) === ref) ?? undefined;
  const project = (ref: string) =>
    [...state.projects.values()].find((p) => p.path === ref || String(p.id) === ref) ?? undefined;
  const labelView = (label: Label, asProject: boolean) => ({
    id: label.id,
    name: label.name,
    color: label.color,
    text_color: "#FFFFFF",
    description: label.description,
    description_html: label.description ?? "",
    subscribed: false,
    ...(asProject ? { is_project_label: label.ownerKind === "project", priority: null } : {}),
  });
  const findLabel = (owner: string, ref: string) =>
    state.labels.find((l) => l.owner === owner && (String(l.id) === ref || l.name === ref));
  const ancestors = (groupPath: string) => groupPath.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));

  /** One page of `items`, with GitLab's offset pagination headers; `rawPath` is the request's encoded path. */
  function paginate(items: unknown[], query: Record<string, string>, rawPath: string): HttpAnswer {
    const perPage = Math.min(Math.max(1, Number(query.per_page ?? defaultPerPage)), maxPerPage);
    const page = Math.max(1, Number(query.page ?? 1));
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const pageUrl = (n: number) => {
      const params = new URLSearchParams({ ...query, page: String(n), per_page: String(perPage) });
      return `${baseUrl}${rawPath}?${params}`;
    };
    const links = [
      ...(page < totalPages ? [`<${pageUrl(page + 1)}>; rel="next"`] : []),
      ...(page > 1 ? [`<${pageUrl(page - 1)}>; rel="prev"`] : []),
      `<${pageUrl(1)}>; rel="first"`,
      `<${pageUrl(totalPages)}>; rel="last"`,
    ];
    return new HttpAnswer(200, items.slice((page - 1) * perPage, page * perPage), {
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-total": String(items.length),
      "x-total-pages": String(totalPages),
      "x-next-page": page < totalPages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "",
      link: links.join(", "),
    });
  }

  /** Routes by path segments (a group or project path arrives URL-encoded as one segment). */
  function handle(
    method: string,
    segments: string[],
    query: Record<string, string>,
    body: Record<string, unknown>,
    route: string,
  ): HttpAnswer {
    const [root, ref, kind, item, action] = segments;
    const search = (name: string) => !query.search || name.toLowerCase().includes(query.search.toLowerCase());

    if (root === "groups" && ref !== undefined) {
      const g = group(ref);
      if (!g) return notFound("Group");
      if (kind === undefined && method === "GET") return new HttpAnswer(200, { id: g.id, full_path: g.path });
      if (kind === "projects" && method === "GET") {
        const items = [...state.projects.values()]
          .filter((p) => p.group === g.path)
          .map((p) => ({ id: p.id, path_with_namespace: p.path }));
        return paginate(items, query, route);
      }
      if (kind === "labels") return groupLabels(method, g.path, item, query, body, route, search);
      if (kind === "variables") return groupVariables(method, g.path, item, query, body);
      if (kind === "runners" && item === undefined && method === "GET") return groupRunners(g, query, route);
    }
    if (root === "projects" && ref === undefined && method === "POST") return createProject(body);
    if (root === "projects" && ref !== undefined) {
      const p = project(ref);
      if (!p) return notFound("Project");
      if (kind === undefined && method === "GET") return new HttpAnswer(200, projectView(p));
      if (kind === "repository" && item === "files" && action !== undefined && segments.length === 5) {
        if (method === "GET") return repositoryFile(p, action, query);
      }
      if (kind === "repository" && item === "commits" && action === undefined && method === "POST") {
        return createCommit(p, body);
      }
      if (kind === "labels") {
        if (item === undefined && method === "GET") {
          const own = state.labels.filter((l) => l.owner === p.path && search(l.name));
          const inherited = bool(query.include_ancestor_groups, true)
            ? state.labels.filter((l) => ancestors(p.group).includes(l.owner) && search(l.name))
            : [];
          return paginate(
            [...own, ...inherited].map((l) => labelView(l, true)),
            query,
            route,
          );
        }
        if (item !== undefined && action === "promote" && method === "PUT") return promote(p, item);
      }
      if (kind === "deploy_keys") return deployKeys(method, p.path, item, body, query, route);
      if (kind === "protected_branches" && action === undefined) {
        return protectedBranches(method, p.path, item, query, body, route);
      }
      if (kind === "push_rule" && item === undefined) return pushRule(method, p, body);
      if (kind === "approval_rules" && action === undefined) {
        return approvalRules(method, p.path, item, query, body, route);
      }
      if (kind === "merge_requests" && item !== undefined && action === "notes" && segments.length <= 6) {
        return mergeRequestNotes(method, p.path, item, segments[5], query, body, route);
      }
    }
    if (root === "user" && ref === "runners" && kind === undefined && method === "POST") return createRunner(body);
    if (root === "runners" && ref !== undefined && kind === undefined) return runner(method, Number(ref), body);
    if (root === "runners" && ref !== undefined && kind === "reset_authentication_token" && method === "POST") {
      return resetRunnerToken(Number(ref));
    }
    return notFound("Route");
  }

  const projectView = (p: DoubleProject) => ({
    id: p.id,
    name: p.path.slice(p.path.lastIndexOf("/") + 1),
    path: p.path.slice(p.path.lastIndexOf("/") + 1),
    path_with_namespace: p.path,
    visibility: p.visibility,
    default_branch: p.default_branch,
    empty_repo: !state.repositories.has(p.path),
    web_url: `${baseUrl}/${p.path}`,
  });

  /** A new commit's SHA: 40 hex digits, unique in the double. */
  const commitSha = () => (nextCommit++).toString(16).padStart(40, "0");

  /** Writes `files` (null deletes) to `branch` as one commit, making the branch (and the default branch) as Git does. */
  function writeFiles(p: DoubleProject, branch: string, files: Map<string, string | null>): string {
    const branches = state.repositories.get(p.path) ?? new Map<string, Map<string, DoubleFile>>();
    state.repositories.set(p.path, branches);
    const tree = branches.get(branch) ?? new Map<string, DoubleFile>();
    branches.set(branch, tree);
    p.default_branch ??= branch;
    const sha = commitSha();
    for (const [path, content] of files) {
      if (content === null) tree.delete(path);
      else tree.set(path, { content, lastCommitId: sha });
    }
    return sha;
  }

  /**
   * `POST /projects` (https://docs.gitlab.com/api/projects/#create-a-project): a path is taken once per namespace,
   * and `initialize_with_readme` makes the first commit on the default branch.
   */
  function createProject(body: Record<string, unknown>): HttpAnswer {
    const g = [...state.groups.values()].find((x) => x.id === Number(body.namespace_id));
    if (!g) return notFound("Namespace");
    const path = typeof body.path === "string" ? body.path : typeof body.name === "string" ? body.name : undefined;
    if (path === undefined) return invalid("name, path are missing, at least one parameter must be provided");
    if (state.projects.has(`${g.path}/${path}`)) {
      return bad({ name: ["has already been taken"], path: ["has already been taken"] });
    }
    const p: DoubleProject = {
      id: nextId++,
      path: `${g.path}/${path}`,
      group: g.path,
      visibility: (body.visibility as DoubleProject["visibility"] | undefined) ?? "private",
      default_branch: null,
    };
    state.projects.set(p.path, p);
    const branch = typeof body.default_branch === "string" ? body.default_branch : "main";
    if (bool(body.initialize_with_readme, false)) writeFiles(p, branch, new Map([["README.md", `# ${path}\n`]]));
    return new HttpAnswer(201, projectView(p));
  }

  /** `GET /projects/:id/repository/files/:file_path` (https://docs.gitlab.com/api/repository_files/#get-file-from-repository). */
  function repositoryFile(p: DoubleProject, filePath: string, query: Record<string, string>): HttpAnswer {
    if (query.ref === undefined) return invalid("ref is missing");
    const file = state.repositories.get(p.path)?.get(query.ref)?.get(filePath);
    if (!file) return notFound("File");
    return new HttpAnswer(200, {
      file_name: filePath.slice(filePath.lastIndexOf("/") + 1),
      file_path: filePath,
      size: Buffer.byteLength(file.content),
      encoding: "base64",
      content: Buffer.from(file.content, "utf8").toString("base64"),
      content_sha256: createHash("sha256").update(file.content, "utf8").digest("hex"),
      ref: query.ref,
      blob_id: createHash("sha1").update(file.content, "utf8").digest("hex"),
      commit_id: file.lastCommitId,
      last_commit_id: file.lastCommitId,
      execute_filemode: false,
    });
  }

  /**
   * `POST /projects/:id/repository/commits` with `create` and `update` actions
   * (https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions), refused as GitLab refuses
   * them: a `create` of a file that exists, an `update` of one that does not or that changed after its
   * `last_commit_id`, and a branch that does not exist in a repository that is not empty.
   */
  function createCommit(p: DoubleProject, body: Record<string, unknown>): HttpAnswer {
    const { branch, commit_message: message, actions } = body;
    if (typeof branch !== "string" || typeof message !== "string" || !Array.isArray(actions)) {
      return invalid("branch, commit_message, actions are missing");
    }
    const branches = state.repositories.get(p.path);
    if (branches !== undefined && !branches.has(branch)) {
      return bad("You can only create or edit files when you are on a branch");
    }
    const tree = branches?.get(branch) ?? new Map<string, DoubleFile>();
    const files = new Map<string, string | null>();
    for (const raw of actions as Record<string, unknown>[]) {
      const path = raw.file_path;
      if (typeof path !== "string") return invalid("actions[file_path] is missing");
      const text = typeof raw.content === "string" ? raw.content : "";
      const content = raw.encoding === "base64" ? Buffer.from(text, "base64").toString("utf8") : text;
      const existing = tree.get(path);
      if (raw.action === "create") {
        if (existing) return bad("A file with this name already exists");
      } else if (raw.action === "update") {
        if (!existing) return bad("A file with this name doesn't exist");
        if (typeof raw.last_commit_id === "string" && raw.last_commit_id !== existing.lastCommitId) {
          return bad(`The file has changed since you started editing it: ${path}`);
        }
      } else {
        return invalid("actions[action] does not have a valid value");
      }
      files.set(path, content);
    }
    const sha = writeFiles(p, branch, files);
    const commits = state.commits.get(p.path) ?? [];
    state.commits.set(p.path, [
      ...commits,
      { id: sha, branch, message, actions: actions as Record<string, unknown>[] },
    ]);
    const at = stamp();
    return new HttpAnswer(201, {
      id: sha,
      short_id: sha.slice(0, 8),
      title: message.split("\n")[0],
      message,
      author_name: user.name,
      author_email: `${user.username}@example.com`,
      authored_date: at,
      committer_name: user.name,
      committer_email: `${user.username}@example.com`,
      committed_date: at,
      created_at: at,
      parent_ids: [],
      project_id: p.id,
      web_url: `${baseUrl}/${p.path}/-/commit/${sha}`,
    });
  }

  function groupLabels(
    method: string,
    groupPath: string,
    item: string | undefined,
    query: Record<string, string>,
    body: Record<string, unknown>,
    route: string,
    search: (name: string) => boolean,
  ): HttpAnswer {
    if (item === undefined && method === "GET") {
      const owners = bool(query.include_ancestor_groups, true) ? ancestors(groupPath) : [groupPath];
      const items = state.labels.filter((l) => owners.includes(l.owner) && search(l.name));
      return paginate(
        items.map((l) => labelView(l, false)),
        query,
        route,
      );
    }
    if (item === undefined && method === "POST") {
      if (typeof body.name !== "string" || typeof body.color !== "string") return bad("name, color are missing");
      if (findLabel(groupPath, body.name)) return new HttpAnswer(409, { message: "Label already exists" });
      const label: Label = {
        id: nextId++,
        name: body.name,
        color: body.color,
        description: typeof body.description === "string" ? body.description : null,
        owner: groupPath,
        ownerKind: "group",
      };
      state.labels.push(label);
      return new HttpAnswer(201, labelView(label, false));
    }
    const label = item === undefined ? undefined : findLabel(groupPath, item);
    if (!label) return notFound("Label");
    if (method === "GET") return new HttpAnswer(200, labelView(label, false));
    if (method === "PUT") {
      if (typeof body.new_name === "string" && body.new_name !== label.name) {
        if (findLabel(groupPath, body.new_name)) return new HttpAnswer(409, { message: "Label already exists" });
        label.name = body.new_name;
      }
      if (typeof body.color === "string") label.color = body.color;
      if (typeof body.description === "string") label.description = body.description;
      return new HttpAnswer(200, labelView(label, false));
    }
    if (method === "DELETE") {
      state.labels.splice(state.labels.indexOf(label), 1);
      return new HttpAnswer(204, undefined);
    }
    return notFound("Route");
  }

  function promote(p: { path: string; group: string }, item: string): HttpAnswer {
    const label = findLabel(p.path, item);
    if (!label) return notFound("Label");
    // GitLab before the promote service learnt to merge into an existing group label raised a validation error,
    // which the API returns as 400.
    if (findLabel(p.group, label.name)) return bad("Validation failed: Title has already been taken");
    // "The label keeps its ID" (the operation's description in GitLab's OpenAPI document); its namesakes in the
    // group's other projects merge into it: https://docs.gitlab.com/api/labels/#promote-a-project-label-to-a-group-label
    const promoted: Label = { ...label, owner: p.group, ownerKind: "group" };
    const groupProjects = [...state.projects.values()].filter((x) => x.group === p.group).map((x) => x.path);
    for (const merged of state.labels.filter((l) => groupProjects.includes(l.owner) && l.name === label.name)) {
      state.labels.splice(state.labels.indexOf(merged), 1);
    }
    state.labels.push(promoted);
    return new HttpAnswer(200, labelView(promoted, false));
  }

  function groupVariables(
    method: string,
    groupPath: string,
    key: string | undefined,
    query: Record<string, string>,
    body: Record<string, unknown>,
  ): HttpAnswer {
    const all = state.variables.get(groupPath) ?? [];
    state.variables.set(groupPath, all);
    const filter = (body.filter as { environment_scope?: string } | undefined)?.environment_scope;
    const scope = query["filter[environment_scope]"] ?? filter;
    if (key === undefined && method === "POST") {
      const scopeOf = typeof body.environment_scope === "string" ? body.environment_scope : "*";
      if (all.some((v) => v.key === body.key && v.environment_scope === scopeOf)) {
        return bad({ key: [`(${String(body.key)}) has already been taken`] });
      }
      const variable: Variable = {
        key: String(body.key),
        value: String(body.value),
        variable_type: typeof body.variable_type === "string" ? body.variable_type : "env_var",
        protected: bool(body.protected, false),
        masked: bool(body.masked, false),
        raw: bool(body.raw, false),
        environment_scope: scopeOf,
        description: typeof body.description === "string" ? body.description : null,
      };
      all.push(variable);
      return new HttpAnswer(201, variable);
    }
    const sameKey = all.filter((v) => v.key === key);
    const found = scope === undefined ? sameKey[0] : sameKey.find((v) => v.environment_scope === scope);
    if (method === "GET") return found ? new HttpAnswer(200, found) : notFound("Variable");
    if (method === "PUT") {
      // Documented caveat: a filter on a scope that does not exist updates a same-named variable in another scope.
      const target = found ?? sameKey[0];
      if (!target) return notFound("Variable");
      if (typeof body.value === "string") target.value = body.value;
      if (typeof body.variable_type === "string") target.variable_type = body.variable_type;
      if (body.protected !== undefined) target.protected = bool(body.protected, target.protected);
      if (body.masked !== undefined) target.masked = bool(body.masked, target.masked);
      if (body.raw !== undefined) target.raw = bool(body.raw, target.raw);
      if (typeof body.environment_scope === "string") target.environment_scope = body.environment_scope;
      if (typeof body.description === "string") target.description = body.description;
      return new HttpAnswer(200, target);
    }
    if (method === "DELETE") {
      if (!found) return notFound("Variable");
      all.splice(all.indexOf(found), 1);
      return new HttpAnswer(204, undefined);
    }
    return notFound("Route");
  }

  const runnerStatus = (r: Runner) => (r.contacted ? "online" : "never_contacted");

  function runnerView(r: Runner) {
    return {
      id: r.id,
      description: r.description,
      paused: r.paused,
      locked: r.locked,
      run_untagged: r.run_untagged,
      tag_list: r.tag_list,
      access_level: r.access_level,
      maximum_timeout: r.maximum_timeout,
      maintenance_note: r.maintenance_note,
      runner_type: "group_type",
      is_shared: false,
      status: runnerStatus(r),
      groups: [{ id: r.groupId }],
    };
  }

  /** A runner as listings present it (GitLab's `Ci::Runner` entity): no tags, note or groups. */
  const runnerSummary = (r: Runner) => ({
    id: r.id,
    description: r.description,
    paused: r.paused,
    runner_type: "group_type",
    is_shared: false,
    online: r.contacted,
    status: runnerStatus(r),
  });

  /**
   * `GET /groups/:id/runners`: the group runners of the group and its ancestors
   * (https://docs.gitlab.com/api/runners/#list-groups-runners), filtered by `type`, `status`, `paused` and
   * `tag_list` (runners that carry every listed tag).
   */
  function groupRunners(g: { id: number; path: string }, query: Record<string, string>, route: string): HttpAnswer {
    if (query.type !== undefined && query.type !== "group_type") return paginate([], query, route);
    const owners = ancestors(g.path).map((path) => state.groups.get(path)?.id);
    // `tag_list=a,b` or `tag_list[]=a&tag_list[]=b` (the query joins repeated names with commas).
    const tags = [query.tag_list, query["tag_list[]"]].flatMap((value) => value?.split(",") ?? []);
    const items = [...state.runners.values()].filter(
      (r) =>
        owners.includes(r.groupId) &&
        (query.status === undefined || runnerStatus(r) === query.status) &&
        (query.paused === undefined || r.paused === bool(query.paused, false)) &&
        tags.every((tag) => r.tag_list.includes(tag)),
    );
    return paginate(items.map(runnerSummary), query, route);
  }

  /** `POST /runners/:id/reset_authentication_token`: a new token; the old one no longer authenticates. */
  function resetRunnerToken(id: number): HttpAnswer {
    const r = state.runners.get(id);
    if (!r) return notFound("Runner");
    const issued = `glrt-${r.id}-${Math.random().toString(36).slice(2, 14)}`;
    state.runnerTokens.set(r.id, issued);
    return new HttpAnswer(201, { token: issued, token_expires_at: null });
  }

  function applyRunner(r: Runner, body: Record<string, unknown>) {
    if (typeof body.description === "string") r.description = body.description;
    if (body.paused !== undefined) r.paused = bool(body.paused, r.paused);
    if (body.locked !== undefined) r.locked = bool(body.locked, r.locked);
    if (body.run_untagged !== undefined) r.run_untagged = bool(body.run_untagged, r.run_untagged);
    if (Array.isArray(body.tag_list)) r.tag_list = body.tag_list.map(String);
    if (typeof body.access_level === "string") r.access_level = body.access_level;
    if (typeof body.maximum_timeout === "number") r.maximum_timeout = body.maximum_timeout;
    if (typeof body.maintenance_note === "string") r.maintenance_note = body.maintenance_note;
  }

  function createRunner(body: Record<string, unknown>): HttpAnswer {
    if (body.runner_type !== "group_type") return bad("runner_type does not have a valid value");
    const g = group(String(body.group_id));
    if (!g) return bad("group_id is invalid");
    const r: Runner = {
      id: nextId++,
      groupId: g.id,
      description: "",
      paused: false,
      locked: false,
      run_untagged: true,
      tag_list: [],
      access_level: "not_protected",
      maximum_timeout: null,
      maintenance_note: null,
      contacted: false,
    };
    applyRunner(r, body);
    state.runners.set(r.id, r);
    const issued = `glrt-${r.id}-${Math.random().toString(36).slice(2, 14)}`;
    state.runnerTokens.set(r.id, issued);
    return new HttpAnswer(201, { id: r.id, token: issued, token_expires_at: null });
  }

  function runner(method: string, id: number, body: Record<string, unknown>): HttpAnswer {
    const r = state.runners.get(id);
    if (!r) return notFound("Runner");
    if (method === "GET") return new HttpAnswer(200, runnerView(r));
    if (method === "PUT") {
      applyRunner(r, body);
      return new HttpAnswer(200, runnerView(r));
    }
    if (method === "DELETE") {
      state.runners.delete(id);
      state.runnerTokens.delete(id);
      return new HttpAnswer(204, undefined);
    }
    return notFound("Route");
  }

  function deployKeys(
    method: string,
    projectPath: string,
    item: string | undefined,
    body: Record<string, unknown>,
    query: Record<string, string>,
    route: string,
  ): HttpAnswer {
    const keys = state.deployKeys.get(projectPath) ?? [];
    state.deployKeys.set(projectPath, keys);
    if (item === undefined && method === "GET") return paginate(keys, query, route);
    if (item === undefined && method === "POST") {
      if (typeof body.title !== "string" || typeof body.key !== "string") return bad("title, key are missing");
      if (keys.some((k) => k.key === body.key)) return bad({ "deploy_key.fingerprint": ["has already been taken"] });
      const created: DeployKey = {
        id: nextId++,
        title: body.title,
        key: body.key,
        can_push: bool(body.can_push, false),
      };
      keys.push(created);
      return new HttpAnswer(201, created);
    }
    const found = keys.find((k) => String(k.id) === item);
    if (!found) return notFound("Deploy Key");
    if (method === "GET") return new HttpAnswer(200, found);
    if (method === "PUT") {
      if (typeof body.title === "string") found.title = body.title;
      if (body.can_push !== undefined) found.can_push = bool(body.can_push, found.can_push);
      // GitLab's document gives this answer the plain deploy key entity, without the project's `can_push`:
      // https://docs.gitlab.com/api/deploy_keys/#update-deploy-key
      const { can_push: _canPush, ...key } = found;
      return new HttpAnswer(200, key);
    }
    if (method === "DELETE") {
      keys.splice(keys.indexOf(found), 1);
      return new HttpAnswer(204, undefined);
    }
    return notFound("Route");
  }

  /** How GitLab describes a role level of a protected ref (`ProtectedRefAccess#humanize`). */
  const ACCESS_DESCRIPTIONS: Record<number, string> = {
    0: "No one",
    30: "Developers + Maintainers",
    40: "Maintainers",
    60: "Administrators",
  };
  const accessEntry = (level: number): DoubleAccessEntry => ({
    id: nextId++,
    access_level: level,
    user_id: null,
    group_id: null,
  });
  const accessView = (entry: DoubleAccessEntry, withDeployKey: boolean) => ({
    id: entry.id,
    access_level: entry.access_level,
    access_level_description:
      entry.access_level === null ? "User or group" : (ACCESS_DESCRIPTIONS[entry.access_level] ?? "Unknown"),
    user_id: entry.user_id,
    group_id: entry.group_id,
    ...(withDeployKey ? { deploy_key_id: null } : {}),
  });
  const protectedBranchView = (b: DoubleProtectedBranch) => ({
    id: b.id,
    name: b.name,
    push_access_levels: b.push.map((e) => accessView(e, true)),
    merge_access_levels: b.merge.map((e) => accessView(e, false)),
    unprotect_access_levels: b.unprotect.map((e) => accessView(e, false)),
    allow_force_push: b.allow_force_push,
    code_owner_approval_required: b.code_owner_approval_required,
    inherited: false,
  });

  /** A role level the protected branches API takes (`ProtectedRefAccess.allowed_access_levels`), or undefined. */
  const roleLevel = (value: unknown, allowed: readonly number[]): number | undefined =>
    typeof value === "number" && allowed.includes(value) ? value : undefined;

  /**
   * Applies `allowed_to_*` entries to one access list: `{ access_level }` adds a role (422 when it is there already),
   * `{ id, _destroy: true }` removes an entry, `{ id, access_level }` changes one
   * (https://docs.gitlab.com/api/protected_branches/#update-a-protected-branch). Undefined when every entry applied,
   * else the error answer; the list is left as it was then.
   */
  function applyAccessChanges(list: DoubleAccessEntry[], changes: unknown, kind: string): HttpAnswer | undefined {
    if (changes === undefined) return undefined;
    if (!Array.isArray(changes)) return invalid(`allowed_to_${kind} is invalid`);
    const next = list.map((e) => ({ ...e }));
    for (const change of changes as Record<string, unknown>[]) {
      const existing = typeof change.id === "number" ? next.find((e) => e.id === change.id) : undefined;
      if (typeof change.id === "number" && !existing) return recordNotFound();
      if (existing && change._destroy === true) {
        next.splice(next.indexOf(existing), 1);
        continue;
      }
      const level = roleLevel(change.access_level, kind === "unprotect" ? [30, 40, 60] : [0, 30, 40, 60]);
      if (level === undefined) return invalid(`allowed_to_${kind}[access_level] does not have a valid value`);
      if (next.some((e) => e !== existing && e.access_level === level)) {
        const label = kind.charAt(0).toUpperCase() + kind.slice(1);
        return new HttpAnswer(422, { message: [`${label} access levels access level has already been taken`] });
      }
      if (existing) existing.access_level = level;
      else next.push(accessEntry(level));
    }
    list.splice(0, list.length, ...next);
    return undefined;
  }

  /** The protected branches API: https://docs.gitlab.com/api/protected_branches/. */
  function protectedBranches(
    method: string,
    projectPath: string,
    name: string | undefined,
    query: Record<string, string>,
    body: Record<string, unknown>,
    route: string,
  ): HttpAnswer {
    const all = state.protectedBranches.get(projectPath) ?? [];
    state.protectedBranches.set(projectPath, all);
    if (name === undefined && method === "GET") {
      const items = all.filter((b) => !query.search || b.name.includes(query.search));
      return paginate(items.map(protectedBranchView), query, route);
    }
    if (name === undefined && method === "POST") {
      if (typeof body.name !== "string" || body.name === "") return invalid("name is missing");
      if (all.some((b) => b.name === body.name)) {
        return new HttpAnswer(409, { message: `Protected branch '${body.name}' already exists` });
      }
      const level = (field: string, allowed: readonly number[]) =>
        body[field] === undefined ? 40 : roleLevel(body[field], allowed);
      const push = level("push_access_level", [0, 30, 40, 60]);
      const merge = level("merge_access_level", [0, 30, 40, 60]);
      const unprotect = level("unprotect_access_level", [30, 40, 60]);
      for (const [field, value] of [
        ["push_access_level", push],
        ["merge_access_level", merge],
        ["unprotect_access_level", unprotect],
      ] as const) {
        if (value === undefined) return invalid(`${field} does not have a valid value`);
      }
      const created: DoubleProtectedBranch = {
        id: nextId++,
        name: body.name,
        push: [accessEntry(push as number)],
        merge: [accessEntry(merge as number)],
        unprotect: [accessEntry(unprotect as number)],
        allow_force_push: bool(body.allow_force_push, false),
        code_owner_approval_required: bool(body.code_owner_approval_required, false),
      };
      all.push(created);
      return new HttpAnswer(201, protectedBranchView(created));
    }
    // `find_by!(name:)`: the exact name, wildcards included; anything else is ActiveRecord's 404.
    const found = all.find((b) => b.name === name);
    if (!found) return recordNotFound();
    if (method === "GET") return new HttpAnswer(200, protectedBranchView(found));
    if (method === "PATCH") {
      for (const kind of ["push", "merge", "unprotect"] as const) {
        const refused = applyAccessChanges(found[kind], body[`allowed_to_${kind}`], kind);
        if (refused) return refused;
      }
      if (body.allow_force_push !== undefined) found.allow_force_push = bool(body.allow_force_push, false);
      if (body.code_owner_approval_required !== undefined) {
        found.code_owner_approval_required = bool(body.code_owner_approval_required, false);
      }
      return new HttpAnswer(200, protectedBranchView(found));
    }
    if (method === "DELETE") {
      all.splice(all.indexOf(found), 1);
      return new HttpAnswer(204, undefined);
    }
    return notFound("Route");
  }

  const PUSH_RULE_FIELDS = [
    "deny_delete_tag",
    "member_check",
    "prevent_secrets",
    "commit_committer_check",
    "reject_unsigned_commits",
  ] as const;
  /** The push rule as GitLab's `ProjectPushRule` entity presents it; settings the double does not keep are blank. */
  const pushRuleView = (rule: DoublePushRule) => ({
    id: rule.id,
    project_id: rule.project_id,
    created_at: "2026-03-01T12:00:00.000Z",
    commit_message_regex: "",
    commit_message_negative_regex: "",
    branch_name_regex: "",
    author_email_regex: "",
    file_name_regex: "",
    commit_committer_name_check: false,
    reject_non_dco_commits: false,
    ...Object.fromEntries(PUSH_RULE_FIELDS.map((field) => [field, rule[field]])),
    max_file_size: rule.max_file_size,
  });

  /**
   * A project's one push rule: https://docs.gitlab.com/api/project_push_rules/. `GET` presents `null` when there is
   * none, `POST` refuses a second with 422, `PUT` needs one (404), and both need at least one setting (Grape's
   * `at_least_one_of`, 400).
   */
  function pushRule(method: string, p: { id: number; path: string }, body: Record<string, unknown>): HttpAnswer {
    const existing = state.pushRules.get(p.path);
    if (method === "GET") return new HttpAnswer(200, existing ? pushRuleView(existing) : null);
    if (method !== "POST" && method !== "PUT") return notFound("Route");
    if (method === "POST" && existing) return new HttpAnswer(422, { message: "Project push rule exists" });
    if (method === "PUT" && !existing) return notFound("Push Rule");
    const given = [...PUSH_RULE_FIELDS, "max_file_size"].filter((field) => body[field] !== undefined);
    if (given.length === 0) {
      return invalid(
        `${[...PUSH_RULE_FIELDS, "max_file_size"].join(", ")} are missing, at least one parameter must be provided`,
      );
    }
    if (
      body.max_file_size !== undefined &&
      !(Number.isInteger(body.max_file_size) && Number(body.max_file_size) >= 0)
    ) {
      return bad({ max_file_size: ["must be greater than or equal to 0"] });
    }
    const rule: DoublePushRule = existing ?? {
      id: nextId++,
      project_id: p.id,
      deny_delete_tag: false,
      member_check: false,
      prevent_secrets: false,
      commit_committer_check: false,
      reject_unsigned_commits: false,
      max_file_size: 0,
    };
    for (const field of PUSH_RULE_FIELDS) {
      if (body[field] !== undefined) rule[field] = bool(body[field], false);
    }
    if (typeof body.max_file_size === "number") rule.max_file_size = body.max_file_size;
    state.pushRules.set(p.path, rule);
    return new HttpAnswer(method === "POST" ? 201 : 200, pushRuleView(rule));
  }

  const groupView = (id: number) => {
    const g = [...state.groups.values()].find((x) => x.id === id);
    return { id, name: g?.path.split("/").pop() ?? "", path: g?.path.split("/").pop() ?? "", full_path: g?.path };
  };
  const userById = (id: number) => [user, ...state.users.values()].find((u) => u.id === id);
  const approvalRuleView = (projectPath: string, rule: DoubleApprovalRule) => {
    const branches = state.protectedBranches.get(projectPath) ?? [];
    const users = rule.userIds.flatMap((id) => userById(id) ?? []).map(userView);
    return {
      id: rule.id,
      name: rule.name,
      rule_type: rule.rule_type,
      eligible_approvers: users,
      approvals_required: rule.approvals_required,
      users,
      groups: rule.groupIds.map(groupView),
      contains_hidden_groups: false,
      protected_branches: branches.filter((b) => rule.protectedBranchIds.includes(b.id)).map(protectedBranchView),
      applies_to_all_protected_branches: rule.applies_to_all_protected_branches,
    };
  };

  /**
   * Sets a rule's approvers and branches from a request body. As GitLab's approval rule services do, user IDs and
   * usernames it cannot resolve, unknown groups and branches that are not protected branches of the project are
   * dropped without an error.
   */
  function applyApprovalRule(rule: DoubleApprovalRule, projectPath: string, body: Record<string, unknown>): void {
    const numbers = (value: unknown) => (Array.isArray(value) ? value.filter((v) => typeof v === "number") : []);
    if (body.user_ids !== undefined || body.usernames !== undefined) {
      const byName = (Array.isArray(body.usernames) ? body.usernames : []).flatMap(
        (name) => state.users.get(String(name))?.id ?? [],
      );
      const byId = numbers(body.user_ids).filter((id) => userById(id) !== undefined);
      rule.userIds = [...new Set([...byId, ...byName])];
    }
    if (body.group_ids !== undefined) {
      rule.groupIds = numbers(body.group_ids).filter((id) => [...state.groups.values()].some((g) => g.id === id));
    }
    if (body.protected_branch_ids !== undefined) {
      const branches = state.protectedBranches.get(projectPath) ?? [];
      rule.protectedBranchIds = numbers(body.protected_branch_ids).filter((id) => branches.some((b) => b.id === id));
    }
    if (body.applies_to_all_protected_branches !== undefined) {
      rule.applies_to_all_protected_branches = bool(body.applies_to_all_protected_branches, false);
    }
    if (typeof body.approvals_required === "number") rule.approvals_required = body.approvals_required;
    if (typeof body.name === "string") rule.name = body.name;
  }

  /** A project's merge request approval rules: https://docs.gitlab.com/api/merge_request_approvals/. */
  function approvalRules(
    method: string,
    projectPath: string,
    item: string | undefined,
    query: Record<string, string>,
    body: Record<string, unknown>,
    route: string,
  ): HttpAnswer {
    const all = state.approvalRules.get(projectPath) ?? [];
    state.approvalRules.set(projectPath, all);
    const taken = (name: unknown, self?: DoubleApprovalRule) => all.some((r) => r !== self && r.name === name);
    if (item === undefined && method === "GET") {
      return paginate(
        all.map((r) => approvalRuleView(projectPath, r)),
        query,
        route,
      );
    }
    if (item === undefined && method === "POST") {
      if (typeof body.name !== "string" || typeof body.approvals_required !== "number") {
        return invalid("name is missing, approvals_required is missing");
      }
      if (taken(body.name)) return bad({ name: ["has already been taken"] });
      const rule: DoubleApprovalRule = {
        id: nextId++,
        name: body.name,
        rule_type: typeof body.rule_type === "string" ? body.rule_type : "regular",
        approvals_required: body.approvals_required,
        userIds: [],
        groupIds: [],
        protectedBranchIds: [],
        applies_to_all_protected_branches: false,
      };
      applyApprovalRule(rule, projectPath, body);
      all.push(rule);
      return new HttpAnswer(201, approvalRuleView(projectPath, rule));
    }
    if (item === undefined || !/^\d+$/.test(item)) return invalid("approval_rule_id is invalid");
    const found = all.find((r) => r.id === Number(item));
    if (!found) return recordNotFound();
    if (method === "PUT") {
      if (typeof body.name === "string" && taken(body.name, found)) return bad({ name: ["has already been taken"] });
      applyApprovalRule(found, projectPath, body);
      return new HttpAnswer(200, approvalRuleView(projectPath, found));
    }
    if (method === "DELETE") {
      all.splice(all.indexOf(found), 1);
      return new HttpAnswer(204, undefined);
    }
    return notFound("Route");
  }

  const userView = (u: DoubleUser) => ({
    id: u.id,
    username: u.username,
    name: u.name,
    state: "active",
    locked: false,
    avatar_url: null,
    web_url: `${baseUrl}/${u.username}`,
  });

  /**
   * A note as GitLab's `Note` entity presents a plain (not diff, not discussion) merge request note: `type` null,
   * not resolvable, hence no `resolved*` fields; `position` and `commit_id` belong to diff notes only.
   */
  const noteView = (mr: DoubleMergeRequest, n: MergeRequestNote) => ({
    id: n.id,
    type: null,
    body: n.body,
    author: userView(n.author),
    created_at: n.created_at,
    updated_at: n.updated_at,
    system: n.system,
    noteable_id: mr.id,
    noteable_type: "MergeRequest",
    project_id: mr.projectId,
    resolvable: false,
    confidential: n.internal,
    internal: n.internal,
    imported: false,
    imported_from: "none",
    noteable_iid: mr.iid,
    commands_changes: {},
  });

  /** The validation error a note body gets (GitLab's `Note` model), or undefined. */
  const noteBodyProblem = (text: string): string | undefined => {
    if (text.trim() === "") return "can't be blank";
    // Rails counts characters, not UTF-16 units.
    if ([...text].length > MAX_NOTE_CHARACTERS) return `is too long (maximum is ${MAX_NOTE_CHARACTERS} characters)`;
    return undefined;
  };
  /** `bad_request!("Note #{note.errors.messages}")`: the errors hash as Ruby prints it. */
  const noteRefused = (problem: string) =>
    new HttpAnswer(400, { message: `400 Bad request - Note {:note=>[${JSON.stringify(problem)}]}` });

  /**
   * List, create and edit the notes of a merge request: https://docs.gitlab.com/api/notes/#merge-requests. The
   * path's `noteable_id` is the merge request's IID; the merge request is looked up with `find_by!`, so an unknown
   * one answers `404 Not found` (an unknown project `404 Project Not Found`, before).
   */
  function mergeRequestNotes(
    method: string,
    projectPath: string,
    iid: string,
    noteId: string | undefined,
    query: Record<string, string>,
    body: Record<string, unknown>,
    route: string,
  ): HttpAnswer {
    if (!/^\d+$/.test(iid)) return invalid("noteable_id is invalid");
    if (noteId !== undefined && !/^\d+$/.test(noteId)) return invalid("note_id is invalid");
    const mr = state.mergeRequests.get(`${projectPath}!${Number(iid)}`);
    if (!mr) return recordNotFound();
    if (noteId === undefined && method === "GET") return listNotes(mr, query, route);
    if (noteId === undefined && method === "POST") return createNote(mr, body);
    if (noteId !== undefined && method === "PUT") return editNote(mr, Number(noteId), body);
    return notFound("Route");
  }

  /**
   * Ordered by `order_by` (`created_at` by default) in `sort` order (`desc` by default: newest first), with the ID
   * as tie breaker in the same direction, as `order_options_with_tie_breaker` does; `activity_filter` keeps
   * comments (`only_comments`), system notes (`only_activity`) or both (`all_notes`).
   */
  function listNotes(mr: DoubleMergeRequest, query: Record<string, string>, route: string): HttpAnswer {
    const orderBy = query.order_by ?? "created_at";
    const sort = query.sort ?? "desc";
    const filter = query.activity_filter ?? "all_notes";
    if (orderBy !== "created_at" && orderBy !== "updated_at") return invalid("order_by does not have a valid value");
    if (sort !== "asc" && sort !== "desc") return invalid("sort does not have a valid value");
    if (!["all_notes", "only_comments", "only_activity"].includes(filter)) {
      return invalid("activity_filter does not have a valid value");
    }
    const direction = sort === "asc" ? 1 : -1;
    const notes = mr.notes
      .filter((n) => filter === "all_notes" || n.system === (filter === "only_activity"))
      .sort((a, b) => direction * (a[orderBy].localeCompare(b[orderBy]) || a.id - b.id));
    return paginate(
      notes.map((n) => noteView(mr, n)),
      query,
      route,
    );
  }

  function createNote(mr: DoubleMergeRequest, body: Record<string, unknown>): HttpAnswer {
    if (typeof body.body !== "string") return invalid("body is missing");
    const problem = noteBodyProblem(body.body);
    if (problem) return noteRefused(problem);
    // `created_at` is honoured only for administrators and owners; the token stands for a Reporter, so it is
    // dropped, as GitLab drops it.
    const at = stamp();
    const note: MergeRequestNote = {
      id: nextId++,
      body: body.body,
      author: user,
      created_at: at,
      updated_at: at,
      system: false,
      internal: bool(body.internal, false) || bool(body.confidential, false),
    };
    mr.notes.push(note);
    return new HttpAnswer(201, noteView(mr, note));
  }

  function editNote(mr: DoubleMergeRequest, noteId: number, body: Record<string, unknown>): HttpAnswer {
    const note = mr.notes.find((n) => n.id === noteId);
    if (!note) return recordNotFound();
    // `authorize! :admin_note`: only a note's author may edit it, and nobody a system note (`Note#editable?`).
    if (note.system || note.author.id !== user.id) return new HttpAnswer(403, { message: "403 Forbidden" });
    if (body.body !== undefined) {
      if (typeof body.body !== "string" || body.body === "") return invalid("body is empty");
      const problem = noteBodyProblem(body.body);
      if (problem) return noteRefused(problem);
      if (body.body !== note.body) {
        note.body = body.body;
        note.updated_at = stamp();
      }
    }
    return new HttpAnswer(200, noteView(mr, note));
  }

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", baseUrl);
    const method = req.method ?? "GET";
    const segments = url.pathname
      .replace(/^\/api\/v4\//, "")
      .split("/")
      .map(decodeURIComponent);
    const route = segments.join("/");
    // A name given several times (`tag_list[]=a&tag_list[]=b`) is one entry with the values joined by commas.
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams.entries()) {
      query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    }
    let body: Record<string, unknown> | undefined;
    let sent: unknown;
    if (text !== "") {
      try {
        sent = JSON.parse(text) as unknown;
        body = sent as Record<string, unknown>;
      } catch {
        // Not JSON: validated as the text it is, which no operation of the subset accepts.
        sent = text;
        body = undefined;
      }
    }
    const authenticated = req.headers["private-token"] === token;
    let answer: HttpAnswer;
    const injected = failures.find(
      ({ failure, left }) =>
        left > 0 && (failure.method === undefined || failure.method === method) && matches(failure.route, route),
    );
    if (!authenticated) {
      answer = new HttpAnswer(401, { message: "401 Unauthorized" });
    } else if (injected) {
      injected.left--;
      const { status, headers, body: failureBody, after } = injected.failure;
      // The request's own answer is dropped, as a gateway drops it when it gives up waiting.
      if (after === true) handle(method, segments, query, body ?? {}, url.pathname);
      answer = new HttpAnswer(status, failureBody ?? { message: `${status} injected` }, headers);
    } else {
      answer = handle(method, segments, query, body ?? {}, url.pathname);
    }
    requests.push({ method, route, query, body, authenticated, status: answer.status });
    problems.push(
      ...validator.validate({
        method,
        path: url.pathname,
        query: url.searchParams,
        body: sent,
        status: answer.status,
        responseBody: answer.status === 204 ? undefined : answer.body,
      }),
    );
    res.writeHead(answer.status, {
      ...(answer.status === 204 ? {} : { "content-type": "application/json" }),
      ...answer.headers,
    });
    res.end(answer.status === 204 ? undefined : JSON.stringify(answer.body));
  }

  const server: Server = createServer((req, res) => {
    respond(req, res).catch((error: Error) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `double failed: ${error.message}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    token,
    user,
    requests,
    state,
    addGroup(path) {
      const id = nextId++;
      state.groups.set(path, { id, path });
      return id;
    },
    addProject(groupPath, name) {
      if (!state.groups.has(groupPath)) throw new Error(`double: no group '${groupPath}'`);
      const id = nextId++;
      const path = `${groupPath}/${name}`;
      state.projects.set(path, { id, path, group: groupPath, visibility: "private", default_branch: null });
      return id;
    },
    pushFile(projectPath, branch, filePath, content) {
      const p = state.projects.get(projectPath);
      if (!p) throw new Error(`double: no project '${projectPath}'`);
      return writeFiles(p, branch, new Map([[filePath, content]]));
    },
    removeFile(projectPath, branch, filePath) {
      const p = state.projects.get(projectPath);
      if (!state.repositories.get(projectPath)?.get(branch)?.has(filePath) || !p) {
        throw new Error(`double: no file '${filePath}' on '${branch}' of '${projectPath}'`);
      }
      writeFiles(p, branch, new Map([[filePath, null]]));
    },
    addLabel(owner, name, color, description) {
      const ownerKind = state.groups.has(owner) ? "group" : "project";
      if (ownerKind === "project" && !state.projects.has(owner))
        throw new Error(`double: no group or project '${owner}'`);
      const id = nextId++;
      state.labels.push({ id, name, color, description: description ?? null, owner, ownerKind });
      return id;
    },
    addMergeRequest(projectPath, iid) {
      const p = state.projects.get(projectPath);
      if (!p) throw new Error(`double: no project '${projectPath}'`);
      if (!Number.isInteger(iid) || iid < 1)
        throw new Error(`double: merge request IID ${iid} is not a positive integer`);
      const ref = `${projectPath}!${iid}`;
      if (state.mergeRequests.has(ref)) throw new Error(`double: merge request ${ref} exists`);
      const id = nextId++;
      state.mergeRequests.set(ref, { id, iid, projectId: p.id, project: projectPath, notes: [] });
      return id;
    },
    addNote(projectPath, iid, body, options = {}) {
      const mr = state.mergeRequests.get(`${projectPath}!${iid}`);
      if (!mr) throw new Error(`double: no merge request ${projectPath}!${iid}`);
      const at = stamp();
      const note: MergeRequestNote = {
        id: nextId++,
        body,
        author: options.author ?? user,
        created_at: at,
        updated_at: at,
        system: options.system ?? false,
        internal: options.internal ?? false,
      };
      mr.notes.push(note);
      return note;
    },
    addUser(username) {
      if (state.users.has(username) || username === user.username) throw new Error(`double: user '${username}' exists`);
      const id = nextId++;
      state.users.set(username, { id, username, name: username });
      return id;
    },
    addProtectedBranch(projectPath, name, levels) {
      if (!state.projects.has(projectPath)) throw new Error(`double: no project '${projectPath}'`);
      const all = state.protectedBranches.get(projectPath) ?? [];
      if (all.some((b) => b.name === name)) throw new Error(`double: '${name}' is protected already`);
      const branch: DoubleProtectedBranch = {
        id: nextId++,
        name,
        push: [accessEntry(levels.push)],
        merge: [accessEntry(levels.merge)],
        unprotect: [accessEntry(levels.unprotect ?? 40)],
        allow_force_push: levels.allowForcePush ?? false,
        code_owner_approval_required: false,
      };
      state.protectedBranches.set(projectPath, [...all, branch]);
      return branch;
    },
    inject(failure) {
      failures.push({ failure, left: failure.times ?? Number.POSITIVE_INFINITY });
    },
    requestsTo(method, route) {
      return requests.filter((r) => r.method === method && matches(route, r.route));
    },
    problems,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      if (problems.length > 0) {
        const listed = [...new Set(problems.splice(0))].map((problem) => `  - ${problem}`).join("\n");
        throw new Error(`exchanges with the GitLab double departed from GitLab's OpenAPI document:\n${listed}`);
      }
    },
  };
}
