/**
 * The slice of the GitLab REST API the group stack's dynamic resources use, over `@gitbeaker/rest`, with the
 * project's own retry policy. Plain functions and objects only: the dynamic providers that call this are serialized
 * into state (https://www.pulumi.com/docs/iac/concepts/providers/dynamic-providers/), so there are no classes to serialize, and the connection
 * is read from the environment each time a provider method runs, never captured.
 */
import type { FormattedResponse, RequestOptions } from "@gitbeaker/requester-utils";
import { RetryClock, systemClock } from "../common/retry";

/** Where GitLab is and the token to call it with. */
export interface GitlabConnection {
  /** Base URL, e.g. `https://gitlab.example.com` (no `/api/v4`). */
  readonly url: string;
  /** Personal, group or project access token. */
  readonly token: string;
}

/** How transient failures are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Pause after the first failure; it doubles after each one up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  /** Longest backoff pause. */
  readonly maxDelayMs: number;
  /** Longest `Retry-After` that is waited out; a longer one fails at once with the wait GitLab asked for. */
  readonly maxRetryAfterMs: number;
  /** The clock; tests pass a fake one. */
  readonly clock: RetryClock;
}

/** The retry policy of real runs: up to 6 attempts, 1 s doubling to 30 s, `Retry-After` honored up to 2 minutes. */
export function defaultRetryPolicy(): RetryPolicy {
  return { maxAttempts: 6, initialDelayMs: 1_000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000, clock: systemClock() };
}

/** A GitLab API answer other than 2xx. */
export interface GitlabHttpError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The request, as `METHOD /api/v4/path` (no query, no token). */
  readonly request: string;
  /** GitLab's `message` or `error`, or the body text. */
  readonly detail: string;
}

/** True when `error` is a {@link GitlabHttpError}, optionally with one of `statuses`. */
export function isHttpError(error: unknown, ...statuses: number[]): error is GitlabHttpError {
  const status = (error as { status?: unknown } | null)?.status;
  return (
    error instanceof Error &&
    typeof status === "number" &&
    "request" in error &&
    (statuses.length === 0 || statuses.includes(status))
  );
}

function httpError(request: string, status: number, detail: string): GitlabHttpError {
  return Object.assign(new Error(`GitLab answered ${request} with ${status}: ${detail}`), { status, request, detail });
}

/**
 * A request that got no answer at all (connection refused or reset, timeout): a {@link GitlabHttpError} with status
 * 0, because whether GitLab acted on it is as unknown as after a 5xx.
 */
function noAnswer(request: string, cause: unknown): GitlabHttpError {
  const detail = `no answer (${cause instanceof Error ? cause.message : String(cause)})`;
  return Object.assign(new Error(`GitLab did not answer ${request}: ${detail}`), { status: 0, request, detail });
}

/**
 * True when `error` leaves open whether GitLab did what was asked: a 5xx, or no answer at all. A 504 is the gateway
 * giving up on a request that Puma may still complete, and a 500 or 502 may come after the database commit
 * (https://docs.gitlab.com/api/rest/troubleshooting/#status-codes), so a creation that failed this way may have
 * created the object.
 */
export function isAmbiguous(error: unknown): error is GitlabHttpError {
  return isHttpError(error) && (error.status === 0 || error.status >= 500);
}

/** GitLab's error text: `message` (a string or a field → errors map) or `error`, else the raw body. */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const detail = body.message ?? body.error;
    if (typeof detail === "string") return detail;
    if (detail !== undefined) return JSON.stringify(detail);
  } catch {
    // Not JSON: the text itself is the detail.
  }
  return text.trim() || "(empty body)";
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or
 * unreadable.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(date - nowMs, 0);
}

/**
 * Whether a failed request may be sent again; `status` 0 means no answer at all. 429 always: GitLab's rate limits
 * answer before the endpoint runs (https://docs.gitlab.com/api/rest/troubleshooting/#status-codes). POST and PATCH
 * never otherwise: after a 5xx or no answer GitLab may have created the runner, label or key already (a 504 is the
 * gateway giving up on a request the application may still finish), and a resent POST would make a second one, a
 * second runner with a live token nobody holds. The resources resolve that ambiguity themselves, by looking the
 * object up ({@link isAmbiguous}, provider-support.ts `createOnce`). GET, PUT and DELETE are idempotent: every 5xx
 * and no answer are retried.
 */
export function isTransient(method: string, status: number): boolean {
  if (status === 429) return true;
  if (method === "POST" || method === "PATCH") return false;
  return status === 0 || (status >= 500 && status <= 599);
}

