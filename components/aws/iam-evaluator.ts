/**
 * A small IAM policy evaluator for tests and policies: it answers "does this set of identity policies (and this
 * permissions boundary) allow this request?" the way IAM does within one account, for the parts of the policy
 * language Foundation's documents use. It is not IAM: it knows no resource policies, SCPs or session policies.
 *
 * Rules it follows (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny anywhere wins; otherwise a request is allowed when an identity policy allows it and, when there is
 * a permissions boundary, the boundary allows it too. A request that names several resources (Identity Center's
 * assignments name an instance, a permission set and an account) must be allowed on each of them. Actions match
 * case-insensitively, resources case-sensitively, both with `*` and `?` wildcards. Conditions: the String, Arn, Bool,
 * Null and Numeric operators, their `IfExists` forms, and `ForAnyValue:`/`ForAllValues:`; a key missing from the
 * request makes a positive operator false and a negated one (`StringNotEquals`, `ArnNotLike`, ...) true
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */

/** Values of the request context by condition key (keys are matched case-insensitively, as IAM does). */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

/** One resource of a request, with context keys that belong to it alone (`aws:ResourceTag/...`). */
export interface RequestResource {
  readonly arn: string;
  readonly context?: RequestContext;
}

/** What a principal asks to do. */
export interface AccessRequest {
  /** `service:Action`. */
  readonly action: string;
  /** The resource ARN, or every resource the action names. */
  readonly resource: string | readonly RequestResource[];
  /** Request-wide context keys (`iam:PermissionsBoundary`, `aws:RequestTag/...`, `kms:GranteePrincipal`). */
  readonly context?: RequestContext;
}

/** What a set of policies says about a request. */
export type Decision = "allow" | "explicit-deny" | "implicit-deny";

/** A policy document as JSON text or as an object. */
export type PolicyInput = string | { readonly Statement: unknown };

interface NormalStatement {
  readonly effect: "Allow" | "Deny";
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources?: readonly string[];
  readonly notResources?: readonly string[];
  readonly conditions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map((v) => String(v));

function statements(policy: PolicyInput): NormalStatement[] {
  const document = (typeof policy === "string" ? JSON.parse(policy) : policy) as { Statement: unknown };
  const raw = (Array.isArray(document.Statement) ? document.Statement : [document.Statement]) as Record<
    string,
    unknown
  >[];
  return raw.map((s) => {
    if (s.Effect !== "Allow" && s.Effect !== "Deny") throw new Error(`statement ${String(s.Sid)} has no Effect`);
    const conditions: Record<string, Record<string, string[]>> = {};
    for (const [operator, keys] of Object.entries((s.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
      conditions[operator] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v) ?? []]));
    }
    return {
      effect: s.Effect,
      actions: list(s.Action),
      notActions: list(s.NotAction),
      resources: list(s.Resource),
      notResources: list(s.NotResource),
      conditions,
    };
  });
}

function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

function lookup(context: RequestContext, key: string): readonly string[] | undefined {
  const lower = key.toLowerCase();
  const found = Object.entries(context).find(([k]) => k.toLowerCase() === lower);
  if (!found) return undefined;
  return typeof found[1] === "string" ? [found[1]] : found[1];
}

/** One comparison of a context value with a policy value, for the operator without prefix, suffix and `Not`. */
function compare(base: string, actual: string, expected: string): boolean {
  switch (base) {
    case "StringEquals":
      return actual === expected;
    case "StringEqualsIgnoreCase":
      return actual.toLowerCase() === expected.toLowerCase();
    case "StringLike":
      return glob(expected, actual, false);
    case "ArnEquals":
    case "ArnLike":
      return glob(expected, actual, false);
    case "Bool":
      return actual.toLowerCase() === expected.toLowerCase();
    case "NumericEquals":
      return Number(actual) === Number(expected);
    case "NumericLessThan":
      return Number(actual) < Number(expected);
    case "NumericLessThanEquals":
      return Number(actual) <= Number(expected);
    case "NumericGreaterThan":
      return Number(actual) > Number(expected);
    case "NumericGreaterThanEquals":
      return Number(actual) >= Number(expected);
    default:
      throw new Error(`the evaluator does not know the condition operator ${base}`);
  }
}

function conditionHolds(operator: string, key: string, expected: readonly string[], context: RequestContext): boolean {
  const actual = lookup(context, key);
  if (operator === "Null") {
    const wantsMissing = expected.some((v) => v.toLowerCase() === "true");
    return wantsMissing ? actual === undefined : actual !== undefined;
  }
  const [, set, name, ifExists] = /^(ForAnyValue:|ForAllValues:)?(.+?)(IfExists)?$/.exec(operator) ?? [];
  const negated = /^(String|Numeric|Arn)Not/.test(name);
  const base = negated ? name.replace("Not", "") : name;
  if (actual === undefined) {
    if (ifExists) return true;
    if (set === "ForAllValues:") return true;
    return negated;
  }
  const matches = (value: string) => expected.some((e) => compare(base, value, e));
  if (set === "ForAllValues:") return actual.every((value) => (negated ? !matches(value) : matches(value)));
  if (negated) return set === "ForAnyValue:" ? actual.some((v) => !matches(v)) : !actual.some(matches);
  return actual.some(matches);
}

function applies(statement: NormalStatement, action: string, resource: string, context: RequestContext): boolean {
  const actionMatch = statement.actions
    ? statement.actions.some((a) => glob(a, action, true))
    : !(statement.notActions ?? []).some((a) => glob(a, action, true));
  if (!actionMatch) return false;
  const resourceMatch = statement.resources
    ? statement.resources.some((r) => glob(r, resource, false))
    : statement.notResources
      ? !statement.notResources.some((r) => glob(r, resource, false))
      : true;
  if (!resourceMatch) return false;
  return Object.entries(statement.conditions).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, values, context)),
  );
}

function resourcesOf(request: AccessRequest): RequestResource[] {
  return typeof request.resource === "string" ? [{ arn: request.resource }] : [...request.resource];
}

/** What `policies` (identity policies of one principal, or one boundary) say about `request`. */
export function evaluate(policies: readonly PolicyInput[], request: AccessRequest): Decision {
  const all = policies.flatMap(statements);
  const perResource = resourcesOf(request).map((resource) => {
    const context = { ...(request.context ?? {}), ...(resource.context ?? {}) };
    const matching = all.filter((s) => applies(s, request.action, resource.arn, context));
    if (matching.some((s) => s.effect === "Deny")) return "explicit-deny" as const;
    return matching.some((s) => s.effect === "Allow") ? ("allow" as const) : ("implicit-deny" as const);
  });
  if (perResource.includes("explicit-deny")) return "explicit-deny";
  return perResource.length > 0 && perResource.every((d) => d === "allow") ? "allow" : "implicit-deny";
}

/** A principal's policies: identity policies, and the permissions boundary when it has one. */
export interface Principal {
  readonly identity: readonly PolicyInput[];
  readonly boundary?: PolicyInput;
}

/** The decision for a principal with an optional permissions boundary: both must allow, and neither may deny. */
export function decide(principal: Principal, request: AccessRequest): Decision {
  const identity = evaluate(principal.identity, request);
  if (principal.boundary === undefined || identity === "explicit-deny") return identity;
  const boundary = evaluate([principal.boundary], request);
  if (boundary === "explicit-deny") return "explicit-deny";
  return identity === "allow" && boundary === "allow" ? "allow" : "implicit-deny";
}

/** True when {@link decide} allows the request. */
export function isAllowed(principal: Principal, request: AccessRequest): boolean {
  return decide(principal, request) === "allow";
}
