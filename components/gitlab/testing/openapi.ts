/**
 * Checks HTTP exchanges with GitLab against GitLab's published REST API description: the subset of the OpenAPI 3
 * document (`doc/api/openapi/openapi_v3.yaml` in the GitLab repository) kept in `openapi/gitlab-openapi-subset.json`,
 * whose source, commit and checksum `openapi/README.md` records. The GitLab double validates every request it
 * receives and every answer it gives with {@link createOpenApiValidator}, so the double cannot drift from the API
 * that real GitLab publishes, and a client call the API does not describe fails the test that makes it.
 *
 * The document is generated from GitLab's Grape endpoints (https://docs.gitlab.com/api/openapi/openapi_interactive/)
 * and is looser than the API in known, systematic ways; the validator translates those once, here, rather than
 * weakening each check:
 *
 * - Request parameters and bodies: OpenAPI 3.0 `nullable: true` becomes a JSON Schema `null` type, path and query
 *   values (always strings on the wire) are read as the type their schema declares, and a body may carry only the
 *   fields its schema lists (Grape drops unknown fields silently, so a misspelt field would otherwise go unnoticed).
 * - Responses: the generator writes entity fields without `nullable` and, for exposures that declare no
 *   documentation, as a bare `type: string`; and it records no cardinality for `using:` exposures, so a `$ref` may
 *   stand for one object or a list of them (several list endpoints document a single object too). So in a response
 *   every field may be `null`, a bare `type: string` field may hold any JSON value, and a `$ref` accepts the object
 *   or an array of such objects. Field types that the document does state are checked, and with
 *   `closedResponses` (as the double uses it) so are field names.
 *
 * What the document leaves out altogether is on short written lists below ({@link UNDOCUMENTED_ENDPOINTS},
 * {@link DOCUMENT_GAPS}, {@link OUTSIDE_ENDPOINT_STATUSES}), each entry with the reason.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/** The subset of GitLab's OpenAPI document the validator reads. */
export const SUBSET_FILE = path.join(__dirname, "openapi", "gitlab-openapi-subset.json");

/** HTTP methods of the REST API, in the spelling of OpenAPI path items. */
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** One operation: a method on a templated path, as the document spells it. */
export interface Endpoint {
  readonly method: HttpMethod;
  readonly path: string;
}

/**
 * The operations the subset keeps: those the GitLab resources call (api.ts) and those upcoming work will call.
 * `openapi-extract.ts` copies exactly these, with every schema they reference, from the upstream document.
 */
