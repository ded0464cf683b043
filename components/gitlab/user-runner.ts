import * as pulumi from "@pulumi/pulumi";
import {
  ApiRunner,
  connectionFromEnv,
  gitlabApi,
  GitlabApi,
  GitlabHttpError,
  isAmbiguous,
  isHttpError,
  RunnerAttributes,
} from "./api";
import { CheckFailure, diffFields, goneError, isText, isUnknown, withAccess } from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** Who may use the runner: any pipeline, or only pipelines on protected branches and tags. */
export type RunnerAccessLevel = "not_protected" | "ref_protected";

/** The inputs of a {@link UserRunner} as its provider sees them. */
export interface UserRunnerInputs {
  readonly groupPath: string;
  readonly runnerType: "group_type";
  readonly tagList: string[];
  readonly runUntagged: boolean;
  readonly locked: boolean;
  readonly accessLevel: RunnerAccessLevel;
  /** Seconds; absent for no runner-level limit. */
  readonly maximumTimeout?: number;
  readonly description: string;
  readonly paused: boolean;
  readonly rotation: string;
  /**
   * The resource's name, written into the runner's maintenance note so that a runner whose creation answer was lost
   * can be told apart from every other runner, this stack's included.
   */
  readonly resourceName?: string;
}

/** The state of a {@link UserRunner}. */
export interface UserRunnerOutputs extends UserRunnerInputs {
  /** The group's numeric ID. */
  readonly groupId: number;
  /** The runner's ID. */
  readonly runnerId: number;
  /** The runner authentication token (`glrt-…`), returned by GitLab only at creation. */
  readonly token: string;
  /** When the token expires, or null. */
  readonly tokenExpiresAt: string | null;
}

/** The Terraform provider's floor for `maximum_timeout` (https://github.com/gitlabhq/terraform-provider-gitlab/blob/main/docs/resources/user_runner.md), which GitLab enforces too. */
const MIN_TIMEOUT_SECONDS = 600;

function needs(groupPath: string): string {
  // POST /user/runners needs Owner of the target group (https://docs.gitlab.com/api/users/#create-a-runner-linked-to-a-user).
  return `the Owner role in group '${groupPath}'`;
}

function identify(inputs: Pick<UserRunnerInputs, "groupPath" | "description">): string {
  return `UserRunner '${inputs.description}' in '${inputs.groupPath}'`;
}

/**
 * The maintenance note of the runner these inputs make: it marks the runner as this stack's, names the resource and
 * the rotation, and is what a lookup after a lost creation answer matches on, so that no runner registered by hand,
 * no other record of the stack and no record this one is replacing is ever taken over.
 */
export function runnerNote(inputs: Pick<UserRunnerInputs, "resourceName" | "rotation">): string {
  return (
    `Managed by Pulumi (Foundation group stack): runner record '${inputs.resourceName ?? ""}', rotation ` +
    `'${inputs.rotation}'. Change it through the stack's config, not here.`
  );
}

function attributes(inputs: UserRunnerInputs): RunnerAttributes {
  return {
    description: inputs.description,
    paused: inputs.paused,
    locked: inputs.locked,
    runUntagged: inputs.runUntagged,
    tagList: inputs.tagList,
    accessLevel: inputs.accessLevel,
    ...(inputs.maximumTimeout === undefined ? {} : { maximumTimeout: inputs.maximumTimeout }),
    maintenanceNote: runnerNote(inputs),
  };
}

const sameTags = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify([...new Set(a)].sort()) === JSON.stringify([...new Set(b)].sort());

/**
 * Runners of the group that a creation with these inputs made and nobody has used: owned by the group itself, with
 * exactly this description, tag set and maintenance note, and never contacted. A runner whose creation answer was
 * lost cannot have been used, since nobody ever held its token; one that has been used is someone else's.
 */
