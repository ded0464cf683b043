import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A permission set: what a group may do in the accounts it is assigned to. */
export interface PermissionSetSpec {
  readonly name: string;
  readonly description: string;
  /** ISO 8601 duration of a session, e.g. `PT4H` (IAM Identity Center allows PT1H to PT12H). */
  readonly sessionDuration: string;
  /** URL the console opens after sign-in. */
  readonly relayState?: string;
  /** AWS managed policy ARNs. */
  readonly managedPolicyArns: readonly string[];
  /** An inline policy document (JSON). */
  readonly inlinePolicy?: string;
}

/** A group in the Identity Center identity store. */
export interface GroupSpec {
  readonly name: string;
  readonly description: string;
}

/** Which group gets which permission set in which accounts (by account name). */
export interface AssignmentSpec {
  readonly group: string;
  readonly permissionSet: string;
  readonly accounts: readonly string[];
}

/** Arguments of {@link IdentityCenter}. */
export interface IdentityCenterArgs {
  /** The Identity Center instance ARN (from `aws.ssoadmin.getInstances`). */
  readonly instanceArn: pulumi.Input<string>;
  /** The identity store id of the instance. */
  readonly identityStoreId: pulumi.Input<string>;
  readonly groups: readonly GroupSpec[];
  readonly permissionSets: readonly PermissionSetSpec[];
  readonly assignments: readonly AssignmentSpec[];
  /** Account ids by account name, for assignments. */
  readonly accountIds: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * Problems with the assignments: every group, permission set and account must be one that is defined, and the
 * message lists the ones that are.
 */
export function assignmentProblems(
  assignments: readonly AssignmentSpec[],
  known: { groups: readonly string[]; permissionSets: readonly string[]; accounts: readonly string[] },
): string[] {
  const problems: string[] = [];
  const check = (kind: string, value: string, names: readonly string[], i: number) => {
    if (!names.includes(value)) {
      problems.push(`assignment ${i}: unknown ${kind} '${value}'; known: ${names.join(", ") || "none"}`);
    }
  };
  assignments.forEach((a, i) => {
    check("group", a.group, known.groups, i);
    check("permission set", a.permissionSet, known.permissionSets, i);
    a.accounts.forEach((account) => check("account", account, known.accounts, i));
  });
  return problems;
}

/** Resource-name-safe form of a display name. */
function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/**
 * IAM Identity Center: groups, permission sets (managed and inline policies, session duration, relay state) and
 * group-to-account assignments. Every permission set carries the provider's standard tags (`defaultTags`): the deploy
 * role may write only permission sets that carry them (ci-policies.ts).
 */
export class IdentityCenter extends pulumi.ComponentResource {
  /** Permission set ARNs by name. */
  readonly permissionSetArns: pulumi.Output<Record<string, string>>;
  /** Identity store group ids by group name: the only groups the deploy role may update or delete. */
  readonly groupIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: IdentityCenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:IdentityCenter", name, {}, opts);
    const problems = assignmentProblems(args.assignments, {
      groups: args.groups.map((g) => g.name),
      permissionSets: args.permissionSets.map((p) => p.name),
      accounts: Object.keys(args.accountIds),
    });
    if (problems.length > 0) throw new pulumi.ResourceError(`IdentityCenter '${name}': ${problems.join("; ")}`, this);

    const groups: Record<string, aws.identitystore.Group> = {};
    for (const group of args.groups) {
      groups[group.name] = new aws.identitystore.Group(
        `${name}-group-${slug(group.name)}`,
        { identityStoreId: args.identityStoreId, displayName: group.name, description: group.description },
        { parent: this },
      );
    }

    const sets: Record<string, aws.ssoadmin.PermissionSet> = {};
    for (const spec of args.permissionSets) {
      const set = new aws.ssoadmin.PermissionSet(
        `${name}-ps-${slug(spec.name)}`,
        {
          instanceArn: args.instanceArn,
          name: spec.name,
          description: spec.description,
          sessionDuration: spec.sessionDuration,
          relayState: spec.relayState,
        },
        { parent: this },
      );
      spec.managedPolicyArns.forEach((policyArn) => {
        new aws.ssoadmin.ManagedPolicyAttachment(
          `${name}-ps-${slug(spec.name)}-${slug(policyArn.split("/").pop() ?? policyArn)}`,
          { instanceArn: args.instanceArn, permissionSetArn: set.arn, managedPolicyArn: policyArn },
          { parent: this },
        );
      });
      if (spec.inlinePolicy) {
        new aws.ssoadmin.PermissionSetInlinePolicy(
          `${name}-ps-${slug(spec.name)}-inline`,
          { instanceArn: args.instanceArn, permissionSetArn: set.arn, inlinePolicy: spec.inlinePolicy },
          { parent: this },
        );
      }
      sets[spec.name] = set;
    }

    for (const assignment of args.assignments) {
      for (const account of assignment.accounts) {
        new aws.ssoadmin.AccountAssignment(
          `${name}-${slug(assignment.group)}-${slug(assignment.permissionSet)}-${slug(account)}`,
          {
            instanceArn: args.instanceArn,
            permissionSetArn: sets[assignment.permissionSet].arn,
            principalType: "GROUP",
            principalId: groups[assignment.group].groupId,
            targetType: "AWS_ACCOUNT",
            targetId: args.accountIds[account],
          },
          { parent: this },
        );
      }
    }

    this.permissionSetArns = pulumi
      .all(Object.fromEntries(Object.entries(sets).map(([n, s]) => [n, s.arn])))
      .apply((v) => v as Record<string, string>);
    this.groupIds = pulumi
      .all(Object.fromEntries(Object.entries(groups).map(([n, g]) => [n, g.groupId])))
      .apply((v) => v as Record<string, string>);
    this.registerOutputs({ permissionSetArns: this.permissionSetArns, groupIds: this.groupIds });
  }
}