export const SUBSET_ENDPOINTS: readonly Endpoint[] = [
  // https://docs.gitlab.com/api/groups/
  { method: "get", path: "/api/v4/groups/{id}" },
  { method: "get", path: "/api/v4/groups/{id}/projects" },
  // https://docs.gitlab.com/api/group_labels/
  { method: "get", path: "/api/v4/groups/{id}/labels" },
  { method: "post", path: "/api/v4/groups/{id}/labels" },
  { method: "get", path: "/api/v4/groups/{id}/labels/{name}" },
  { method: "put", path: "/api/v4/groups/{id}/labels/{name}" },
  { method: "delete", path: "/api/v4/groups/{id}/labels/{name}" },
  // https://docs.gitlab.com/api/labels/
  { method: "get", path: "/api/v4/projects/{id}/labels" },
  { method: "put", path: "/api/v4/projects/{id}/labels/{name}/promote" },
  // https://docs.gitlab.com/api/group_level_variables/
  { method: "post", path: "/api/v4/groups/{id}/variables" },
  { method: "get", path: "/api/v4/groups/{id}/variables/{key}" },
  { method: "put", path: "/api/v4/groups/{id}/variables/{key}" },
  { method: "delete", path: "/api/v4/groups/{id}/variables/{key}" },
  // https://docs.gitlab.com/api/users/#create-a-runner-linked-to-a-user and https://docs.gitlab.com/api/runners/
  { method: "post", path: "/api/v4/user/runners" },
  { method: "get", path: "/api/v4/runners/all" },
  { method: "get", path: "/api/v4/groups/{id}/runners" },
  { method: "get", path: "/api/v4/runners/{id}" },
  { method: "put", path: "/api/v4/runners/{id}" },
  { method: "delete", path: "/api/v4/runners/{id}" },
  // https://docs.gitlab.com/api/deploy_keys/
  { method: "get", path: "/api/v4/projects/{id}/deploy_keys" },
  { method: "post", path: "/api/v4/projects/{id}/deploy_keys" },
  { method: "get", path: "/api/v4/projects/{id}/deploy_keys/{key_id}" },
  { method: "put", path: "/api/v4/projects/{id}/deploy_keys/{key_id}" },
  { method: "delete", path: "/api/v4/projects/{id}/deploy_keys/{key_id}" },
  // https://docs.gitlab.com/api/deploy_tokens/
  { method: "get", path: "/api/v4/projects/{id}/deploy_tokens" },
  { method: "post", path: "/api/v4/projects/{id}/deploy_tokens" },
  { method: "delete", path: "/api/v4/projects/{id}/deploy_tokens/{token_id}" },
  { method: "get", path: "/api/v4/groups/{id}/deploy_tokens" },
  { method: "post", path: "/api/v4/groups/{id}/deploy_tokens" },
  { method: "delete", path: "/api/v4/groups/{id}/deploy_tokens/{token_id}" },
  // https://docs.gitlab.com/api/notes/#merge-requests (the document names the merge request IID `noteable_id`)
  { method: "get", path: "/api/v4/projects/{id}/merge_requests/{noteable_id}/notes" },
  { method: "post", path: "/api/v4/projects/{id}/merge_requests/{noteable_id}/notes" },
  { method: "put", path: "/api/v4/projects/{id}/merge_requests/{noteable_id}/notes/{note_id}" },
  // https://docs.gitlab.com/api/projects/
  { method: "get", path: "/api/v4/projects/{id}" },
  { method: "post", path: "/api/v4/projects" },
  // https://docs.gitlab.com/api/protected_branches/
  { method: "get", path: "/api/v4/projects/{id}/protected_branches" },
  { method: "post", path: "/api/v4/projects/{id}/protected_branches" },
  { method: "get", path: "/api/v4/projects/{id}/protected_branches/{name}" },
  { method: "patch", path: "/api/v4/projects/{id}/protected_branches/{name}" },
  { method: "delete", path: "/api/v4/projects/{id}/protected_branches/{name}" },
  // https://docs.gitlab.com/api/project_push_rules/
  { method: "get", path: "/api/v4/projects/{id}/push_rule" },
  { method: "post", path: "/api/v4/projects/{id}/push_rule" },
  { method: "put", path: "/api/v4/projects/{id}/push_rule" },
  // https://docs.gitlab.com/api/merge_request_approvals/#approval-rules-for-projects
  { method: "get", path: "/api/v4/projects/{id}/approval_rules" },
  { method: "post", path: "/api/v4/projects/{id}/approval_rules" },
  { method: "put", path: "/api/v4/projects/{id}/approval_rules/{approval_rule_id}" },
  { method: "delete", path: "/api/v4/projects/{id}/approval_rules/{approval_rule_id}" },
  // https://docs.gitlab.com/api/repository_files/ and https://docs.gitlab.com/api/commits/#create-a-commit
  { method: "get", path: "/api/v4/projects/{id}/repository/files/{file_path}" },
  { method: "post", path: "/api/v4/projects/{id}/repository/files/{file_path}" },
  { method: "put", path: "/api/v4/projects/{id}/repository/files/{file_path}" },
  { method: "post", path: "/api/v4/projects/{id}/repository/commits" },
];

/** An endpoint the document does not describe, accepted without checks. */
export interface UndocumentedEndpoint extends Endpoint {
  /** Why the document leaves it out, with the page that documents it. */
  readonly reason: string;
}