export async function findUnclaimedRunners(
  api: GitlabApi,
  groupId: number,
  inputs: UserRunnerInputs,
): Promise<ApiRunner[]> {
  const listed = await api.listGroupRunners(groupId, { tagList: inputs.tagList, neverContacted: true });
  const found: ApiRunner[] = [];
  for (const candidate of listed.filter((r) => r.description === inputs.description)) {
    const runner = await api.showRunner(candidate.id);
    if (
      runner !== undefined &&
      (runner.groups ?? []).some((g) => g.id === groupId) &&
      sameTags(runner.tag_list ?? [], inputs.tagList) &&
      runner.maintenance_note === runnerNote(inputs) &&
      (runner.status === undefined || runner.status === "never_contacted")
    ) {
      found.push(runner);
    }
  }
  return found;
}

/**
 * Takes over the one unclaimed runner: brings its attributes to the inputs and resets its authentication token
 * (https://docs.gitlab.com/api/runners/#reset-runners-authentication-token-by-using-the-runner-id), since GitLab
 * showed the first token only in the answer that was lost; the reset makes that token useless and gives the stack
 * a live one. More than one is an operator's decision, refused with their IDs.
 */
async function claim(
  api: GitlabApi,
  groupId: number,
  inputs: UserRunnerInputs,
  found: readonly ApiRunner[],
): Promise<{ id: string; outs: UserRunnerOutputs }> {
  if (found.length > 1) {
    const ids = found.map((r) => r.id).join(", ");
    throw new Error(
      `${identify(inputs)}: ${found.length} runners of group '${inputs.groupPath}' match it (IDs ${ids}): ` +
        `creations whose answers were lost made them, and each holds a live token nobody has. Delete all but one ` +
        `(Settings > CI/CD > Runners, or DELETE /runners/:id), then run \`pulumi up\` again: it takes the remaining ` +
        `one over with a new token`,
    );
  }
  const runner = found[0];
  await api.editRunner(runner.id, attributes(inputs));
  const reset = await api.resetRunnerToken(runner.id);
  return {
    id: String(runner.id),
    outs: { ...inputs, groupId, runnerId: runner.id, token: reset.token, tokenExpiresAt: reset.tokenExpiresAt },
  };
}

/**
 * After a creation whose answer was lost: looks for the runner as the retry policy backs off, and never sends the
 * POST again, because GitLab does not keep runners unique and a second one would hold a live token nobody has.
 */
async function recoverLostCreation(
  api: GitlabApi,
  groupId: number,
  inputs: UserRunnerInputs,
  lost: GitlabHttpError,
): Promise<{ id: string; outs: UserRunnerOutputs }> {
  let attempt = 1;
  for (; await api.backoff(attempt); attempt++) {
    const found = await findUnclaimedRunners(api, groupId, inputs);
    if (found.length > 0) return claim(api, groupId, inputs, found);
  }
  const answer = lost.status === 0 ? "no answer" : `${lost.status} ${lost.detail}`;
  throw new Error(
    `${identify(inputs)}: GitLab's answer to the creation was lost (${answer}), and no runner with this ` +
      `description, tags and maintenance note appeared in group '${inputs.groupPath}' in ${attempt - 1} lookups. ` +
      `The creation is not sent again, because a second runner would hold a live token nobody has. Run ` +
      `\`pulumi up\` again: it looks the runner up first and, if GitLab created it after all, takes it over with ` +
      `a new token`,
  );
}