async function readBody(response: Response): Promise<FormattedResponse["body"]> {
  if (response.status === 204) return null;
  const type = (response.headers.get("content-type") ?? "").split(";")[0].trim();
  const text = await response.text();
  if (type === "application/json") return text === "" ? {} : (JSON.parse(text) as FormattedResponse["body"]);
  return text;
}

/**
 * A gitbeaker request handler that sends each request with `fetch` and retries transient failures itself. It
 * replaces gitbeaker's default handler, which retries 429 and 502 ten times within a fraction of a second, ignores
 * `Retry-After`, and then loses the status.
 */
export function retryingRequestHandler(policy: RetryPolicy) {
  return async (endpoint: string, options?: Record<string, unknown>): Promise<FormattedResponse> => {
    const { prefixUrl, searchParams, method = "GET", headers, body, signal } = (options ?? {}) as RequestOptions;
    const url = new URL(endpoint, prefixUrl?.endsWith("/") ? prefixUrl : `${prefixUrl ?? ""}/`);
    url.search = searchParams ?? "";
    const request = `${method} ${url.pathname}`;
    let delay = policy.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      const answered = await fetch(url, { method, headers, body, signal }).catch((cause: unknown) =>
        noAnswer(request, cause),
      );
      const response = answered instanceof Response ? answered : undefined;
      if (response?.ok) {
        return {
          body: await readBody(response),
          headers: Object.fromEntries(response.headers.entries()),
          status: response.status,
        };
      }
      const status = response?.status ?? 0;
      const error = response
        ? httpError(request, status, errorDetail(await response.text()))
        : (answered as GitlabHttpError);
      if (!isTransient(method, status) || attempt >= policy.maxAttempts) {
        if (attempt > 1) error.message += ` (after ${attempt} attempts)`;
        throw error;
      }
      const asked = response ? retryAfterMs(response.headers.get("retry-after"), policy.clock.now()) : undefined;
      if (asked !== undefined && asked > policy.maxRetryAfterMs) {
        error.message += `; GitLab asks to wait ${Math.ceil(asked / 1000)}s, longer than allowed: run again later`;
        throw error;
      }
      await policy.clock.sleep(asked ?? delay);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  };
}

/** A group label as the API returns it. */
export interface ApiLabel {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly description: string | null;
  /** Present on project label listings: false for labels inherited from groups. */
  readonly is_project_label?: boolean;
}

/** A group CI/CD variable as the API returns it. */
export interface ApiVariable {
  readonly key: string;
  readonly value: string;
  readonly variable_type: "env_var" | "file";
  readonly protected: boolean;
  readonly masked: boolean;
  readonly raw: boolean;
  readonly environment_scope: string;
  readonly description: string | null;
}

/** Attributes of a group variable as sent to the API. */
export interface VariableAttributes {
  readonly value: string;
  readonly variableType: "env_var" | "file";
  readonly protected: boolean;
  readonly masked: boolean;
  readonly raw: boolean;
  readonly environmentScope: string;
  readonly description: string;
}

/** Runner attributes that can be set at creation and changed later. */
export interface RunnerAttributes {
  readonly description: string;
  readonly paused: boolean;
  readonly locked: boolean;
  readonly runUntagged: boolean;
  readonly tagList: string[];
  readonly accessLevel: "not_protected" | "ref_protected";
  readonly maximumTimeout?: number;
  /** Free text GitLab shows to the runner's administrators (at most 1024 characters). */
  readonly maintenanceNote?: string;
}

/** A runner's details as the API returns them. */
export interface ApiRunner {
  readonly id: number;
  readonly description: string;
  readonly paused: boolean;
  readonly locked: boolean;
  readonly run_untagged: boolean;
  readonly tag_list: string[] | null;
  readonly access_level: string;
  readonly maximum_timeout: number | null;
  readonly maintenance_note?: string | null;
  /** `never_contacted` until a runner manager has used the token once. */
  readonly status?: string;
  /** The group that owns a group runner. */
  readonly groups?: { readonly id: number }[] | null;
}

/** A runner as a listing returns it: no tags, no note, no owner. */
export interface ApiRunnerSummary {
  readonly id: number;
  readonly description: string | null;
  readonly status?: string;
}

/** Filters of a group's runner listing (`GET /groups/:id/runners`). */
export interface RunnerFilter {
  /** Only runners that carry every one of these tags (and maybe others). */
  readonly tagList: readonly string[];
  /** Only runners no runner manager has used yet (`status=never_contacted`). */
  readonly neverContacted: boolean;
}

/** A runner authentication token as `POST /runners/:id/reset_authentication_token` returns it. */
export interface RunnerToken {
  readonly token: string;
  readonly tokenExpiresAt: string | null;
}