/**
 * Endpoints called without a copy of their operation in the subset, accepted unchecked. An entry needs the reason
 * and the docs.gitlab.com page that describes the endpoint; `openapi/README.md` lists them too.
 */
export const UNDOCUMENTED_ENDPOINTS: readonly UndocumentedEndpoint[] = [
  {
    method: "post",
    path: "/api/v4/runners/{id}/reset_authentication_token",
    reason:
      "Not copied: the runner API defines it (https://docs.gitlab.com/api/runners/#reset-runners-authentication-" +
      "token-by-using-the-runner-id, answer `token` and `token_expires_at`), but its operation was not located in " +
      "the 3.9-million-character upstream document, which can only be read in 16,000-character windows and is " +
      "ordered by Grape's mount order rather than by path. Copy it (add it to SUBSET_ENDPOINTS) at the next refresh.",
  },
];

/** A detail of one operation that the document gets wrong or leaves out, accepted as GitLab's docs describe it. */
export type DocumentGap = Endpoint & { readonly reason: string } & (
    | { readonly kind: "query"; readonly name: string }
    | { readonly kind: "body-field"; readonly name: string }
    | { readonly kind: "optional-field"; readonly name: string }
    | { readonly kind: "unchecked-body" }
    | { readonly kind: "status"; readonly status: number }
  );

/**
 * What the document gets wrong or leaves out for operations in the subset: query parameters and body fields that
 * GitLab reads but the document omits, body fields it marks required that are required only in some cases, bodies
 * it describes as something else, and statuses GitLab answers that it does not list.
 */
export const DOCUMENT_GAPS: readonly DocumentGap[] = [
  ...(["get", "put", "delete"] as const).flatMap((method): DocumentGap[] => [
    {
      method,
      path: "/api/v4/groups/{id}/variables/{key}",
      kind: method === "get" ? "query" : "body-field",
      name: method === "get" ? "filter[environment_scope]" : "filter",
      reason:
        "The operation's description says to use `filter` to pick the environment scope of a key defined in " +
        "several, but its parameters leave `filter` out (the project variables update body lists it); GitLab reads " +
        "it: https://docs.gitlab.com/api/group_level_variables/#the-filter-parameter",
    },
  ]),
  ...(["group_id", "project_id"] as const).map((name): DocumentGap => ({
    method: "post",
    path: "/api/v4/user/runners",
    kind: "optional-field",
    name,
    reason:
      "Required only with the matching `runner_type` (`group_type`, `project_type`); the generator flattens " +
      "Grape's conditional `given` into a plain `required`: https://docs.gitlab.com/api/users/#create-a-runner-linked-to-a-user",
  })),
  ...(["post", "put"] as const).map((method): DocumentGap => ({
    method,
    path: "/api/v4/projects/{id}/repository/files/{file_path}",
    kind: "unchecked-body",
    reason:
      "The document describes the body as one binary `file`; the endpoint takes `branch`, `content`, " +
      "`commit_message` and more: https://docs.gitlab.com/api/repository_files/#create-new-file-in-repository",
  })),
  {
    method: "post",
    path: "/api/v4/projects/{id}/repository/commits",
    kind: "unchecked-body",
    reason:
      "The document describes the body as one binary `file`; the endpoint takes `branch`, `commit_message`, " +
      "`actions` and more: https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions",
  },
  {
    method: "post",
    path: "/api/v4/projects/{id}/repository/commits",
    kind: "status",
    status: 201,
    reason:
      "The document lists 200 (the endpoint's `success` declaration); Grape answers a POST with 201 Created unless " +
      "the endpoint sets another status, which this one does not: https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions",
  },
  {
    method: "post",
    path: "/api/v4/groups/{id}/labels",
    kind: "status",
    status: 409,
    reason: "GitLab answers 409 `Label already exists` when the group has a label of that name; not listed",
  },
  {
    method: "put",
    path: "/api/v4/groups/{id}/labels/{name}",
    kind: "status",
    status: 409,
    reason:
      "The double answers a rename onto an existing name with 409, which group-label.ts turns into its own " +
      "message; the document lists 400 for a failed update, so which one GitLab sends is left to a live check",
  },
  {
    method: "post",
    path: "/api/v4/groups/{id}/variables",
    kind: "status",
    status: 409,
    reason:
      "Some GitLab versions answer a duplicate key and scope with 409 instead of 400; group-variable.ts handles both",
  },
  {
    method: "put",
    path: "/api/v4/projects/{id}/labels/{name}/promote",
    kind: "status",
    status: 409,
    reason: "GitLab answers 409 when the promote service fails (`Failed to promote project label to group label`)",
  },
  ...["/api/v4/groups/{id}/labels/{name}", "/api/v4/groups/{id}/variables/{key}", "/api/v4/runners/{id}"].map(
    (path): DocumentGap => ({
      method: "delete",
      path,
      kind: "status",
      status: 204,
      reason:
        "The document lists 200 with the deleted object (the endpoint's `success` entity); GitLab deletes with " +
        "`destroy_conditionally!` and answers 204 No Content: https://docs.gitlab.com/api/rest/troubleshooting/#status-codes",
    }),
  ),
];