/** Check failures of runner inputs; unknown values pass until they are known. */
export function checkUserRunner(news: Partial<UserRunnerInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const known = (value: unknown) => !isUnknown(value);
  if (known(news.groupPath) && (!isText(news.groupPath) || /^\/|\/$/.test(news.groupPath))) {
    failures.push({ property: "groupPath", reason: "groupPath must be the group's full path, e.g. 'mson/infra'" });
  }
  if (known(news.runnerType) && news.runnerType !== "group_type") {
    failures.push({
      property: "runnerType",
      reason: "runnerType must be 'group_type': this stack makes group runners",
    });
  }
  const tags = news.tagList;
  if (known(tags) && !(Array.isArray(tags) && tags.every((tag) => isText(tag) && !tag.includes(",")))) {
    failures.push({ property: "tagList", reason: "tagList must be a list of non-empty tags without commas" });
  }
  if (Array.isArray(tags) && tags.length === 0 && news.runUntagged === false) {
    failures.push({
      property: "runUntagged",
      reason: "a runner with no tags and runUntagged false can never pick up a job; add tags or set runUntagged",
    });
  }
  for (const flag of ["runUntagged", "locked", "paused"] as const) {
    if (known(news[flag]) && typeof news[flag] !== "boolean") {
      failures.push({ property: flag, reason: `${flag} must be true or false` });
    }
  }
  if (known(news.accessLevel) && news.accessLevel !== "not_protected" && news.accessLevel !== "ref_protected") {
    failures.push({ property: "accessLevel", reason: "accessLevel must be 'not_protected' or 'ref_protected'" });
  }
  const timeout = news.maximumTimeout;
  if (
    timeout !== undefined &&
    known(timeout) &&
    !(typeof timeout === "number" && Number.isInteger(timeout) && timeout >= MIN_TIMEOUT_SECONDS)
  ) {
    failures.push({
      property: "maximumTimeout",
      reason: `maximumTimeout must be a whole number of seconds, at least ${MIN_TIMEOUT_SECONDS}; got ${timeout}`,
    });
  }
  if (known(news.description) && typeof news.description !== "string") {
    failures.push({ property: "description", reason: "description must be a string" });
  }
  if (known(news.rotation) && typeof news.rotation !== "string") {
    failures.push({ property: "rotation", reason: "rotation must be a string; change it to rotate the token" });
  }
  if (news.resourceName !== undefined && known(news.resourceName) && !isText(news.resourceName)) {
    failures.push({ property: "resourceName", reason: "resourceName must be the resource's name" });
  }
  return failures;
}

/**
 * Creates the group runner with `POST /user/runners`; its token comes back only in this answer. The runner is looked
 * up first ({@link findUnclaimedRunners}): one an earlier run created but never heard back about is taken over with
 * a new token instead of a second one being made. The POST is never resent: after a lost answer the runner is
 * looked for again, and taken over if GitLab made it.
 */
export async function createUserRunner(
  api: GitlabApi,
  inputs: UserRunnerInputs,
): Promise<{ id: string; outs: UserRunnerOutputs }> {
  return withAccess(identify(inputs), needs(inputs.groupPath), async () => {
    const groupId = await api.groupId(inputs.groupPath);
    const unclaimed = await findUnclaimedRunners(api, groupId, inputs);
    if (unclaimed.length > 0) return claim(api, groupId, inputs, unclaimed);
    let created: Awaited<ReturnType<GitlabApi["createGroupRunner"]>>;
    try {
      created = await api.createGroupRunner(groupId, attributes(inputs));
    } catch (error) {
      if (isAmbiguous(error)) return recoverLostCreation(api, groupId, inputs, error);
      throw error;
    }
    return {
      id: String(created.id),
      outs: { ...inputs, groupId, runnerId: created.id, token: created.token, tokenExpiresAt: created.tokenExpiresAt },
    };
  });
}

/** Reads the runner back (keeping the token, which GitLab never shows again); an empty ID means it is gone. */
export async function readUserRunner(
  api: GitlabApi,
  id: string,
  props: UserRunnerOutputs,
): Promise<{ id: string; props: Partial<UserRunnerOutputs> }> {
  return withAccess(identify(props), needs(props.groupPath), async () => {
    const runner: ApiRunner | undefined = await api.showRunner(Number(id));
    if (!runner) return { id: "", props: {} };
    return {
      id,
      props: {
        ...props,
        description: runner.description,
        paused: runner.paused,
        locked: runner.locked,
        runUntagged: runner.run_untagged,
        tagList: runner.tag_list ?? [],
        accessLevel: runner.access_level as RunnerAccessLevel,
        ...(runner.maximum_timeout === null ? {} : { maximumTimeout: runner.maximum_timeout }),
      },
    };
  });
}

/** Updates tags, flags, access level, timeout and description in place (`PUT /runners/:id`). */
export async function updateUserRunner(
  api: GitlabApi,
  id: string,
  olds: UserRunnerOutputs,
  news: UserRunnerInputs,
): Promise<{ outs: UserRunnerOutputs }> {
  return withAccess(identify(news), needs(news.groupPath), async () => {
    try {
      await api.editRunner(Number(id), attributes(news));
    } catch (error) {
      throw isHttpError(error, 404) ? goneError(`${identify(olds)} (runner ${id})`) : error;
    }
    return { outs: { ...olds, ...news } };
  });
}