/** A deploy key as the API returns it. */
export interface ApiDeployKey {
  readonly id: number;
  readonly title: string;
  readonly key: string;
  readonly can_push?: boolean;
}

/** A project of the group, as far as label promotion needs it. */
export interface ApiProject {
  readonly id: number;
  readonly path_with_namespace: string;
}

/** A project's details as `GET /projects/:id` and `POST /projects` return them, as far as the resources read them. */
export interface ApiProjectDetails extends ApiProject {
  readonly path: string;
  readonly visibility?: string | null;
  /** Null while the repository is empty. */
  readonly default_branch?: string | null;
  readonly empty_repo?: boolean | null;
}

/** A repository file as `GET /projects/:id/repository/files/:file_path` returns it, its content decoded. */
export interface RepositoryFile {
  /** The file's content as UTF-8 text. */
  readonly content: string;
  /** The last commit that changed the file: a commit action's `last_commit_id`. */
  readonly lastCommitId: string;
}

/**
 * One action of a commit (https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions):
 * `create` fails when the file exists, `update` when it does not or when it changed after `lastCommitId`.
 */
export type CommitAction =
  | { readonly action: "create"; readonly filePath: string; readonly content: string }
  | { readonly action: "update"; readonly filePath: string; readonly content: string; readonly lastCommitId: string };

/**
 * GitLab's access levels of protected refs: 0 no one, 30 Developer and up, 40 Maintainer and up, 60 administrators
 * (https://docs.gitlab.com/api/protected_branches/#valid-access-levels).
 */
export type AccessLevel = 0 | 30 | 40 | 60;

/** One entry of a protected branch's push, merge or unprotect list: a role, a user, a group or a deploy key. */
export interface ApiProtectedRefAccess {
  readonly id: number;
  readonly access_level: number | null;
  readonly access_level_description?: string | null;
  readonly user_id?: number | null;
  readonly group_id?: number | null;
  readonly deploy_key_id?: number | null;
}

/** A protected branch (or wildcard) as the API returns it. */
export interface ApiProtectedBranch {
  readonly id: number;
  readonly name: string;
  readonly push_access_levels?: ApiProtectedRefAccess[] | null;
  readonly merge_access_levels?: ApiProtectedRefAccess[] | null;
  readonly unprotect_access_levels?: ApiProtectedRefAccess[] | null;
  readonly allow_force_push: boolean | null;
  readonly code_owner_approval_required: boolean | null;
}

/** What protecting a branch sets. */
export interface ProtectedBranchAttributes {
  readonly pushAccessLevel: AccessLevel;
  readonly mergeAccessLevel: AccessLevel;
  readonly unprotectAccessLevel: AccessLevel;
  readonly allowForcePush: boolean;
  /** Premium: pushes that change a file with a CODEOWNERS entry need the code owners' approval. */
  readonly codeOwnerApprovalRequired: boolean;
}

/** A change to one access list of a protected branch: add a role, or remove an entry by its ID. */
export type AccessChange = { readonly accessLevel: AccessLevel } | { readonly removeId: number };

/** What `PATCH /projects/:id/protected_branches/:name` changes; absent fields stay as they are. */
export interface ProtectedBranchChanges {
  readonly allowForcePush?: boolean;
  readonly codeOwnerApprovalRequired?: boolean;
  readonly push?: readonly AccessChange[];
  readonly merge?: readonly AccessChange[];
  readonly unprotect?: readonly AccessChange[];
}

/** A project's push rule as the API returns it (fields GitLab has not set may be null). */
export interface ApiPushRule {
  readonly id: number;
  readonly deny_delete_tag: boolean | null;
  readonly member_check: boolean | null;
  readonly prevent_secrets: boolean | null;
  readonly commit_committer_check: boolean | null;
  readonly reject_unsigned_commits: boolean | null;
  readonly max_file_size: number | null;
}

/** The push rule settings the stack manages. */
export interface PushRuleAttributes {
  readonly denyDeleteTag: boolean;
  readonly memberCheck: boolean;
  readonly preventSecrets: boolean;
  readonly commitCommitterCheck: boolean;
  readonly rejectUnsignedCommits: boolean;
  /** MB; 0 for no limit. */
  readonly maxFileSize: number;
}

/** A project's merge request approval rule as the API returns it. */
export interface ApiApprovalRule {
  readonly id: number;
  readonly name: string;
  readonly rule_type: string | null;
  readonly approvals_required: number | null;
  readonly users?: { readonly id: number; readonly username: string }[] | null;
  readonly groups?: { readonly id: number }[] | null;
  readonly protected_branches?: { readonly id: number; readonly name?: string }[] | null;
  readonly applies_to_all_protected_branches?: boolean | null;
}