/**
 * Statuses any endpoint may answer, from layers before or around the endpoint that the document does not repeat
 * for each operation: https://docs.gitlab.com/api/rest/troubleshooting/#status-codes.
 */
export const OUTSIDE_ENDPOINT_STATUSES: ReadonlyMap<number, string> = new Map([
  [401, "the API guard rejects a missing, invalid or expired token before the endpoint runs"],
  [403, "the API guard rejects a token without the scope the endpoint needs before the endpoint runs"],
  [429, "rate limits (Rack::Attack and application limits) answer before the endpoint runs"],
  [500, "an unhandled error in any endpoint"],
  [502, "the reverse proxy (Workhorse, NGINX) when Puma does not answer"],
  [503, "the reverse proxy or GitLab while it is unavailable or in maintenance"],
  [504, "the reverse proxy when Puma answers too late"],
]);

/** One HTTP exchange with GitLab, as a client sent it and GitLab (or the double) answered it. */
export interface Exchange {
  /** HTTP method, any case. */
  readonly method: string;
  /** The request path as sent, still URL-encoded (a group path is one segment, `mson%2Fsub`). */
  readonly path: string;
  /** Query parameters; a name given several times has several values. */
  readonly query: URLSearchParams | Readonly<Record<string, string | readonly string[]>>;
  /** The parsed JSON request body; undefined when there was none. */
  readonly body?: unknown;
  /** The response status. */
  readonly status: number;
  /** The parsed JSON response body; undefined when there was none (204) or it was not JSON. */
  readonly responseBody?: unknown;
}

/** Checks exchanges against the subset; see {@link createOpenApiValidator}. */
export interface OpenApiValidator {
  /** Every way the exchange departs from the document, as `METHOD /template: where: what`; empty when none. */
  validate(exchange: Exchange): string[];
}

/** An OpenAPI document, as far as the validator reads it. */
export interface OpenApiDocument {
  readonly openapi: string;
  /** `version` is GitLab's version the document describes, e.g. `'19.5'`. */
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  readonly components?: { readonly schemas?: Record<string, Schema> };
}

/** An OpenAPI operation object, as far as the validator reads it. */
export interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Record<string, { schema?: Schema }> };
  readonly responses: Record<string, { readonly content?: Record<string, { schema?: Schema }> }>;
}

/** An OpenAPI parameter object, as far as the validator reads it. */
export interface Parameter {
  readonly name: string;
  readonly in: "path" | "query" | "header" | "cookie";
  readonly required?: boolean;
  readonly schema?: Schema;
}

/** A JSON value that is an OpenAPI 3.0 schema object. */
export type Schema = { readonly [key: string]: unknown };

const SCHEMA_REF = "#/components/schemas/";

let subset: OpenApiDocument | undefined;

