import * as pulumi from "@pulumi/pulumi";
import { AccessLevel, PushRuleAttributes } from "./api";
import { ApprovalRuleType, ProjectApprovalRule } from "./project-approval-rule";
import { ProjectPushRule } from "./project-push-rule";
import { ProtectedBranch } from "./protected-branch";

/** One protected branch or wildcard. */
export interface ProtectedBranchSpec {
  /** Branch name or wildcard: `main`, `*`, `release/*`. */
  readonly name: string;
  /** Who may push: 0 no one, 30 developers and maintainers, 40 maintainers, 60 administrators. */
  readonly pushAccessLevel: AccessLevel;
  /** Who may merge, as {@link pushAccessLevel}. */
  readonly mergeAccessLevel: AccessLevel;
  /** Who may remove the protection: 30, 40 or 60. */
  readonly unprotectAccessLevel: AccessLevel;
  /**
   * Let those who may push force-push.
   * @default false
   */
  readonly allowForcePush?: boolean;
  /**
   * Premium: changes to files with a CODEOWNERS entry need the code owners' approval.
   * @default false
   */
  readonly codeOwnerApprovalRequired?: boolean;
}

/** One merge request approval rule. */
export interface ApprovalRuleSpec {
  /** Unique in the project. */
  readonly name: string;
  /** Approvals a merge request needs from the approvers. */
  readonly approvalsRequired: number;
  /**
   * `regular` (named approvers) or `any_approver`.
   * @default "regular"
   */
  readonly ruleType?: ApprovalRuleType;
  /**
   * Approvers by username.
   * @default []
   */
  readonly usernames?: readonly string[];
  /**
   * Groups whose members may approve, by ID.
   * @default []
   */
  readonly groupIds?: readonly number[];
  /**
   * Cover merge requests into every protected branch.
   * @default false
   */
  readonly appliesToAllProtectedBranches?: boolean;
  /**
   * Cover merge requests into these protected branches, by their name in {@link ProjectProtectionArgs.protectedBranches}.
   * @default []
   */
  readonly branches?: readonly string[];
}

/** Arguments of {@link ProjectProtection}. */
export interface ProjectProtectionArgs {
  /** Full path of the project, e.g. `mson/foundation`. */
  readonly projectPath: string;
  /** The project's protected branches and wildcards. */
  readonly protectedBranches: readonly ProtectedBranchSpec[];
  /** The project's push rule; the project's own is left alone when absent. */
  readonly pushRule?: PushRuleAttributes;
  /**
   * Merge request approval rules.
   * @default []
   */
  readonly approvalRules?: readonly ApprovalRuleSpec[];
}

const PROJECT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

/** A resource-name-safe form of a branch name or wildcard: `*` → `wildcard`, `release/*` → `release-wildcard`. */
export function branchSlug(name: string): string {
  const slug = name
    .replace(/\*/g, "-wildcard-")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
  return slug === "" ? "branch" : slug;
}

/** A resource-name-safe form of an approval rule name. */
export function ruleSlug(name: string): string {
  return (
    name
      .trim()
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^-|-$/g, "")
      .toLowerCase() || "rule"
  );
}

/** Every problem with the arguments, each naming the argument and the fix. */
export function projectProtectionArgsProblems(args: ProjectProtectionArgs): string[] {
  const problems: string[] = [];
  if (!PROJECT_PATH.test(args.projectPath)) {
    problems.push(`projectPath '${args.projectPath}' must be the project's full path, e.g. 'mson/foundation'`);
  }
  const slugs = new Map<string, string>();
  args.protectedBranches.forEach((branch, i) => {
    const other = slugs.get(branchSlug(branch.name));
    if (other !== undefined) {
      problems.push(
        other === branch.name
          ? `protectedBranches[${i}]: '${branch.name}' appears twice; keep one`
          : `protectedBranches[${i}]: '${other}' and '${branch.name}' would both be named '${branchSlug(branch.name)}'; rename one`,
      );
    }
    slugs.set(branchSlug(branch.name), branch.name);
  });
  const rules = new Map<string, string>();
  (args.approvalRules ?? []).forEach((rule, i) => {
    const other = rules.get(ruleSlug(rule.name));
    if (other !== undefined) {
      problems.push(
        `approvalRules[${i}]: '${other}' and '${rule.name}' would both be named '${ruleSlug(rule.name)}'; rename one`,
      );
    }
    rules.set(ruleSlug(rule.name), rule.name);
    for (const name of rule.branches ?? []) {
      if (!args.protectedBranches.some((branch) => branch.name === name)) {
        problems.push(
          `approvalRules[${i}] '${rule.name}': branch '${name}' is not one of protectedBranches; a rule covers ` +
            `protected branches only, so protect it too or remove it here`,
        );
      }
    }
  });
  return problems;
}

