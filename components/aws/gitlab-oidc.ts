import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Conditions, renderPolicy, Statement } from "./policy-document";
import { FOUNDATION_IAM_PATH } from "./iam-path";

/**
 * What a CI role is for. `preview` serves merge request pipelines on any branch of its projects (read-only);
 * `deploy` serves only the named protected refs.
 */
export type CiRoleKind = "preview" | "deploy";

/** One GitLab CI role: who may assume it (projects and refs) and what it may do. */
export interface CiRoleSpec {
  /** IAM role name. */
  readonly name: string;
  readonly kind: CiRoleKind;
  /** Full project paths (`group/project`, no wildcards) whose pipelines may assume the role. */
  readonly projects: readonly string[];
  /**
   * For `deploy`: the protected branches (`main`) or tags (`tags/v1.2.3`) allowed to deploy. Ignored for
   * `preview`, which admits every branch of its projects.
   */
  readonly refs?: readonly string[];
  /** Managed policies to attach. */
  readonly managedPolicyArns?: readonly pulumi.Input<string>[];
  /** Inline policy documents (JSON) by name. */
  readonly inlinePolicies?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Maximum session length in seconds (IAM allows 3600–43200).
   * @default 3600
   */
  readonly maxSessionDuration?: number;
}

const PROJECT_PATH = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)+$/;
const REF = /^(tags\/)?[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** The issuer host, as IAM prefixes condition keys with it: `gitlab.example.com:sub`. */
export function issuerHost(gitlabUrl: string): string {
  return new URL(gitlabUrl).host;
}

/** The `sub` claim values a role admits. GitLab: `project_path:{group}/{project}:ref_type:{type}:ref:{ref}`. */
export function subjects(role: CiRoleSpec): string[] {
  return role.projects.flatMap((project) => {
    if (role.kind === "preview") return [`project_path:${project}:ref_type:branch:ref:*`];
    return (role.refs ?? []).map((ref) =>
      ref.startsWith("tags/")
        ? `project_path:${project}:ref_type:tag:ref:${ref.slice("tags/".length)}`
        : `project_path:${project}:ref_type:branch:ref:${ref}`,
    );
  });
}

/**
 * Problems with a role spec, each naming the role and the fix. A project path is always explicit: a wildcard
 * there could cross a path segment (`mson*` admits `mson-evil/x`). A deploy role names its refs exactly.
 */
export function ciRoleProblems(role: CiRoleSpec): string[] {
  const problems: string[] = [];
  if (role.projects.length === 0) problems.push(`role '${role.name}': list at least one project path`);
  for (const project of role.projects) {
    if (!PROJECT_PATH.test(project)) {
      problems.push(
        `role '${role.name}': project '${project}' must be an explicit path such as mson/foundation (no wildcards)`,
      );
    }
  }
  if (role.kind === "deploy") {
    if (!role.refs || role.refs.length === 0) {
      problems.push(`role '${role.name}': a deploy role must name its protected refs, e.g. [main]`);
    }
    for (const ref of role.refs ?? []) {
      if (!REF.test(ref)) {
        problems.push(
          `role '${role.name}': ref '${ref}' must be an exact branch (main) or tag (tags/v1.0.0), without wildcards`,
        );
      }
    }
  }
  const duration = role.maxSessionDuration ?? 3600;
  if (!Number.isInteger(duration) || duration < 3600 || duration > 43200) {
    problems.push(`role '${role.name}': maxSessionDuration must be from 3600 to 43200 seconds`);
  }
  return problems;
}

/**
 * The trust policy of a CI role: web identity from the GitLab provider, `aud` pinned with StringEquals, `sub`
 * pinned to the role's projects. Deploy roles use StringEquals only; preview roles use StringLike for the branch
 * wildcard, which sits in the last segment only. Both conditions are in one statement, so both must hold.
 * Wildcards need StringLike (https://docs.gitlab.com/ci/cloud_services/aws/ and
 * https://docs.gitlab.com/ci/cloud_services/).
 */
export function trustPolicy(role: CiRoleSpec, providerArn: string, gitlabUrl: string, audience: string): string {
  const host = issuerHost(gitlabUrl);
  const subs = subjects(role);
  const condition: Record<string, Record<string, string | string[]>> = {
    StringEquals: { [`${host}:aud`]: audience },
  };
  if (role.kind === "deploy") condition.StringEquals[`${host}:sub`] = subs;
  else condition.StringLike = { [`${host}:sub`]: subs };
  const statement: Statement = {
    Sid: "GitLabCiWebIdentity",
    Effect: "Allow",
    Principal: { Federated: providerArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: condition,
  };
  return renderPolicy([statement]);
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`);
}

/**
 * Evaluates IAM condition operators StringEquals and StringLike over a set of claims, as IAM does: every operator
 * and every key must match; the values listed for one key are alternatives. Any other operator fails closed.
 */
export function conditionsAllow(conditions: Conditions, claims: Readonly<Record<string, string>>): boolean {
  return Object.entries(conditions).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const actual = claims[key];
      if (actual === undefined) return false;
      const values = typeof expected === "string" ? [expected] : expected;
      if (operator === "StringEquals") return values.includes(actual);
      if (operator === "StringLike") return values.some((v) => likeToRegExp(v).test(actual));
      return false;
    }),
  );
}

/** Arguments of {@link GitlabOidc}. */
export interface GitlabOidcArgs {
  /** GitLab base URL (`https://gitlab.example.com`), the token issuer. */
  readonly gitlabUrl: string;
  /**
   * The audience jobs request in `id_tokens` (`aud`).
   * @default the GitLab URL
   */
  readonly audience?: string;
  /** The CI roles. */
  readonly roles: readonly CiRoleSpec[];
}

/**
 * The IAM OIDC provider for the group's GitLab and the CI roles that trust it. Thumbprints are left out: AWS
 * validates the issuer's certificate against its trusted root CAs
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html).
 */
export class GitlabOidc extends pulumi.ComponentResource {
  /** ARN of the OIDC provider. */
  readonly providerArn: pulumi.Output<string>;
  /** Role ARNs by role name. */
  readonly roleArns: pulumi.Output<Record<string, string>>;
  /** The roles, by role name, for attaching further policies. */
  readonly roles: Readonly<Record<string, aws.iam.Role>>;

  constructor(name: string, args: GitlabOidcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:GitlabOidc", name, {}, opts);
    this.componentName = name;
    const problems = args.roles.flatMap(ciRoleProblems);
    const names = args.roles.map((r) => r.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) problems.push(`role '${duplicate}' is defined twice; role names must be unique`);
    if (problems.length > 0) throw new pulumi.ResourceError(`GitlabOidc '${name}': ${problems.join("; ")}`, this);
    const audience = args.audience ?? args.gitlabUrl;

    const provider = new aws.iam.OpenIdConnectProvider(
      `${name}-provider`,
      { url: args.gitlabUrl, clientIdLists: [audience] },
      { parent: this },
    );

    const roles: Record<string, aws.iam.Role> = {};
    this.roles = roles;
    for (const spec of args.roles) {
      // No permissions boundary: these are the roles whose writes the boundary conditions govern. What keeps them
      // from widening themselves is the explicit Denies of their own policies (no IAM write on either CI role or
      // its policies, none on the boundary), which no Allow can override
      // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
      const role = new aws.iam.Role(
        `${name}-${spec.name}`,
        {
          name: spec.name,
          path: FOUNDATION_IAM_PATH,
          description: `GitLab CI ${spec.kind} role for ${spec.projects.join(", ")}`,
          assumeRolePolicy: provider.arn.apply((arn) => trustPolicy(spec, arn, args.gitlabUrl, audience)),
          maxSessionDuration: spec.maxSessionDuration ?? 3600,
        },
        { parent: this },
      );
      (spec.managedPolicyArns ?? []).forEach((policyArn, i) => {
        new aws.iam.RolePolicyAttachment(
          `${name}-${spec.name}-managed-${i}`,
          { role: role.name, policyArn },
          { parent: this },
        );
      });
      roles[spec.name] = role;
      for (const [policyName, policy] of Object.entries(spec.inlinePolicies ?? {})) {
        this.addInlinePolicy(spec.name, policyName, policy);
      }
    }

    this.providerArn = provider.arn;
    this.roleArns = pulumi
      .all(Object.fromEntries(Object.entries(roles).map(([n, r]) => [n, r.arn])))
      .apply((arns) => arns as Record<string, string>);
    this.registerOutputs({ providerArn: this.providerArn, roleArns: this.roleArns });
  }

  /**
   * Adds an inline policy to one of the roles, as a child named like the constructor's (`<name>-<role>-<policy>`).
   * For a policy that names resources made after the roles, such as the deploy policy, which denies writes to the
   * managed policies the state backend attaches to the roles.
   */
  addInlinePolicy(roleName: string, policyName: string, policy: pulumi.Input<string>): aws.iam.RolePolicy {
    const role = this.roles[roleName];
    if (!role) throw new pulumi.ResourceError(`GitlabOidc '${this.componentName}': no role '${roleName}'`, this);
    return new aws.iam.RolePolicy(
      `${this.componentName}-${roleName}-${policyName}`,
      { role: role.name, name: policyName, policy },
      { parent: this },
    );
  }

  private readonly componentName: string;
}