/** The subset as stored ({@link SUBSET_FILE}); read once per process. */
export function loadSubset(): OpenApiDocument {
  subset ??= JSON.parse(readFileSync(SUBSET_FILE, "utf8")) as OpenApiDocument;
  return subset;
}

type Mode = "request" | "response";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * An OpenAPI 3.0 schema as JSON Schema for Ajv, in request or response reading (see the module comment). `$ref`s
 * point into the document registered under `mode` as its `$id`.
 */
export function toJsonSchema(schema: Schema, mode: Mode): Schema {
  const ref = typeof schema.$ref === "string" ? schema.$ref : undefined;
  if (ref !== undefined) {
    const target = { $ref: ref.startsWith(SCHEMA_REF) ? `${mode}${ref}` : ref };
    // One object, a list of them, or null: the generator records neither cardinality nor nullability of entities.
    return mode === "request"
      ? target
      : { if: { type: "array" }, then: { items: target }, else: { if: { type: "null" }, else: target } };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // `example` and `description` are annotations (and `example` is no JSON Schema keyword); `nullable` is below.
    if (key === "example" || key === "description" || key === "nullable") continue;
    if (key === "properties" && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, toPropertySchema(property as Schema, mode)]),
      );
    } else if ((key === "items" || key === "additionalProperties" || key === "not") && isObject(value)) {
      out[key] = toJsonSchema(value, mode);
    } else if ((key === "oneOf" || key === "anyOf" || key === "allOf") && Array.isArray(value)) {
      out[key] = value.map((branch) => toJsonSchema(branch as Schema, mode));
    } else {
      out[key] = value;
    }
  }
  if (schema.nullable === true) allowNull(out);
  return out;
}

function toPropertySchema(property: Schema, mode: Mode): Schema {
  if (mode === "response") {
    // A bare `type: string` is what the generator writes for an exposure without documentation: it says nothing.
    const keys = Object.keys(property);
    if (keys.length === 1 && property.type === "string") return {};
    const translated = toJsonSchema(property, mode);
    if (property.$ref === undefined) allowNull(translated);
    return translated;
  }
  return toJsonSchema(property, mode);
}

function allowNull(schema: Record<string, unknown>): void {
  if (typeof schema.type === "string") schema.type = [schema.type, "null"];
  else if (Array.isArray(schema.type) && !schema.type.includes("null")) schema.type = [...schema.type, "null"];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  for (const key of ["oneOf", "anyOf"] as const) {
    if (Array.isArray(schema[key])) schema[key] = [...(schema[key] as unknown[]), { type: "null" }];
  }
}

/** The operation a request is for: the templated path it matched, the decoded path parameters. */
interface Match {
  readonly template: string;
  readonly operation: Operation;
  readonly pathParams: Record<string, string>;
}

/**
 * Finds the operation for a method and encoded path. A `{param}` matches one segment (GitLab's `id` is a numeric ID
 * or a URL-encoded full path, `mson%2Fsub`, still one segment); literal segments win over parameters, so
 * `/runners/all` is not runner `all`.
 */
function matchOperation(doc: OpenApiDocument, method: HttpMethod, rawPath: string): Match | undefined {
  const segments = rawPath.split("/");
  let best: (Match & { literals: number }) | undefined;
  for (const [template, item] of Object.entries(doc.paths)) {
    const operation = item[method];
    if (operation === undefined) continue;
    const parts = template.split("/");
    if (parts.length !== segments.length) continue;
    const pathParams: Record<string, string> = {};
    let literals = 0;
    let matched = true;
    for (let i = 0; i < parts.length && matched; i++) {
      const param = /^\{(.+)\}$/.exec(parts[i])?.[1];
      if (param === undefined) {
        matched = parts[i] === segments[i];
        literals++;
      } else if (segments[i] === "") {
        matched = false;
      } else {
        pathParams[param] = safeDecode(segments[i]);
      }
    }
    if (matched && (best === undefined || literals > best.literals))
      best = { template, operation, pathParams, literals };
  }
  return best;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Values of the query by name; `name[]` (how clients send arrays) is folded into `name`. */
function queryValues(query: Exchange["query"]): Map<string, string[]> {
  const entries: [string, string][] =
    query instanceof URLSearchParams
      ? [...query.entries()]
      : Object.entries(query).flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, String(v)]),
        );
  const values = new Map<string, string[]>();
  for (const [rawName, value] of entries) {
    const name = rawName.endsWith("[]") ? rawName.slice(0, -2) : rawName;
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return values;
}