/**
 * A project's protection as code: its protected branches and wildcards, its push rule, and its merge request
 * approval rules (those that name protected branches depend on them). Type `foundation:gitlab:ProjectProtection`.
 *
 * Every child is `protect: true`, set on the child so that no caller's option can lift it (docs/architecture.md,
 * "Protection"). These are security controls: a line dropped from config by mistake, or a change that would replace
 * a rule (delete it, then create it), must stop `pulumi up` with an error instead of unprotecting the project, and
 * removing a control is a deliberate `pulumi state unprotect` in the merge request that removes it.
 * `retainOnDelete` was not chosen: it would let such a mistake pass quietly, leaving the control in GitLab but out
 * of state, where no later preview would notice it being weakened by hand.
 */
export class ProjectProtection extends pulumi.ComponentResource {
  /** GitLab IDs of the protected branches, by name. */
  readonly protectedBranchIds: pulumi.Output<Record<string, number>>;
  /** GitLab IDs of the approval rules, by name. */
  readonly approvalRuleIds: pulumi.Output<Record<string, number>>;

  constructor(name: string, args: ProjectProtectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:gitlab:ProjectProtection", name, {}, opts);
    const problems = projectProtectionArgsProblems(args);
    if (problems.length > 0) {
      throw new Error(`ProjectProtection '${name}': ${problems.join("; ")}`);
    }
    const projectPath = args.projectPath;
    const child = { parent: this, protect: true };

    const branches = new Map(
      args.protectedBranches.map((branch) => [
        branch.name,
        new ProtectedBranch(
          `${name}-branch-${branchSlug(branch.name)}`,
          {
            projectPath,
            name: branch.name,
            pushAccessLevel: branch.pushAccessLevel,
            mergeAccessLevel: branch.mergeAccessLevel,
            unprotectAccessLevel: branch.unprotectAccessLevel,
            allowForcePush: branch.allowForcePush ?? false,
            codeOwnerApprovalRequired: branch.codeOwnerApprovalRequired ?? false,
          },
          child,
        ),
      ]),
    );

    if (args.pushRule !== undefined) {
      new ProjectPushRule(`${name}-push-rule`, { projectPath, ...args.pushRule }, child);
    }

    const rules = (args.approvalRules ?? []).map(
      (rule) =>
        [
          rule.name,
          new ProjectApprovalRule(
            `${name}-approval-${ruleSlug(rule.name)}`,
            {
              projectPath,
              name: rule.name,
              approvalsRequired: rule.approvalsRequired,
              ruleType: rule.ruleType ?? "regular",
              usernames: [...(rule.usernames ?? [])],
              groupIds: [...(rule.groupIds ?? [])],
              // Every name is one of the protected branches (checked above); the ID makes the rule depend on it.
              protectedBranchIds: (rule.branches ?? []).flatMap(
                (branch) => branches.get(branch)?.protectedBranchId ?? [],
              ),
              appliesToAllProtectedBranches: rule.appliesToAllProtectedBranches ?? false,
            },
            child,
          ),
        ] as const,
    );

    this.protectedBranchIds = pulumi.all(
      Object.fromEntries([...branches].map(([branchName, branch]) => [branchName, branch.protectedBranchId])),
    );
    this.approvalRuleIds = pulumi.all(Object.fromEntries(rules.map(([ruleName, rule]) => [ruleName, rule.ruleId])));
    this.registerOutputs({ protectedBranchIds: this.protectedBranchIds, approvalRuleIds: this.approvalRuleIds });
  }
}
