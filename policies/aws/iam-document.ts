/**
 * IAM policy documents as the AWS policies read them: a JSON string or an object, normalized so that every
 * statement has lists of actions and resources and every condition key a list of values
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
 */
import { asList } from "../policy";

/** One statement, normalized. */
export interface IamStatement {
  /** The statement's Sid, or its position (`#1`) when it has none. */
  readonly label: string;
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** `"*"` or the principal map (`AWS`, `Federated`, `Service`) with list values. */
  readonly principal: "*" | Readonly<Record<string, readonly string[]>> | undefined;
  /** Operator → condition key → values. */
  readonly conditions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

function strings(value: unknown): string[] {
  return asList(value as unknown[]).map((v) => String(v));
}

/**
 * The statements of a policy document; `undefined` when the document is absent or not valid JSON. Reading it
 * through the analyzer's proxy throws on an unknown document, which the caller's guard turns into a skip.
 */
export function statementsOf(document: unknown): IamStatement[] | undefined {
  let parsed: unknown;
  try {
    parsed = typeof document === "string" ? JSON.parse(document) : JSON.parse(JSON.stringify(document ?? null));
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const raw = asList((parsed as { Statement?: unknown }).Statement as Record<string, unknown>[]);
  return raw.map((statement, i) => {
    const principal = statement.Principal;
    const conditions: Record<string, Record<string, string[]>> = {};
    for (const [operator, keys] of Object.entries((statement.Condition ?? {}) as Record<string, unknown>)) {
      conditions[operator] = Object.fromEntries(
        Object.entries((keys ?? {}) as Record<string, unknown>).map(([key, values]) => [key, strings(values)]),
      );
    }
    return {
      label: typeof statement.Sid === "string" && statement.Sid !== "" ? statement.Sid : `#${i + 1}`,
      effect: String(statement.Effect ?? ""),
      actions: strings(statement.Action),
      resources: strings(statement.Resource),
      principal:
        principal === "*"
          ? "*"
          : principal && typeof principal === "object"
            ? Object.fromEntries(Object.entries(principal).map(([kind, values]) => [kind, strings(values)]))
            : undefined,
      conditions,
    };
  });
}

/** The values of every condition key ending in `:<suffix>` under `operator` (IAM matches key names case-insensitively). */
export function conditionValues(statement: IamStatement, operator: string, suffix: string): string[] {
  const keys = statement.conditions[operator] ?? {};
  return Object.entries(keys)
    .filter(([key]) => key.toLowerCase().endsWith(`:${suffix}`))
    .flatMap(([, values]) => values);
}

// Issuers of other identity providers: their `sub` is not a GitLab subject, so the GitLab trust rules leave them be.
const OTHER_ISSUERS = [
  "oidc.eks.",
  "token.actions.githubusercontent.com",
  "cognito-identity.amazonaws.com",
  "accounts.google.com",
  "graph.facebook.com",
  "www.amazon.com",
];

/** The issuer host of a federated principal ARN (`arn:aws:iam::123456789012:oidc-provider/gitlab.example.com`). */
export function issuerOf(federated: string): string | undefined {
  const at = federated.indexOf("oidc-provider/");
  return at < 0 ? undefined : federated.slice(at + "oidc-provider/".length);
}

/** A statement through which GitLab CI jobs assume the role with their OIDC id token, and the issuer it names. */
export interface GitlabTrust {
  readonly statement: IamStatement;
  /** The issuer host, or `<issuer>` when the provider ARN does not show it. */
  readonly issuer: string;
}

/**
 * The statements of a trust policy that let web identities assume the role, except those of known non-GitLab
 * issuers (EKS, GitHub, Cognito, public social providers).
 */
export function gitlabTrusts(document: unknown): GitlabTrust[] {
  return (statementsOf(document) ?? []).flatMap((statement) => {
    if (statement.effect !== "Allow" || !statement.actions.includes("sts:AssumeRoleWithWebIdentity")) return [];
    const federated = statement.principal === "*" ? [] : (statement.principal?.Federated ?? []);
    if (federated.some((arn) => OTHER_ISSUERS.some((issuer) => arn.includes(issuer)))) return [];
    return [{ statement, issuer: federated.map(issuerOf).find((host) => host !== undefined) ?? "<issuer>" }];
  });
}

/** True when an IAM string pattern has a wildcard (`*` or `?`). */
export function hasWildcard(value: string): boolean {
  return /[*?]/.test(value);
}