/**
 * A wire value (always text) read as its schema's type, so the schema can check it: integers and booleans are
 * parsed, arrays split on commas (`style: form`, `explode: false`) or taken from repeated names. Text that is not
 * of the type stays text, and the schema reports it.
 */
function fromWire(values: readonly string[], schema: Schema | undefined): unknown {
  const type = schema?.type;
  if (type === "array") {
    const items = values.length === 1 ? values[0].split(",") : values;
    return items.map((item) => fromWire([item], schema?.items as Schema | undefined));
  }
  const text = values[values.length - 1];
  if (type === "integer" || type === "number") return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (type === "boolean") return text === "true" ? true : text === "false" ? false : text;
  const branches = (schema?.oneOf ?? schema?.anyOf) as Schema[] | undefined;
  if (branches?.some((branch) => branch.type === "integer") && /^-?\d+$/.test(text)) return Number(text);
  return text;
}

/** Where an Ajv error points, as `prefix.field[0].sub`. */
function location(prefix: string, instancePath: string, extra?: string): string {
  const parts = instancePath.split("/").slice(1);
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((at, part) => (/^\d+$/.test(part) ? `${at}[${part}]` : `${at}.${part}`), prefix);
}

/** Ajv's errors as `where: what`, without the summaries of `if` and `oneOf` that repeat the specific errors. */
function describe(prefix: string, errors: readonly ErrorObject[]): string[] {
  const specific = errors.filter((e) => !["if", "oneOf", "anyOf"].includes(e.keyword));
  const shown = specific.length > 0 ? specific : errors;
  const messages = shown.map((error) => {
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case "required":
        return `${location(prefix, error.instancePath, String(params.missingProperty))}: is required`;
      case "additionalProperties":
        return `${location(prefix, error.instancePath, String(params.additionalProperty))}: is not a documented field`;
      case "enum":
        return `${location(prefix, error.instancePath)}: must be one of ${(params.allowedValues as unknown[])
          .map((v) => JSON.stringify(v))
          .join(", ")}`;
      case "type":
        return `${location(prefix, error.instancePath)}: must be ${String(params.type).split(",").join(" or ")}`;
      default:
        return `${location(prefix, error.instancePath)}: ${error.message ?? error.keyword}`;
    }
  });
  return [...new Set(messages)];
}

function isHttpMethod(method: string): method is HttpMethod {
  return ["get", "post", "put", "patch", "delete"].includes(method);
}

const sameEndpoint = (a: Endpoint, method: HttpMethod, template: string) => a.method === method && a.path === template;

/** The schema of the first JSON-like content of a request body or response (GitLab documents one per operation). */
function contentSchema(content: Record<string, { schema?: Schema }> | undefined): Schema | undefined {
  if (content === undefined) return undefined;
  return (content["application/json"] ?? Object.values(content)[0])?.schema;
}

/** Options of {@link createOpenApiValidator}; the defaults check against the stored subset. */
export interface OpenApiValidatorOptions {
  /** The document. @default the stored subset ({@link loadSubset}) */
  readonly document?: OpenApiDocument;
  /** @default {@link DOCUMENT_GAPS} */
  readonly gaps?: readonly DocumentGap[];
  /** @default {@link UNDOCUMENTED_ENDPOINTS} */
  readonly undocumented?: readonly UndocumentedEndpoint[];
  /**
   * Whether an answer may carry only the fields its entity lists. Real GitLab may send more (entities grow between
   * the document's version and the server's, and some fields are exposed only under conditions); a double must not
   * invent fields, or code could come to rely on a field GitLab does not send. @default false
   */
  readonly closedResponses?: boolean;
}

