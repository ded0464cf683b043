import * as pulumi from "@pulumi/pulumi";
import {
  AccessChange,
  AccessLevel,
  ApiProtectedBranch,
  ApiProtectedRefAccess,
  connectionFromEnv,
  gitlabApi,
  GitlabApi,
  isHttpError,
  ProtectedBranchChanges,
} from "./api";
import {
  CheckFailure,
  createOnce,
  diffFields,
  goneError,
  isText,
  isUnknown,
  projectPathFailure,
  withAccess,
} from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** The inputs of a {@link ProtectedBranch} as its provider sees them. */
export interface ProtectedBranchInputs {
  readonly projectPath: string;
  /** A branch name or a wildcard (`*`, `release/*`). */
  readonly name: string;
  readonly pushAccessLevel: AccessLevel;
  readonly mergeAccessLevel: AccessLevel;
  readonly unprotectAccessLevel: AccessLevel;
  readonly allowForcePush: boolean;
  readonly codeOwnerApprovalRequired: boolean;
}

/** The state of a {@link ProtectedBranch}. */
export interface ProtectedBranchOutputs extends ProtectedBranchInputs {
  /** GitLab's ID of the protected branch (approval rules name branches by it). */
  readonly protectedBranchId: number;
  /** True when the project already protected this name and this resource took the rule over. */
  readonly adopted: boolean;
}

/** The access levels GitLab takes for pushing and merging, with what each means. */
const PUSH_MERGE_LEVELS: Readonly<Record<number, string>> = {
  0: "no one",
  30: "developers and maintainers",
  40: "maintainers",
  60: "administrators",
};

/** Unprotecting takes no 0 (https://docs.gitlab.com/api/protected_branches/#protect-repository-branches). */
const UNPROTECT_LEVELS: Readonly<Record<number, string>> = {
  30: "developers and maintainers",
  40: "maintainers",
  60: "administrators",
};

const LEVEL_KINDS = [
  ["pushAccessLevel", "push", PUSH_MERGE_LEVELS],
  ["mergeAccessLevel", "merge", PUSH_MERGE_LEVELS],
  ["unprotectAccessLevel", "unprotect", UNPROTECT_LEVELS],
] as const;

function needs(projectPath: string): string {
  return `the Maintainer role (or higher) in project '${projectPath}' (protected branches are managed by Maintainers)`;
}

function identify(inputs: Pick<ProtectedBranchInputs, "projectPath" | "name">): string {
  return `ProtectedBranch '${inputs.name}' on '${inputs.projectPath}'`;
}

/** Check failures of protected branch inputs; unknown values pass until they are known. */
export function checkProtectedBranch(news: Partial<ProtectedBranchInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [...projectPathFailure(news.projectPath)];
  const known = (value: unknown) => !isUnknown(value);
  if (known(news.name) && !(isText(news.name) && !/\s/.test(news.name))) {
    failures.push({
      property: "name",
      reason: "name must be a branch name or a wildcard without spaces, e.g. 'main' or 'release/*'",
    });
  }
  for (const [property, kind, levels] of LEVEL_KINDS) {
    const value = news[property];
    if (known(value) && !(typeof value === "number" && value in levels)) {
      const allowed = Object.entries(levels)
        .map(([level, meaning]) => `${level} (${meaning})`)
        .join(", ");
      failures.push({
        property,
        reason: `${property} must be one of ${allowed}: who may ${kind}; got ${JSON.stringify(value)}`,
      });
    }
  }
  for (const flag of ["allowForcePush", "codeOwnerApprovalRequired"] as const) {
    if (known(news[flag]) && typeof news[flag] !== "boolean") {
      failures.push({ property: flag, reason: `${flag} must be true or false` });
    }
  }
  return failures;
}

/** True for an entry that grants a role, not a user, a group or a deploy key. */
const isRoleEntry = (entry: ApiProtectedRefAccess) =>
  entry.access_level !== null && !entry.user_id && !entry.group_id && !entry.deploy_key_id;

/**
 * The changes that make an access list exactly one entry for `wanted`: every other entry (another role, a user, a
 * group, a deploy key) goes, since any of them would widen who may push, merge or unprotect.
 */
export function accessChanges(current: readonly ApiProtectedRefAccess[], wanted: AccessLevel): AccessChange[] {
  const keep = current.find((entry) => isRoleEntry(entry) && entry.access_level === wanted);
  const removals = current.filter((entry) => entry !== keep).map((entry) => ({ removeId: entry.id }));
  return keep ? removals : [...removals, { accessLevel: wanted }];
}

