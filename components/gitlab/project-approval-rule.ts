import * as pulumi from "@pulumi/pulumi";
import { ApiApprovalRule, ApprovalRuleAttributes, connectionFromEnv, gitlabApi, GitlabApi, isHttpError } from "./api";
import {
  CheckFailure,
  createOnce,
  diffFields,
  goneError,
  isText,
  isUnknown,
  projectPathFailure,
  sortedNumbers,
  sortedStrings,
  withAccess,
} from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** `regular` names its approvers; `any_approver` lets any eligible member approve. */
export type ApprovalRuleType = "regular" | "any_approver";

/** The inputs of a {@link ProjectApprovalRule} as its provider sees them (lists sorted by `check`). */
export interface ProjectApprovalRuleInputs {
  readonly projectPath: string;
  readonly name: string;
  readonly approvalsRequired: number;
  readonly ruleType: ApprovalRuleType;
  readonly userIds: number[];
  readonly usernames: string[];
  readonly groupIds: number[];
  readonly protectedBranchIds: number[];
  readonly appliesToAllProtectedBranches: boolean;
}

/** The state of a {@link ProjectApprovalRule}. */
export interface ProjectApprovalRuleOutputs extends ProjectApprovalRuleInputs {
  /** GitLab's ID of the rule. */
  readonly ruleId: number;
  /** True when the project already had a rule of this name and this resource took it over. */
  readonly adopted: boolean;
}

function needs(projectPath: string): string {
  // Approval rules are a Premium feature managed by Maintainers: https://docs.gitlab.com/api/merge_request_approvals/
  return `the Maintainer role (or higher) in project '${projectPath}', on GitLab Premium or Ultimate (approval rules)`;
}

function identify(inputs: Pick<ProjectApprovalRuleInputs, "projectPath" | "name">): string {
  return `ProjectApprovalRule '${inputs.name}' on '${inputs.projectPath}'`;
}

function attributes(inputs: ProjectApprovalRuleInputs): ApprovalRuleAttributes {
  return {
    name: inputs.name,
    approvalsRequired: inputs.approvalsRequired,
    ruleType: inputs.ruleType,
    userIds: inputs.userIds,
    usernames: inputs.usernames,
    groupIds: inputs.groupIds,
    protectedBranchIds: inputs.protectedBranchIds,
    appliesToAllProtectedBranches: inputs.appliesToAllProtectedBranches,
  };
}

const isIdList = (value: unknown) =>
  Array.isArray(value) && value.every((v) => isUnknown(v) || (Number.isInteger(v) && (v as number) > 0));

/** Check failures of approval rule inputs; unknown values pass until they are known. */
export function checkProjectApprovalRule(news: Partial<ProjectApprovalRuleInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [...projectPathFailure(news.projectPath)];
  const known = (value: unknown) => !isUnknown(value);
  if (known(news.name) && !isText(news.name)) {
    failures.push({ property: "name", reason: "name must be a non-empty rule name, e.g. 'Foundation maintainers'" });
  }
  const required = news.approvalsRequired;
  if (known(required) && !(typeof required === "number" && Number.isInteger(required) && required >= 0)) {
    failures.push({
      property: "approvalsRequired",
      reason: `approvalsRequired must be a whole number of approvals, 0 or more; got ${JSON.stringify(required)}`,
    });
  }
  if (known(news.ruleType) && news.ruleType !== "regular" && news.ruleType !== "any_approver") {
    failures.push({ property: "ruleType", reason: "ruleType must be 'regular' or 'any_approver'" });
  }
  for (const list of ["userIds", "groupIds", "protectedBranchIds"] as const) {
    if (known(news[list]) && !isIdList(news[list])) {
      failures.push({ property: list, reason: `${list} must be a list of GitLab IDs (positive whole numbers)` });
    }
  }
  const usernames = news.usernames;
  if (known(usernames) && !(Array.isArray(usernames) && usernames.every((u) => isUnknown(u) || isText(u)))) {
    failures.push({ property: "usernames", reason: "usernames must be a list of GitLab usernames, without '@'" });
  }
  if (known(news.appliesToAllProtectedBranches) && typeof news.appliesToAllProtectedBranches !== "boolean") {
    failures.push({
      property: "appliesToAllProtectedBranches",
      reason: "appliesToAllProtectedBranches must be true or false",
    });
  }
  if (
    news.appliesToAllProtectedBranches === true &&
    Array.isArray(news.protectedBranchIds) &&
    news.protectedBranchIds.length > 0
  ) {
    failures.push({
      property: "protectedBranchIds",
      reason:
        "protectedBranchIds and appliesToAllProtectedBranches exclude each other: GitLab ignores the IDs of a rule " +
        "that applies to every protected branch; keep one",
    });
  }
  const approvers = [news.userIds, news.usernames, news.groupIds].map((list) =>
    Array.isArray(list) ? list.length : 0,
  );
  const anyApprovers = approvers.some((n) => n > 0);
  const listsKnown = [news.userIds, news.usernames, news.groupIds].every((list) => known(list));
  if (news.ruleType === "any_approver" && anyApprovers) {
    failures.push({
      property: "ruleType",
      reason:
        "an 'any_approver' rule takes no named approvers; remove userIds, usernames and groupIds, or use 'regular'",
    });
  }
  if (news.ruleType === "regular" && listsKnown && !anyApprovers && typeof required === "number" && required > 0) {
    failures.push({
      property: "usernames",
      reason:
        "a 'regular' rule with no userIds, usernames or groupIds has nobody who can approve; name the approvers, or " +
        "use ruleType 'any_approver'",
    });
  }
  return failures;
}