/** A validator for exchanges with GitLab, with the lists of what the document leaves out; schemas compile once. */
export function createOpenApiValidator(options: OpenApiValidatorOptions = {}): OpenApiValidator {
  const doc = options.document ?? loadSubset();
  const gaps = options.gaps ?? DOCUMENT_GAPS;
  const undocumented = options.undocumented ?? UNDOCUMENTED_ENDPOINTS;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  // ajv-formats knows OpenAPI's own formats too (int32, int64, float, double, byte, binary, password).
  addFormats(ajv);
  for (const mode of ["request", "response"] as const) {
    const schemas = Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => {
      if (mode === "request" && name.startsWith("RequestBody_")) return [name, requestBodySchema(schema)];
      const translated = toJsonSchema(schema, mode) as Record<string, unknown>;
      if (mode === "response" && options.closedResponses === true && isObject(translated.properties)) {
        translated.additionalProperties ??= false;
      }
      return [name, translated];
    });
    ajv.addSchema({ $id: mode, components: { schemas: Object.fromEntries(schemas) } });
  }
  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: () => Schema): ValidateFunction => {
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = ajv.compile(schema());
      compiled.set(key, validate);
    }
    return validate;
  };
  const check = (key: string, prefix: string, schema: () => Schema, value: unknown): string[] => {
    const validate = compile(key, schema);
    return validate(value) ? [] : describe(prefix, validate.errors ?? []);
  };
  const gapsOf = (method: HttpMethod, template: string) => gaps.filter((gap) => sameEndpoint(gap, method, template));

  return {
    validate(exchange) {
      const method = exchange.method.toLowerCase();
      const rawPath = exchange.path.split("?")[0];
      if (!isHttpMethod(method)) return [`${exchange.method} ${rawPath}: not a method of GitLab's REST API`];
      const match = matchOperation(doc, method, rawPath);
      if (match === undefined) {
        const allowed = undocumented.some((entry) => entry.method === method && templateMatches(entry.path, rawPath));
        return allowed ? [] : [`${method.toUpperCase()} ${rawPath}: no operation of the OpenAPI subset matches`];
      }
      const { template, operation, pathParams } = match;
      const at = `${method.toUpperCase()} ${template}`;
      const opGaps = gapsOf(method, template);
      const problems: string[] = [];
      const parameters = operation.parameters ?? [];

      for (const param of parameters.filter((p) => p.in === "path")) {
        const key = `${at} path ${param.name}`;
        const value = fromWire([pathParams[param.name] ?? ""], param.schema);
        problems.push(...check(key, `path.${param.name}`, () => toJsonSchema(param.schema ?? {}, "request"), value));
      }

      const query = queryValues(exchange.query);
      const queryParams = new Map(parameters.filter((p) => p.in === "query").map((p) => [p.name, p]));
      for (const [name, values] of query) {
        const param = queryParams.get(name) ?? queryParams.get(name.replace(/\[.*$/, ""));
        if (param === undefined) {
          if (!opGaps.some((gap) => gap.kind === "query" && gap.name === name)) {
            problems.push(`${at}: query.${name}: is not a documented parameter`);
          }
          continue;
        }
        // `name[key]=value` sends one member of an object parameter such as `custom_attributes[key]`.
        const member = /\[([^\]]*)\]$/.exec(name)?.[1] ?? name;
        const value = param.name === name ? fromWire(values, param.schema) : { [member]: values[values.length - 1] };
        const key = `${at} query ${param.name}`;
        problems.push(
          ...check(key, `query.${name}`, () => toJsonSchema(param.schema ?? {}, "request"), value).map(
            (problem) => `${at}: ${problem}`,
          ),
        );
      }
      for (const param of queryParams.values()) {
        if (param.required && !query.has(param.name)) problems.push(`${at}: query.${param.name}: is required`);
      }

      problems.push(...checkBody(doc, at, operation, exchange.body, opGaps, check));
      problems.push(...checkResponse(at, operation, exchange, opGaps, check));
      return problems.map((problem) => (problem.startsWith(`${at}: `) ? problem : `${at}: ${problem}`));
    },
  };
}