/** The one role level of an access list, or undefined when the list is anything else (so the diff shows a change). */
export function roleLevel(entries: readonly ApiProtectedRefAccess[] | null | undefined): AccessLevel | undefined {
  const list = entries ?? [];
  return list.length === 1 && isRoleEntry(list[0]) ? (list[0].access_level as AccessLevel) : undefined;
}

/** What a PATCH must change to bring `branch` to the inputs; undefined when nothing. */
export function branchChanges(
  branch: ApiProtectedBranch,
  inputs: ProtectedBranchInputs,
): ProtectedBranchChanges | undefined {
  const changes = {
    ...((branch.allow_force_push ?? false) === inputs.allowForcePush ? {} : { allowForcePush: inputs.allowForcePush }),
    ...((branch.code_owner_approval_required ?? false) === inputs.codeOwnerApprovalRequired
      ? {}
      : { codeOwnerApprovalRequired: inputs.codeOwnerApprovalRequired }),
    push: accessChanges(branch.push_access_levels ?? [], inputs.pushAccessLevel),
    merge: accessChanges(branch.merge_access_levels ?? [], inputs.mergeAccessLevel),
    unprotect: accessChanges(branch.unprotect_access_levels ?? [], inputs.unprotectAccessLevel),
  };
  const { push, merge, unprotect, ...flags } = changes;
  return push.length + merge.length + unprotect.length + Object.keys(flags).length === 0 ? undefined : changes;
}

/**
 * Brings an existing protected branch to the inputs in one PATCH. The access lists change through `allowed_to_*`
 * entries, adding the wanted role and removing every other entry by ID: PATCH takes no `push_access_level`, and
 * re-protecting (delete, then create) would leave the branch unprotected in between
 * (https://docs.gitlab.com/api/protected_branches/#update-a-protected-branch). The entries are a Premium feature,
 * like push rules and approval rules.
 */
async function converge(api: GitlabApi, branch: ApiProtectedBranch, inputs: ProtectedBranchInputs): Promise<void> {
  const changes = branchChanges(branch, inputs);
  if (changes !== undefined) await api.editProtectedBranch(inputs.projectPath, inputs.name, changes);
}

/**
 * Protects the branch, or takes over the project's existing rule of that exact name (GitLab protects the default
 * branch of a new project itself) and brings it to the inputs.
 */
export async function createProtectedBranch(
  api: GitlabApi,
  inputs: ProtectedBranchInputs,
): Promise<{ id: string; outs: ProtectedBranchOutputs }> {
  return withAccess(identify(inputs), needs(inputs.projectPath), async () => {
    const find = () => api.showProtectedBranch(inputs.projectPath, inputs.name);
    const adopt = async (branch: ApiProtectedBranch) => {
      await converge(api, branch, inputs);
      return { id: String(branch.id), outs: { ...inputs, protectedBranchId: branch.id, adopted: true } };
    };
    const existing = await find();
    if (existing) return adopt(existing);
    // A name is protected once per project: 409 "Protected branch 'main' already exists".
    const isConflict = (error: unknown) => isHttpError(error, 409);
    try {
      const created = await createOnce(api, {
        create: () => api.createProtectedBranch(inputs.projectPath, inputs.name, inputs),
        find,
        isConflict,
      });
      // Found after a lost answer, it was made from these inputs; converging is then a no-op.
      await converge(api, created, inputs);
      return { id: String(created.id), outs: { ...inputs, protectedBranchId: created.id, adopted: false } };
    } catch (error) {
      // Protected by someone else between the lookup and the POST: take it over like any existing rule.
      const raced = isConflict(error) ? await find() : undefined;
      if (!raced) throw error;
      return adopt(raced);
    }
  });
}

/** Reads the protected branch back by name (the ID is GitLab's current one); an empty ID tells the engine it is gone. */
export async function readProtectedBranch(
  api: GitlabApi,
  props: ProtectedBranchOutputs,
): Promise<{ id: string; props: Partial<ProtectedBranchOutputs> }> {
  return withAccess(identify(props), needs(props.projectPath), async () => {
    const branch = await api.showProtectedBranch(props.projectPath, props.name);
    if (!branch) return { id: "", props: {} };
    // A list that is not exactly one role (a user or group added by hand, two roles) reads as no level at all, so
    // the next `pulumi up` shows the change and puts the one role back.
    return {
      id: String(branch.id),
      props: {
        ...props,
        protectedBranchId: branch.id,
        pushAccessLevel: roleLevel(branch.push_access_levels),
        mergeAccessLevel: roleLevel(branch.merge_access_levels),
        unprotectAccessLevel: roleLevel(branch.unprotect_access_levels),
        allowForcePush: branch.allow_force_push ?? false,
        codeOwnerApprovalRequired: branch.code_owner_approval_required ?? false,
      } as Partial<ProtectedBranchOutputs>,
    };
  });
}