/** The inputs with their lists in a stable order, so that a reordering in config is no change. */
function normalized(news: ProjectApprovalRuleInputs): ProjectApprovalRuleInputs {
  return {
    ...news,
    userIds: sortedNumbers(news.userIds) as number[],
    usernames: sortedStrings(news.usernames) as string[],
    groupIds: sortedNumbers(news.groupIds) as number[],
    protectedBranchIds: sortedNumbers(news.protectedBranchIds) as number[],
  };
}

/**
 * GitLab drops, without an error, user IDs and usernames it cannot resolve or that are not members of the project,
 * groups it cannot see, and branches that are not protected: a rule that quietly lost its approvers or branches
 * protects less than the config says. So the answer is compared with what was sent, and the difference refused.
 */
function verify(rule: ApiApprovalRule, inputs: ProjectApprovalRuleInputs): void {
  const users = rule.users ?? [];
  const missing = [
    ...inputs.usernames.filter((name) => !users.some((u) => u.username === name)).map((name) => `user '${name}'`),
    ...inputs.userIds.filter((id) => !users.some((u) => u.id === id)).map((id) => `user ID ${id}`),
    ...inputs.groupIds.filter((id) => !(rule.groups ?? []).some((g) => g.id === id)).map((id) => `group ID ${id}`),
    ...inputs.protectedBranchIds
      .filter((id) => !(rule.protected_branches ?? []).some((b) => b.id === id))
      .map((id) => `protected branch ID ${id}`),
  ];
  if (missing.length > 0) {
    throw new Error(
      `${identify(inputs)}: GitLab dropped ${missing.join(", ")} from the rule: a user must exist and be a member ` +
        `of the project, a group must exist and be visible to the token's user, and a branch must be one of the ` +
        `project's protected branches. Fix the config or the membership, then run \`pulumi up\` again`,
    );
  }
}

/** True when GitLab's rule differs from the inputs in anything an update sets. */
function drifted(rule: ApiApprovalRule, inputs: ProjectApprovalRuleInputs): boolean {
  const read = readInputs(rule, inputs);
  const fields = [
    "name",
    "approvalsRequired",
    "userIds",
    "usernames",
    "groupIds",
    "protectedBranchIds",
    "appliesToAllProtectedBranches",
  ] as const;
  return fields.some((field) => JSON.stringify(read[field]) !== JSON.stringify(inputs[field]));
}

/**
 * GitLab's rule as inputs. Its users are matched back to how the inputs name them: a user the inputs name by
 * username reads as that username, any other user by ID, so a user added by hand shows as a change of `userIds`.
 */
function readInputs(rule: ApiApprovalRule, props: ProjectApprovalRuleInputs): ProjectApprovalRuleInputs {
  const users = rule.users ?? [];
  const byName = users.filter((u) => props.usernames.includes(u.username));
  return normalized({
    ...props,
    name: rule.name,
    approvalsRequired: rule.approvals_required ?? 0,
    ruleType: (rule.rule_type ?? "regular") as ApprovalRuleType,
    usernames: byName.map((u) => u.username),
    userIds: users.filter((u) => !byName.includes(u)).map((u) => u.id),
    groupIds: (rule.groups ?? []).map((g) => g.id),
    protectedBranchIds: (rule.protected_branches ?? []).map((b) => b.id),
    appliesToAllProtectedBranches: rule.applies_to_all_protected_branches ?? false,
  });
}