/** What an approval rule is made of; `ruleType` is taken only at creation. */
export interface ApprovalRuleAttributes {
  readonly name: string;
  readonly approvalsRequired: number;
  readonly ruleType: "regular" | "any_approver";
  readonly userIds: readonly number[];
  readonly usernames: readonly string[];
  readonly groupIds: readonly number[];
  readonly protectedBranchIds: readonly number[];
  readonly appliesToAllProtectedBranches: boolean;
}

/** The calls the dynamic resources make. Every method throws {@link GitlabHttpError} on a non-2xx answer. */
export interface GitlabApi {
  /** The numeric ID of a group (`POST /user/runners` takes only IDs). */
  groupId(groupPath: string): Promise<number>;
  /** The group's own label with exactly this name (not an ancestor group's), if any. */
  findGroupLabel(groupPath: string, name: string): Promise<ApiLabel | undefined>;
  /** One group label by ID; undefined when it is gone. */
  showGroupLabel(groupPath: string, labelId: number): Promise<ApiLabel | undefined>;
  createGroupLabel(groupPath: string, name: string, color: string, description: string): Promise<ApiLabel>;
  editGroupLabel(
    groupPath: string,
    labelId: number,
    changes: { newName?: string; color: string; description: string },
  ): Promise<ApiLabel>;
  deleteGroupLabel(groupPath: string, labelId: number): Promise<void>;
  /** Projects directly in the group that have their own label with exactly this name. */
  projectsWithLabel(groupPath: string, name: string): Promise<ApiProject[]>;
  /** Promotes a project label to a label of the project's group (`PUT /projects/:id/labels/:label/promote`). */
  promoteProjectLabel(projectId: number, name: string): Promise<ApiLabel>;
  /** A group variable by key and environment scope; undefined when there is none. */
  showGroupVariable(groupPath: string, key: string, environmentScope: string): Promise<ApiVariable | undefined>;
  createGroupVariable(groupPath: string, key: string, attributes: VariableAttributes): Promise<ApiVariable>;
  editGroupVariable(groupPath: string, key: string, attributes: VariableAttributes): Promise<ApiVariable>;
  deleteGroupVariable(groupPath: string, key: string, environmentScope: string): Promise<void>;
  /** Creates a group runner; the token in the answer is shown only this once. */
  createGroupRunner(
    groupId: number,
    attributes: RunnerAttributes,
  ): Promise<{ id: number; token: string; tokenExpiresAt: string | null }>;
  /** A runner's details; undefined when it is gone. */
  showRunner(runnerId: number): Promise<ApiRunner | undefined>;
  editRunner(runnerId: number, attributes: RunnerAttributes): Promise<ApiRunner>;
  deleteRunner(runnerId: number): Promise<void>;
  /**
   * Group runners visible in the group (its own and its ancestors'), filtered as GitLab filters them; every page.
   * The listing carries no tags, note or owner: read those with {@link showRunner}.
   */
  listGroupRunners(groupId: number, filter: RunnerFilter): Promise<ApiRunnerSummary[]>;
  /** Issues the runner a new authentication token; the old one stops working at once. */
  resetRunnerToken(runnerId: number): Promise<RunnerToken>;
  /**
   * Waits before attempt `attempt + 1` of an operation whose outcome was ambiguous, as the retry policy backs off;
   * resolves to false, without waiting, when the policy allows no further attempt.
   */
  backoff(attempt: number): Promise<boolean>;
  /** One protected branch or wildcard by its exact name; undefined when there is none. */
  showProtectedBranch(projectPath: string, name: string): Promise<ApiProtectedBranch | undefined>;
  createProtectedBranch(
    projectPath: string,
    name: string,
    attributes: ProtectedBranchAttributes,
  ): Promise<ApiProtectedBranch>;
  editProtectedBranch(projectPath: string, name: string, changes: ProtectedBranchChanges): Promise<ApiProtectedBranch>;
  deleteProtectedBranch(projectPath: string, name: string): Promise<void>;
  /** The project's push rule; undefined when it has none. */
  showPushRule(projectPath: string): Promise<ApiPushRule | undefined>;
  createPushRule(projectPath: string, attributes: PushRuleAttributes): Promise<ApiPushRule>;
  editPushRule(projectPath: string, attributes: PushRuleAttributes): Promise<ApiPushRule>;
  /** Every merge request approval rule of the project (all pages). */
  listApprovalRules(projectPath: string): Promise<ApiApprovalRule[]>;
  createApprovalRule(projectPath: string, attributes: ApprovalRuleAttributes): Promise<ApiApprovalRule>;
  editApprovalRule(projectPath: string, ruleId: number, attributes: ApprovalRuleAttributes): Promise<ApiApprovalRule>;
  deleteApprovalRule(projectPath: string, ruleId: number): Promise<void>;
  listDeployKeys(projectPath: string): Promise<ApiDeployKey[]>;
  /** One deploy key of a project; undefined when it is gone. */
  showDeployKey(projectPath: string, keyId: number): Promise<ApiDeployKey | undefined>;
  createDeployKey(projectPath: string, title: string, key: string, canPush: boolean): Promise<ApiDeployKey>;
  editDeployKey(projectPath: string, keyId: number, title: string, canPush: boolean): Promise<ApiDeployKey>;
  deleteDeployKey(projectPath: string, keyId: number): Promise<void>;
  /** A project by full path or numeric ID; undefined when there is none (or the token cannot see it). */
  showProject(project: string | number): Promise<ApiProjectDetails | undefined>;
  /** Creates an empty, private project in the group with the ID `namespaceId`, its default branch `defaultBranch`. */
  createProject(namespaceId: number, path: string, defaultBranch: string): Promise<ApiProjectDetails>;
  /** A file on a branch; undefined when the file, the branch or the project is not there. */
  showRepositoryFile(projectPath: string, filePath: string, ref: string): Promise<RepositoryFile | undefined>;
  /** Commits the actions to `branch` as one commit; resolves to the commit's SHA. */
  createCommit(projectPath: string, branch: string, message: string, actions: readonly CommitAction[]): Promise<string>;
}

