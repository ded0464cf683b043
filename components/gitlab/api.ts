/**
 * The slice of the GitLab REST API the group stack's dynamic resources use, over `@gitbeaker/rest`, with the
 * project's own retry policy. Plain functions and objects only: the dynamic providers that call this are serialized
 * into state (https://www.pulumi.com/docs/iac/concepts/providers/dynamic-providers/), so there are no classes to serialize, and the connection
 * is read from the environment each time a provider method runs, never captured.
 */
import { DeployKeys, GroupLabels, Groups, GroupVariables, ProjectLabels, Runners, Users } from "@gitbeaker/rest";
import { createRequesterFn, FormattedResponse, RequestOptions } from "@gitbeaker/requester-utils";
import { RetryClock, systemClock } from "../talos/retry";

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
 * Whether a failed request may be sent again. 429 always: GitLab rejected it before doing anything. For POST (which
 * creates runners, labels, variables, keys), only the gateway errors 502/503/504, where the request never reached
 * the application; a 500 may have created the object already. Other methods are idempotent, so every 5xx.
 */
export function isTransient(method: string, status: number): boolean {
  if (status === 429) return true;
  if (method === "POST") return status === 502 || status === 503 || status === 504;
  return status >= 500 && status <= 599;
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
      const response = await fetch(url, { method, headers, body, signal });
      if (response.ok) {
        return {
          body: await readBody(response),
          headers: Object.fromEntries(response.headers.entries()),
          status: response.status,
        };
      }
      const error = httpError(request, response.status, errorDetail(await response.text()));
      if (!isTransient(method, response.status) || attempt >= policy.maxAttempts) {
        if (attempt > 1) error.message += ` (after ${attempt} attempts)`;
        throw error;
      }
      const asked = retryAfterMs(response.headers.get("retry-after"), policy.clock.now());
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
  listDeployKeys(projectPath: string): Promise<ApiDeployKey[]>;
  /** One deploy key of a project; undefined when it is gone. */
  showDeployKey(projectPath: string, keyId: number): Promise<ApiDeployKey | undefined>;
  createDeployKey(projectPath: string, title: string, key: string, canPush: boolean): Promise<ApiDeployKey>;
  editDeployKey(projectPath: string, keyId: number, title: string, canPush: boolean): Promise<ApiDeployKey>;
  deleteDeployKey(projectPath: string, keyId: number): Promise<void>;
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
