/**
 * IAM roles and users of a stack as the stack policies see them: each with its ARN, its account, its boundary and
 * the policy documents that apply to it (inline, `aws.iam.RolePolicy`, and managed policies the stack attaches).
 * A role and the resources that reference it by name are matched within one provider, since one stack may make a
 * role of the same name in several accounts.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asList, asObject, isUnknownValueError, whenKnown } from "../policy";
import { gitlabTrusts, statementsOf } from "./iam-document";

/** The type token of IAM roles. */
export const ROLE_TYPE = "aws:iam/role:Role";
/** The type token of IAM users. */
export const USER_TYPE = "aws:iam/user:User";

/** A role or user of the stack. */
export interface Identity {
  readonly resource: PolicyResource;
  readonly kind: "role" | "user";
  /** The physical name, or the logical name when the name is unknown. */
  readonly name: string;
  /** The IAM path (`/` when unset). */
  readonly path: string;
  /** The account the identity lives in: its provider's one allowed account, else the one in its ARN. */
  readonly accountId: string | undefined;
  /** The identity's ARN, built from its account, path and name when the account is known. */
  readonly arn: string | undefined;
  /** The `permissionsBoundary` input; `undefined` when none, `null` when unknown at preview. */
  readonly boundary: string | undefined | null;
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The one account a provider is pinned to by `allowedAccountIds` (a list, or the JSON text of one, as the AWS
 * provider's config carries it), or `undefined`.
 */
export function pinnedAccount(resource: PolicyResource): string | undefined {
  return whenKnown(() => {
    const raw = resource.provider?.props.allowedAccountIds;
    let ids: unknown = raw;
    if (typeof raw === "string") {
      try {
        ids = JSON.parse(raw);
      } catch {
        return undefined;
      }
    }
    const list = asList(ids as unknown[]).map(String);
    return list.length === 1 && /^\d{12}$/.test(list[0]) ? list[0] : undefined;
  });
}

/** The provider a resource is registered with, for matching resources of one account. */
export function providerKey(resource: PolicyResource): string {
  return resource.provider?.urn ?? "";
}

/** Every role and user of the stack. */
export function identitiesOf(resources: readonly PolicyResource[]): Identity[] {
  return resources
    .filter((r) => r.type === ROLE_TYPE || r.type === USER_TYPE)
    .map((resource) => {
      const name = whenKnown(() => str(resource.props.name)) ?? resource.name;
      const path = whenKnown(() => str(resource.props.path)) ?? "/";
      const declared = whenKnown(() => str(resource.props.arn));
      const kind = resource.type === ROLE_TYPE ? ("role" as const) : ("user" as const);
      const accountId = pinnedAccount(resource) ?? /^arn:aws[\w-]*:iam::(\d{12}):/.exec(declared ?? "")?.[1];
      const boundary = read(resource, "permissionsBoundary");
      return {
        resource,
        kind,
        name,
        path,
        accountId,
        arn: accountId ? `arn:aws:iam::${accountId}:${kind}${path}${name}` : declared,
        boundary: boundary.known ? str(boundary.value) : null,
      };
    });
}

/** A property and whether it is known: the analyzer's proxy throws on a value unknown at preview. */
function read(resource: PolicyResource, key: string): { known: boolean; value: unknown } {
  try {
    return { known: true, value: resource.props[key] };
  } catch (err) {
    if (isUnknownValueError(err)) return { known: false, value: undefined };
    throw err;
  }
}

/** A managed policy of the stack attached to a role. */
export interface AttachedPolicy {
  readonly resource: PolicyResource;
  readonly arn: string;
  readonly document: unknown;
}

/** The identity policy documents of a role, and the stack's managed policies attached to it. */
export function policiesOfRole(
  role: Identity,
  resources: readonly PolicyResource[],
): { documents: unknown[]; attached: AttachedPolicy[] } {
  const sameAccount = (r: PolicyResource) => providerKey(r) === providerKey(role.resource);
  const names = [role.name, whenKnown(() => str(role.resource.props.id))].filter((n): n is string => n !== undefined);
  const documents: unknown[] = [
    ...(whenKnown(() => asList(role.resource.props.inlinePolicies as unknown[]).map((p) => asObject(p).policy)) ?? []),
  ];
  for (const inline of resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && sameAccount(r))) {
    const target = whenKnown(() => str(inline.props.role));
    if (target !== undefined && names.includes(target)) {
      const document = whenKnown(() => inline.props.policy);
      if (document !== undefined) documents.push(document);
    }
  }
  const attached: AttachedPolicy[] = [];
  const managed = resources.filter((r) => r.type === "aws:iam/policy:Policy" && sameAccount(r));
  for (const attachment of resources.filter(
    (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && sameAccount(r),
  )) {
    const target = whenKnown(() => str(attachment.props.role));
    const policyArn = whenKnown(() => str(attachment.props.policyArn));
    if (target === undefined || !names.includes(target) || policyArn === undefined) continue;
    const policy = managed.find((p) => whenKnown(() => p.props.arn) === policyArn);
    if (!policy) continue;
    const document = whenKnown(() => policy.props.policy);
    if (document === undefined) continue;
    documents.push(document);
    attached.push({ resource: policy, arn: policyArn, document });
  }
  return { documents, attached };
}

/** ARNs a trust statement admits as `AWS` principals, and whether it pins them with `aws:PrincipalArn`. */
function admittedRoles(trust: unknown): string[][] | undefined {
  const statements = statementsOf(trust);
  if (!statements) return undefined;
  return statements
    .filter((s) => s.effect === "Allow" && s.actions.some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*"))
    .map((s) => {
      const principals = s.principal === "*" ? ["*"] : (s.principal?.AWS ?? []);
      const pinned = ["ArnEquals", "ArnLike", "StringEquals", "StringLike"].flatMap((operator) =>
        Object.entries(s.conditions[operator] ?? {})
          .filter(([key]) => key.toLowerCase() === "aws:principalarn")
          .flatMap(([, values]) => values),
      );
      const roots = principals.filter((p) => p === "*" || /:root$/.test(p) || /^\d{12}$/.test(p));
      return [
        ...principals.filter((p) => !roots.includes(p)),
        ...(roots.length > 0 ? (pinned.length > 0 ? pinned : ["*"]) : []),
      ];
    });
}

/**
 * The stack's CI roles: the roles GitLab CI assumes with its OIDC token, and their halves in member accounts,
 * roles whose every trust statement admits only those roles. They are bounded by the explicit Denies of their own
 * policies, not by the boundary (docs/runbooks/landing-zone.md, "Escalation paths closed").
 */
export function ciRoles(identities: readonly Identity[]): Set<PolicyResource> {
  const roles = identities.filter((i) => i.kind === "role");
  const oidc = roles.filter((r) => (whenKnown(() => gitlabTrusts(r.resource.props.assumeRolePolicy)) ?? []).length > 0);
  const arns = new Set(
    oidc
      .flatMap((r) => [r.arn, whenKnown(() => str(r.resource.props.arn))])
      .filter((a): a is string => a !== undefined),
  );
  const ci = new Set(oidc.map((r) => r.resource));
  for (const role of roles) {
    if (ci.has(role.resource)) continue;
    const admitted = whenKnown(() => admittedRoles(role.resource.props.assumeRolePolicy));
    if (
      admitted &&
      admitted.length > 0 &&
      admitted.every((list) => list.length > 0 && list.every((a) => arns.has(a)))
    ) {
      ci.add(role.resource);
    }
  }
  return ci;
}