/** Resolves to undefined instead of throwing when GitLab answers 404. */
async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isHttpError(error, 404)) return undefined;
    throw error;
  }
}

/** Resolves when GitLab answers 404: deleting what is already gone is done. */
async function goneIsDone(call: Promise<unknown>): Promise<void> {
  await unlessNotFound(call);
}

/** A {@link GitlabApi} over gitbeaker with the given connection and retry policy. */
export function gitlabApi(connection: GitlabConnection, retry: RetryPolicy = defaultRetryPolicy()): GitlabApi {
  // Loaded when a provider method needs GitLab, not when a program imports this module: a program only registers
  // resources, and gitbeaker is a tenth of the offline plan's start-up.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const {
    DeployKeys,
    GroupLabels,
    Groups,
    GroupVariables,
    MergeRequestApprovals,
    ProjectLabels,
    ProjectPushRules,
    Projects,
    ProtectedBranches,
    RepositoryFiles,
    Runners,
    Users,
  } = require("@gitbeaker/rest") as typeof import("@gitbeaker/rest");
  const { createRequesterFn } = require("@gitbeaker/requester-utils") as typeof import("@gitbeaker/requester-utils");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const options = {
    host: connection.url.replace(/\/+$/, ""),
    token: connection.token,
    requesterFn: createRequesterFn((_, request) => Promise.resolve(request), retryingRequestHandler(retry)),
  };
  const groups = new Groups(options);
  const groupLabels = new GroupLabels(options);
  const projectLabels = new ProjectLabels(options);
  const variables = new GroupVariables(options);
  const users = new Users(options);
  const runners = new Runners(options);
  const deployKeys = new DeployKeys(options);
  const protectedBranches = new ProtectedBranches(options);
  const pushRules = new ProjectPushRules(options);
  const approvals = new MergeRequestApprovals(options);
  const projectsApi = new Projects(options);
  const repositoryFiles = new RepositoryFiles(options);
  // gitbeaker's requester, for the calls whose shape its resource classes do not send: it still goes through the
  // request handler above (retries, errors). A JSON body, snake_case as the API documents it.
  const send = async <T>(method: "post" | "patch", endpoint: string, body: Record<string, unknown>): Promise<T> =>
    (await runners.requester[method](endpoint, { body })).body as T;
  const project = (projectPath: string) => `projects/${encodeURIComponent(projectPath)}`;
  // `filter[environment_scope]` picks the variable when a key exists in several scopes. gitbeaker's GroupVariables
  // typing leaves it out of show/remove, but its request helpers forward every option (as the query of a GET, the
  // body otherwise), which is how the API reads it.
  const scope = (environmentScope: string) =>
    ({ filter: { environment_scope: environmentScope } }) as { filter: { environment_scope: string }; sudo?: never };
  const variableBody = (a: VariableAttributes) => ({
    variableType: a.variableType,
    protected: a.protected,
    masked: a.masked,
    // Always sent: the documented default of `raw` and the API's example answers disagree (https://docs.gitlab.com/api/group_level_variables/).
    raw: a.raw,
    environmentScope: a.environmentScope,
    description: a.description,
  });
  const runnerBody = (a: RunnerAttributes) => ({
    description: a.description,
    paused: a.paused,
    locked: a.locked,
    runUntagged: a.runUntagged,
    tagList: a.tagList,
    accessLevel: a.accessLevel,
    ...(a.maximumTimeout === undefined ? {} : { maximumTimeout: a.maximumTimeout }),
    ...(a.maintenanceNote === undefined ? {} : { maintenanceNote: a.maintenanceNote }),
  });
  // `allowed_to_*` entries: `{ access_level }` adds a role, `{ id, _destroy: true }` removes an entry
  // (https://docs.gitlab.com/api/protected_branches/#update-a-protected-branch).
  const accessEntries = (changes: readonly AccessChange[] | undefined) =>
    changes?.map((c) => ("removeId" in c ? { id: c.removeId, _destroy: true } : { access_level: c.accessLevel }));
  const pushRuleBody = (a: PushRuleAttributes) => ({
    denyDeleteTag: a.denyDeleteTag,
    memberCheck: a.memberCheck,
    preventSecrets: a.preventSecrets,
    commitCommitterCheck: a.commitCommitterCheck,
    rejectUnsignedCommits: a.rejectUnsignedCommits,
    maxFileSize: a.maxFileSize,
  });
  // Lists are always sent, empty ones too: an empty list is how an update removes every user or group.
  const approvalRuleBody = (a: ApprovalRuleAttributes) => ({
    userIds: [...a.userIds],
    usernames: [...a.usernames],
    groupIds: [...a.groupIds],
    protectedBranchIds: [...a.protectedBranchIds],
    appliesToAllProtectedBranches: a.appliesToAllProtectedBranches,
  });

  return {
    async groupId(groupPath) {
      return (await groups.show(groupPath)).id;
    },
    async findGroupLabel(groupPath, name) {
      // `search` narrows the listing; it matches substrings, so the exact name is picked out here.
      const labels = await groupLabels.all(groupPath, { search: name, includeAncestorGroups: false, perPage: 100 });
      return (labels as unknown as ApiLabel[]).find((label) => label.name === name);
    },
    async showGroupLabel(groupPath, labelId) {
      return (await unlessNotFound(groupLabels.show(groupPath, labelId))) as ApiLabel | undefined;
    },
    async createGroupLabel(groupPath, name, color, description) {
      return (await groupLabels.create(groupPath, name, color, { description })) as unknown as ApiLabel;
    },
    async editGroupLabel(groupPath, labelId, { newName, color, description }) {
      // The API takes new_name and color together; gitbeaker's typing allows only one of them per call.
      const label = await groupLabels.edit(groupPath, labelId, {
        color,
        description,
        ...(newName === undefined ? {} : { newName }),
      } as { color: string; description: string });
      return label as unknown as ApiLabel;
    },
    async deleteGroupLabel(groupPath, labelId) {
      await goneIsDone(groupLabels.remove(groupPath, labelId));
    },
    async projectsWithLabel(groupPath, name) {
      // Only projects directly in the group: promotion moves a label to the project's own parent group.
      const projects = (await groups.allProjects(groupPath, {
        simple: true,
        perPage: 100,
      })) as unknown as ApiProject[];
      const found: ApiProject[] = [];
      for (const project of projects) {
        const labels = (await projectLabels.all(project.id, {
          search: name,
          includeAncestorGroups: false,
          perPage: 100,
        })) as unknown as ApiLabel[];
        if (labels.some((label) => label.name === name && label.is_project_label !== false)) found.push(project);
      }
      return found;
    },
    async promoteProjectLabel(projectId, name) {
      return (await projectLabels.promote(projectId, name)) as unknown as ApiLabel;
    },
    async showGroupVariable(groupPath, key, environmentScope) {
      return (await unlessNotFound(variables.show(groupPath, key, scope(environmentScope)))) as ApiVariable | undefined;
    },
    async createGroupVariable(groupPath, key, attributes) {
      const created = await variables.create(groupPath, key, attributes.value, variableBody(attributes));
      return created as unknown as ApiVariable;
    },
    async editGroupVariable(groupPath, key, attributes) {
      const edited = await variables.edit(groupPath, key, attributes.value, {
        ...variableBody(attributes),
        ...scope(attributes.environmentScope),
      });
      return edited as unknown as ApiVariable;
    },
    async deleteGroupVariable(groupPath, key, environmentScope) {
      await goneIsDone(variables.remove(groupPath, key, scope(environmentScope)));
    },
    async createGroupRunner(groupId, attributes) {
      const created = await users.createCIRunner("group_type", { groupId, ...runnerBody(attributes) });
      return { id: created.id, token: created.token, tokenExpiresAt: created.token_expires_at };
    },
    async showRunner(runnerId) {
      return (await unlessNotFound(runners.show(runnerId))) as ApiRunner | undefined;
    },
    async editRunner(runnerId, attributes) {
      return (await runners.edit(runnerId, runnerBody(attributes))) as unknown as ApiRunner;
    },
    async deleteRunner(runnerId) {
      await goneIsDone(runners.remove({ runnerId }));
    },
    async listGroupRunners(groupId, filter) {
      const listed = await runners.all({
        groupId,
        type: "group_type",
        ...(filter.tagList.length === 0 ? {} : { tagList: [...filter.tagList] }),
        ...(filter.neverContacted ? { status: "never_contacted" as const } : {}),
        perPage: 100,
      });
      return listed as unknown as ApiRunnerSummary[];
    },
    async resetRunnerToken(runnerId) {
      // gitbeaker has no call for it: https://docs.gitlab.com/api/runners/#reset-runners-authentication-token-by-using-the-runner-id
      const reset = await send<{ token: string; token_expires_at: string | null }>(
        "post",
        `runners/${runnerId}/reset_authentication_token`,
        {},
      );
      return { token: reset.token, tokenExpiresAt: reset.token_expires_at ?? null };
    },
    async backoff(attempt) {
      if (attempt >= retry.maxAttempts) return false;
      await retry.clock.sleep(Math.min(retry.initialDelayMs * 2 ** (attempt - 1), retry.maxDelayMs));
      return true;
    },
    async showProtectedBranch(projectPath, name) {
      return (await unlessNotFound(protectedBranches.show(projectPath, name))) as ApiProtectedBranch | undefined;
    },
    async createProtectedBranch(projectPath, name, a) {
      // gitbeaker sends these as query parameters; the API documents a JSON body.
      return send<ApiProtectedBranch>("post", `${project(projectPath)}/protected_branches`, {
        name,
        push_access_level: a.pushAccessLevel,
        merge_access_level: a.mergeAccessLevel,
        unprotect_access_level: a.unprotectAccessLevel,
        allow_force_push: a.allowForcePush,
        code_owner_approval_required: a.codeOwnerApprovalRequired,
      });
    },
    async editProtectedBranch(projectPath, name, changes) {
      const body = {
        ...(changes.allowForcePush === undefined ? {} : { allow_force_push: changes.allowForcePush }),
        ...(changes.codeOwnerApprovalRequired === undefined
          ? {}
          : { code_owner_approval_required: changes.codeOwnerApprovalRequired }),
        ...(changes.push?.length ? { allowed_to_push: accessEntries(changes.push) } : {}),
        ...(changes.merge?.length ? { allowed_to_merge: accessEntries(changes.merge) } : {}),
        ...(changes.unprotect?.length ? { allowed_to_unprotect: accessEntries(changes.unprotect) } : {}),
      };
      return send<ApiProtectedBranch>(
        "patch",
        `${project(projectPath)}/protected_branches/${encodeURIComponent(name)}`,
        body,
      );
    },
    async deleteProtectedBranch(projectPath, name) {
      await goneIsDone(protectedBranches.remove(projectPath, name));
    },
    async showPushRule(projectPath) {
      // GitLab answers 200 with `null` when the project has no push rule; a 404 is treated the same.
      const rule = (await unlessNotFound(pushRules.show(projectPath))) as ApiPushRule | null | undefined;
      return rule ?? undefined;
    },
    async createPushRule(projectPath, attributes) {
      return (await pushRules.create(projectPath, pushRuleBody(attributes))) as unknown as ApiPushRule;
    },
    async editPushRule(projectPath, attributes) {
      return (await pushRules.edit(projectPath, pushRuleBody(attributes))) as unknown as ApiPushRule;
    },
    async listApprovalRules(projectPath) {
      // Every page: the listing is paginated like the others (`page`, `per_page`), which gitbeaker's typing omits.
      const rules = await approvals.allApprovalRules(projectPath, { perPage: 100 } as { sudo?: never });
      return rules as unknown as ApiApprovalRule[];
    },
    async createApprovalRule(projectPath, a) {
      const rule = await approvals.createApprovalRule(projectPath, a.name, a.approvalsRequired, {
        ...approvalRuleBody(a),
        ruleType: a.ruleType,
      });
      return rule as unknown as ApiApprovalRule;
    },
    async editApprovalRule(projectPath, ruleId, a) {
      const rule = await approvals.editApprovalRule(
        projectPath,
        ruleId,
        a.name,
        a.approvalsRequired,
        approvalRuleBody(a),
      );
      return rule as unknown as ApiApprovalRule;
    },
    async deleteApprovalRule(projectPath, ruleId) {
      await goneIsDone(approvals.removeApprovalRule(projectPath, ruleId));
    },
    async listDeployKeys(projectPath) {
      return (await deployKeys.all({ projectId: projectPath, perPage: 100 })) as unknown as ApiDeployKey[];
    },
    async showDeployKey(projectPath, keyId) {
      return (await unlessNotFound(deployKeys.show(projectPath, keyId))) as ApiDeployKey | undefined;
    },
    async createDeployKey(projectPath, title, key, canPush) {
      return (await deployKeys.create(projectPath, title, key, { canPush })) as unknown as ApiDeployKey;
    },
    async editDeployKey(projectPath, keyId, title, canPush) {
      return (await deployKeys.edit(projectPath, keyId, { title, canPush })) as unknown as ApiDeployKey;
    },
    async deleteDeployKey(projectPath, keyId) {
      await goneIsDone(deployKeys.remove(projectPath, keyId));
    },
    async showProject(ref) {
      return (await unlessNotFound(projectsApi.show(ref))) as ApiProjectDetails | undefined;
    },
    async createProject(namespaceId, path, defaultBranch) {
      // An empty repository: the seed commit (gitops-seed.ts) is its first commit, and a README would be a file
      // nobody asked for in the tree Flux reads (https://docs.gitlab.com/api/projects/#create-a-project).
      return send<ApiProjectDetails>("post", "projects", {
        namespace_id: namespaceId,
        path,
        name: path,
        visibility: "private",
        default_branch: defaultBranch,
        initialize_with_readme: false,
      });
    },
    async showRepositoryFile(projectPath, filePath, ref) {
      // https://docs.gitlab.com/api/repository_files/#get-file-from-repository: the content comes base64-encoded.
      const file = (await unlessNotFound(repositoryFiles.show(projectPath, filePath, ref))) as
        { content: string; encoding?: string; last_commit_id: string } | undefined;
      if (file === undefined) return undefined;
      const content = file.encoding === "text" ? file.content : Buffer.from(file.content, "base64").toString("utf8");
      return { content, lastCommitId: file.last_commit_id };
    },
    async createCommit(projectPath, branch, message, actions) {
      // gitbeaker's Commits.create sends the actions in its own shape; the API's is snake_case
      // (https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions).
      const commit = await send<{ id: string }>("post", `${project(projectPath)}/repository/commits`, {
        branch,
        commit_message: message,
        actions: actions.map((a) => ({
          action: a.action,
          file_path: a.filePath,
          content: a.content,
          encoding: "text",
          ...(a.action === "update" ? { last_commit_id: a.lastCommitId } : {}),
        })),
      });
      return commit.id;
    },
  };
}