/** Deletes the runner, which revokes its token; one already gone counts as deleted. */
export async function deleteUserRunner(api: GitlabApi, id: string, props: UserRunnerOutputs): Promise<void> {
  await withAccess(identify(props), needs(props.groupPath), () => api.deleteRunner(Number(id)));
}

/**
 * The dynamic provider. Group, runner type and `rotation` replace the runner (a new runner, so a new token; the
 * old one is deleted after, which revokes its token); everything else is `PUT /runners/:id`. The resource name only
 * marks the runner at creation. The connection is read from the environment in each method.
 */
export const userRunnerProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: UserRunnerOutputs, news: UserRunnerInputs) {
    return { inputs: news, failures: checkUserRunner(news) };
  },
  async diff(_id: string, olds: UserRunnerOutputs, news: UserRunnerInputs) {
    return diffFields<UserRunnerInputs>(
      olds,
      news,
      ["groupPath", "runnerType", "rotation"],
      ["tagList", "runUntagged", "locked", "accessLevel", "maximumTimeout", "description", "paused"],
    );
  },
  async create(inputs: UserRunnerInputs) {
    return createUserRunner(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(id: string, props: UserRunnerOutputs) {
    return readUserRunner(gitlabApi(connectionFromEnv()), id, props);
  },
  async update(id: string, olds: UserRunnerOutputs, news: UserRunnerInputs) {
    return updateUserRunner(gitlabApi(connectionFromEnv()), id, olds, news);
  },
  async delete(id: string, props: UserRunnerOutputs) {
    await deleteUserRunner(gitlabApi(connectionFromEnv()), id, props);
  },
};

/** Arguments of {@link UserRunner}. */
export interface UserRunnerArgs {
  /** Full path of the group the runner belongs to. */
  readonly groupPath: pulumi.Input<string>;
  /** Job tags the runner picks up. */
  readonly tagList: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Also pick up jobs without tags.
   * @default false
   */
  readonly runUntagged?: pulumi.Input<boolean>;
  /**
   * Lock the runner to its current projects (meaningful for project runners; kept for completeness).
   * @default false
   */
  readonly locked?: pulumi.Input<boolean>;
  /**
   * `ref_protected` to run only jobs of protected branches and tags.
   * @default "not_protected"
   */
  readonly accessLevel?: pulumi.Input<RunnerAccessLevel>;
  /** Longest job in seconds (at least 600); no runner-level limit when absent. */
  readonly maximumTimeout?: pulumi.Input<number>;
  /** Shown in GitLab's runner list; say where the runner runs. */
  readonly description: pulumi.Input<string>;
  /**
   * Create the runner paused.
   * @default false
   */
  readonly paused?: pulumi.Input<boolean>;
  /**
   * Any string; changing it replaces the runner, which rotates its token.
   * @default ""
   */
  readonly rotation?: pulumi.Input<string>;
}

/**
 * A group runner record created with `POST /user/runners` (the authentication-token workflow). Its token is a
 * secret output: `additionalSecretOutputs: ["token"]` is added to the caller's options. Type
 * `pulumi-nodejs:dynamic/gitlab:UserRunner`.
 */
export class UserRunner extends pulumi.dynamic.Resource {
  /** The runner's ID. */
  declare readonly runnerId: pulumi.Output<number>;
  /** The runner authentication token (`glrt-…`); secret. */
  declare readonly token: pulumi.Output<string>;
  /** When the token expires, or null. */
  declare readonly tokenExpiresAt: pulumi.Output<string | null>;

  constructor(name: string, args: UserRunnerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(userRunnerProvider, __filename, "userRunnerProvider"),
      name,
      {
        groupPath: args.groupPath,
        runnerType: "group_type",
        tagList: args.tagList,
        runUntagged: args.runUntagged ?? false,
        locked: args.locked ?? false,
        accessLevel: args.accessLevel ?? "not_protected",
        maximumTimeout: args.maximumTimeout,
        description: args.description,
        paused: args.paused ?? false,
        rotation: args.rotation ?? "",
        resourceName: name,
        groupId: undefined,
        runnerId: undefined,
        token: undefined,
        tokenExpiresAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
      "gitlab",
      "UserRunner",
    );
  }
}