type Check = (key: string, prefix: string, schema: () => Schema, value: unknown) => string[];

function checkBody(
  doc: OpenApiDocument,
  at: string,
  operation: Operation,
  body: unknown,
  gaps: readonly DocumentGap[],
  check: Check,
): string[] {
  if (gaps.some((gap) => gap.kind === "unchecked-body")) return [];
  // An empty JSON object carries no parameter: clients send `{}` for calls without options.
  const empty = body === undefined || (isObject(body) && Object.keys(body).length === 0);
  const fieldGaps = gaps.flatMap((gap) => (gap.kind === "body-field" ? [gap.name] : []));
  const optional = gaps.flatMap((gap) => (gap.kind === "optional-field" ? [gap.name] : []));
  const requestBody = operation.requestBody;
  if (requestBody === undefined) {
    if (empty) return [];
    const undocumented = isObject(body) ? Object.keys(body).filter((name) => !fieldGaps.includes(name)) : ["body"];
    return undocumented.map((name) =>
      name === "body" ? "body: the operation documents no request body" : `body.${name}: is not a documented field`,
    );
  }
  if (empty) return requestBody.required === true ? ["body: is required"] : [];
  const schema = contentSchema(requestBody.content);
  if (schema === undefined) return [];
  const checked = isObject(body)
    ? Object.fromEntries(Object.entries(body).filter(([k]) => !fieldGaps.includes(k)))
    : body;
  return check(`${at} body`, "body", () => bodySchema(doc, schema, optional), checked);
}

/**
 * The JSON Schema of a request body. With `optional` names, the referenced body schema is inlined without those
 * names in its `required`: the document marks them required where GitLab requires them only in some cases.
 */
function bodySchema(doc: OpenApiDocument, schema: Schema, optional: readonly string[]): Schema {
  const ref = typeof schema.$ref === "string" && schema.$ref.startsWith(SCHEMA_REF) ? schema.$ref : undefined;
  const target = ref === undefined ? undefined : doc.components?.schemas?.[ref.slice(SCHEMA_REF.length)];
  if (optional.length === 0 || target === undefined) return toJsonSchema(schema, "request");
  const inlined = requestBodySchema(target);
  if (Array.isArray(inlined.required)) {
    inlined.required = (inlined.required as unknown[]).filter((name) => !optional.includes(String(name)));
  }
  return inlined;
}

/** A `RequestBody_*` schema for Ajv: translated, and closed to fields it does not list (see the module comment). */
function requestBodySchema(schema: Schema): Record<string, unknown> {
  const translated = toJsonSchema(schema, "request") as Record<string, unknown>;
  if (translated.type === "object") translated.additionalProperties ??= false;
  return translated;
}

function checkResponse(
  at: string,
  operation: Operation,
  exchange: Exchange,
  gaps: readonly DocumentGap[],
  check: Check,
): string[] {
  const status = exchange.status;
  const documented = operation.responses[String(status)] ?? operation.responses.default;
  if (documented === undefined) {
    const allowed =
      OUTSIDE_ENDPOINT_STATUSES.has(status) || gaps.some((g) => g.kind === "status" && g.status === status);
    const listed = Object.keys(operation.responses).join(", ");
    return allowed ? [] : [`response.status: ${status} is not documented (documented: ${listed})`];
  }
  const schema = contentSchema(documented.content);
  if (schema === undefined || exchange.responseBody === undefined || status < 200 || status > 299) return [];
  return check(
    `${at} response ${status}`,
    "response.body",
    () => toJsonSchema(schema, "response"),
    exchange.responseBody,
  );
}

function templateMatches(template: string, rawPath: string): boolean {
  const parts = template.split("/");
  const segments = rawPath.split("/");
  return parts.length === segments.length && parts.every((part, i) => /^\{.+\}$/.test(part) || part === segments[i]);
}