/**
 * The connection from the environment: `GITLAB_URL` (or `CI_SERVER_URL`, which GitLab CI sets) and `GITLAB_TOKEN`.
 * Read when a provider method runs, so the token is never captured in the serialized provider or written to state.
 */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): GitlabConnection {
  const url = env.GITLAB_URL || env.CI_SERVER_URL;
  const token = env.GITLAB_TOKEN;
  const missing = [...(url ? [] : ["GITLAB_URL (or CI_SERVER_URL)"]), ...(token ? [] : ["GITLAB_TOKEN"])];
  if (missing.length > 0) {
    throw new Error(
      `GitLab connection: set ${missing.join(" and ")} in the environment of \`pulumi up\` ` +
        "(the URL of the GitLab instance, and an access token with the `api` scope)",
    );
  }
  return { url: url as string, token: token as string };
}

/**
 * Rewrites a 401 or 403 into an error that names what the token lacks; other errors pass through unchanged.
 * `needs` says which role on which group or project the call needs.
 */
export function explainAccessError(error: unknown, what: string, needs: string): unknown {
  if (isHttpError(error, 401)) {
    return new Error(
      `${what}: GitLab rejected the token (401 ${error.detail}); set GITLAB_TOKEN to a valid, unexpired access ` +
        `token with the \`api\` scope whose user has ${needs}`,
    );
  }
  if (isHttpError(error, 403)) {
    return new Error(
      `${what}: GitLab refused (403 ${error.detail}); the token in GITLAB_TOKEN needs the \`api\` scope and its ` +
        `user needs ${needs}`,
    );
  }
  return error;
}