async function findByName(api: GitlabApi, projectPath: string, name: string): Promise<ApiApprovalRule | undefined> {
  return (await api.listApprovalRules(projectPath)).find((rule) => rule.name === name);
}

/**
 * Creates the rule, or takes over the project's rule of the same name (names are unique in a project) and brings it
 * to the inputs. A rule of that name but another type is refused: the type cannot change in place.
 */
export async function createProjectApprovalRule(
  api: GitlabApi,
  inputs: ProjectApprovalRuleInputs,
): Promise<{ id: string; outs: ProjectApprovalRuleOutputs }> {
  const what = identify(inputs);
  return withAccess(what, needs(inputs.projectPath), async () => {
    const find = () => findByName(api, inputs.projectPath, inputs.name);
    const adopt = async (rule: ApiApprovalRule) => {
      if ((rule.rule_type ?? "regular") !== inputs.ruleType) {
        throw new Error(
          `${what}: the project has a rule of this name of type '${rule.rule_type}' (ID ${rule.id}), and a rule's ` +
            `type cannot be changed; delete it in the project's Settings > Merge requests, or choose another name`,
        );
      }
      const current = drifted(rule, inputs)
        ? await api.editApprovalRule(inputs.projectPath, rule.id, attributes(inputs))
        : rule;
      verify(current, inputs);
      return { id: String(rule.id), outs: { ...inputs, ruleId: rule.id, adopted: true } };
    };
    const existing = await find();
    if (existing) return adopt(existing);
    // A taken name is refused with 400 `{"name":["has already been taken"]}`.
    const isConflict = (error: unknown) => isHttpError(error, 400) && error.detail.includes("already been taken");
    let created: ApiApprovalRule;
    try {
      created = await createOnce(api, {
        create: () => api.createApprovalRule(inputs.projectPath, attributes(inputs)),
        find,
        isConflict,
      });
    } catch (error) {
      const raced = isConflict(error) ? await find() : undefined;
      if (!raced) throw error;
      return adopt(raced);
    }
    verify(created, inputs);
    return { id: String(created.id), outs: { ...inputs, ruleId: created.id, adopted: false } };
  });
}

/** Reads the rule back; an empty ID tells the engine it is gone. */
export async function readProjectApprovalRule(
  api: GitlabApi,
  id: string,
  props: ProjectApprovalRuleOutputs,
): Promise<{ id: string; props: Partial<ProjectApprovalRuleOutputs> }> {
  return withAccess(identify(props), needs(props.projectPath), async () => {
    const rule = (await api.listApprovalRules(props.projectPath)).find((r) => String(r.id) === id);
    if (!rule) return { id: "", props: {} };
    return { id, props: { ...props, ...readInputs(rule, props) } };
  });
}

/** Renames the rule or changes its approvals, approvers and branches in place (`PUT .../approval_rules/:id`). */
export async function updateProjectApprovalRule(
  api: GitlabApi,
  id: string,
  olds: ProjectApprovalRuleOutputs,
  news: ProjectApprovalRuleInputs,
): Promise<{ outs: ProjectApprovalRuleOutputs }> {
  return withAccess(identify(news), needs(news.projectPath), async () => {
    let rule: ApiApprovalRule;
    try {
      rule = await api.editApprovalRule(news.projectPath, Number(id), attributes(news));
    } catch (error) {
      if (isHttpError(error, 400) && error.detail.includes("already been taken")) {
        throw new Error(
          `${identify(news)}: cannot rename '${olds.name}' to '${news.name}': the project has a rule of that name; ` +
            `delete or rename that rule first, or choose another name`,
        );
      }
      throw isHttpError(error, 404) ? goneError(`${identify(olds)} (ID ${id})`) : error;
    }
    verify(rule, news);
    return { outs: { ...olds, ...news } };
  });
}

/** Deletes the rule; one already gone counts as deleted. */
export async function deleteProjectApprovalRule(
  api: GitlabApi,
  id: string,
  props: ProjectApprovalRuleOutputs,
): Promise<void> {
  await withAccess(identify(props), needs(props.projectPath), () =>
    api.deleteApprovalRule(props.projectPath, Number(id)),
  );
}