/** Changes access levels, force push and code owner approval in place (PATCH, read first for the entry IDs). */
export async function updateProtectedBranch(
  api: GitlabApi,
  olds: ProtectedBranchOutputs,
  news: ProtectedBranchInputs,
): Promise<{ outs: ProtectedBranchOutputs }> {
  return withAccess(identify(news), needs(news.projectPath), async () => {
    const branch = await api.showProtectedBranch(news.projectPath, news.name);
    if (!branch) throw goneError(identify(olds));
    try {
      await converge(api, branch, news);
    } catch (error) {
      throw isHttpError(error, 404) ? goneError(identify(olds)) : error;
    }
    return { outs: { ...olds, ...news, protectedBranchId: branch.id } };
  });
}

/** Unprotects the branch; a rule already gone counts as removed. */
export async function deleteProtectedBranch(api: GitlabApi, props: ProtectedBranchOutputs): Promise<void> {
  await withAccess(identify(props), needs(props.projectPath), () =>
    api.deleteProtectedBranch(props.projectPath, props.name),
  );
}

/**
 * The dynamic provider. Project and name identify the rule and replace it (a new name is a new rule, created before
 * the old one is removed, so the branch is never unprotected); access levels, force push and code owner approval
 * update in place with one PATCH. The connection is read from the environment in each method.
 */
export const protectedBranchProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: ProtectedBranchOutputs, news: ProtectedBranchInputs) {
    return { inputs: news, failures: checkProtectedBranch(news) };
  },
  async diff(_id: string, olds: ProtectedBranchOutputs, news: ProtectedBranchInputs) {
    return diffFields<ProtectedBranchInputs>(
      olds,
      news,
      ["projectPath", "name"],
      ["pushAccessLevel", "mergeAccessLevel", "unprotectAccessLevel", "allowForcePush", "codeOwnerApprovalRequired"],
    );
  },
  async create(inputs: ProtectedBranchInputs) {
    return createProtectedBranch(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(_id: string, props: ProtectedBranchOutputs) {
    return readProtectedBranch(gitlabApi(connectionFromEnv()), props);
  },
  async update(_id: string, olds: ProtectedBranchOutputs, news: ProtectedBranchInputs) {
    return updateProtectedBranch(gitlabApi(connectionFromEnv()), olds, news);
  },
  async delete(_id: string, props: ProtectedBranchOutputs) {
    await deleteProtectedBranch(gitlabApi(connectionFromEnv()), props);
  },
};

/** Arguments of {@link ProtectedBranch}. */
export interface ProtectedBranchArgs {
  /** Full path of the project, e.g. `mson/foundation`. */
  readonly projectPath: pulumi.Input<string>;
  /** Branch name or wildcard: `main`, `*`, `release/*`. */
  readonly name: pulumi.Input<string>;
  /** Who may push: 0 no one, 30 developers and maintainers, 40 maintainers, 60 administrators. */
  readonly pushAccessLevel: pulumi.Input<AccessLevel>;
  /** Who may merge: as {@link pushAccessLevel}. */
  readonly mergeAccessLevel: pulumi.Input<AccessLevel>;
  /**
   * Who may remove the protection: 30, 40 or 60.
   * @default 40
   */
  readonly unprotectAccessLevel?: pulumi.Input<AccessLevel>;
  /**
   * Let those who may push also force-push.
   * @default false
   */
  readonly allowForcePush?: pulumi.Input<boolean>;
  /**
   * Premium: changes to files with a CODEOWNERS entry need the code owners' approval.
   * @default false
   */
  readonly codeOwnerApprovalRequired?: pulumi.Input<boolean>;
}

/**
 * A protected branch or wildcard of a project (`/projects/:id/protected_branches`). Adopts the project's existing
 * rule of the same name. Type `pulumi-nodejs:dynamic/gitlab:ProtectedBranch`.
 */
export class ProtectedBranch extends pulumi.dynamic.Resource {
  /** GitLab's ID of the protected branch. */
  declare readonly protectedBranchId: pulumi.Output<number>;
  /** True when an existing rule was taken over. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: ProtectedBranchArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(protectedBranchProvider, __filename, "protectedBranchProvider"),
      name,
      {
        projectPath: args.projectPath,
        name: args.name,
        pushAccessLevel: args.pushAccessLevel,
        mergeAccessLevel: args.mergeAccessLevel,
        unprotectAccessLevel: args.unprotectAccessLevel ?? 40,
        allowForcePush: args.allowForcePush ?? false,
        codeOwnerApprovalRequired: args.codeOwnerApprovalRequired ?? false,
        protectedBranchId: undefined,
        adopted: undefined,
      },
      opts,
      "gitlab",
      "ProtectedBranch",
    );
  }
}