/**
 * The dynamic provider. The project and the rule type replace the rule; a new type keeps the name, and names are
 * unique in a project, so that replacement deletes the old rule first. Name, approvals, approvers and branches
 * update in place. `check` sorts the lists, so their order in config is no change. The connection is read from the
 * environment in each method.
 */
export const projectApprovalRuleProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: ProjectApprovalRuleOutputs, news: ProjectApprovalRuleInputs) {
    return { inputs: normalized(news), failures: checkProjectApprovalRule(news) };
  },
  async diff(_id: string, olds: ProjectApprovalRuleOutputs, news: ProjectApprovalRuleInputs) {
    const diff = diffFields<ProjectApprovalRuleInputs>(
      olds,
      news,
      ["projectPath", "ruleType"],
      [
        "name",
        "approvalsRequired",
        "userIds",
        "usernames",
        "groupIds",
        "protectedBranchIds",
        "appliesToAllProtectedBranches",
      ],
    );
    return { ...diff, deleteBeforeReplace: diff.replaces.includes("ruleType") };
  },
  async create(inputs: ProjectApprovalRuleInputs) {
    return createProjectApprovalRule(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(id: string, props: ProjectApprovalRuleOutputs) {
    return readProjectApprovalRule(gitlabApi(connectionFromEnv()), id, props);
  },
  async update(id: string, olds: ProjectApprovalRuleOutputs, news: ProjectApprovalRuleInputs) {
    return updateProjectApprovalRule(gitlabApi(connectionFromEnv()), id, olds, news);
  },
  async delete(id: string, props: ProjectApprovalRuleOutputs) {
    await deleteProjectApprovalRule(gitlabApi(connectionFromEnv()), id, props);
  },
};

/** Arguments of {@link ProjectApprovalRule}. */
export interface ProjectApprovalRuleArgs {
  /** Full path of the project, e.g. `mson/foundation`. */
  readonly projectPath: pulumi.Input<string>;
  /** The rule's name, unique in the project. */
  readonly name: pulumi.Input<string>;
  /** Approvals a merge request needs from the rule's approvers. */
  readonly approvalsRequired: pulumi.Input<number>;
  /**
   * `regular` (named approvers) or `any_approver`.
   * @default "regular"
   */
  readonly ruleType?: pulumi.Input<ApprovalRuleType>;
  /**
   * Approvers by user ID.
   * @default []
   */
  readonly userIds?: pulumi.Input<pulumi.Input<number>[]>;
  /**
   * Approvers by username.
   * @default []
   */
  readonly usernames?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Groups whose members may approve.
   * @default []
   */
  readonly groupIds?: pulumi.Input<pulumi.Input<number>[]>;
  /**
   * The protected branches whose merge requests the rule covers (IDs, e.g. a {@link ProtectedBranch}'s
   * `protectedBranchId`).
   * @default []
   */
  readonly protectedBranchIds?: pulumi.Input<pulumi.Input<number>[]>;
  /**
   * Cover merge requests into every protected branch of the project.
   * @default false
   */
  readonly appliesToAllProtectedBranches?: pulumi.Input<boolean>;
}

/**
 * A merge request approval rule of a project (`/projects/:id/approval_rules`, Premium). Adopts the project's rule of
 * the same name. Type `pulumi-nodejs:dynamic/gitlab:ProjectApprovalRule`.
 */
export class ProjectApprovalRule extends pulumi.dynamic.Resource {
  /** GitLab's ID of the rule. */
  declare readonly ruleId: pulumi.Output<number>;
  /** True when an existing rule of the same name was taken over. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: ProjectApprovalRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(projectApprovalRuleProvider, __filename, "projectApprovalRuleProvider"),
      name,
      {
        projectPath: args.projectPath,
        name: args.name,
        approvalsRequired: args.approvalsRequired,
        ruleType: args.ruleType ?? "regular",
        userIds: args.userIds ?? [],
        usernames: args.usernames ?? [],
        groupIds: args.groupIds ?? [],
        protectedBranchIds: args.protectedBranchIds ?? [],
        appliesToAllProtectedBranches: args.appliesToAllProtectedBranches ?? false,
        ruleId: undefined,
        adopted: undefined,
      },
      opts,
      "gitlab",
      "ProjectApprovalRule",
    );
  }
}
