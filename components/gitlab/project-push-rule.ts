import * as pulumi from "@pulumi/pulumi";
import { ApiPushRule, connectionFromEnv, gitlabApi, GitlabApi, isHttpError, PushRuleAttributes } from "./api";
import {
  CheckFailure,
  createOnce,
  diffFields,
  goneError,
  isUnknown,
  projectPathFailure,
  withAccess,
} from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** The inputs of a {@link ProjectPushRule} as its provider sees them. */
export interface ProjectPushRuleInputs extends PushRuleAttributes {
  readonly projectPath: string;
}

/** The state of a {@link ProjectPushRule}. */
export interface ProjectPushRuleOutputs extends ProjectPushRuleInputs {
  /** GitLab's ID of the push rule. */
  readonly pushRuleId: number;
  /** True when the project already had a push rule and this resource took it over. */
  readonly adopted: boolean;
}

const FLAGS = [
  "denyDeleteTag",
  "memberCheck",
  "preventSecrets",
  "commitCommitterCheck",
  "rejectUnsignedCommits",
] as const;

/** What the resource's removal leaves: every setting it manages switched off. */
const SWITCHED_OFF: PushRuleAttributes = {
  denyDeleteTag: false,
  memberCheck: false,
  preventSecrets: false,
  commitCommitterCheck: false,
  rejectUnsignedCommits: false,
  maxFileSize: 0,
};

function needs(projectPath: string): string {
  // Push rules are a Premium feature managed by Maintainers: https://docs.gitlab.com/api/project_push_rules/
  return `the Maintainer role (or higher) in project '${projectPath}', on GitLab Premium or Ultimate (push rules)`;
}

function identify(inputs: Pick<ProjectPushRuleInputs, "projectPath">): string {
  return `ProjectPushRule of '${inputs.projectPath}'`;
}

function attributes(inputs: ProjectPushRuleInputs): PushRuleAttributes {
  return {
    denyDeleteTag: inputs.denyDeleteTag,
    memberCheck: inputs.memberCheck,
    preventSecrets: inputs.preventSecrets,
    commitCommitterCheck: inputs.commitCommitterCheck,
    rejectUnsignedCommits: inputs.rejectUnsignedCommits,
    maxFileSize: inputs.maxFileSize,
  };
}

/** GitLab's push rule as the settings the stack manages; a setting GitLab never set (null) is off. */
function settingsOf(rule: ApiPushRule): PushRuleAttributes {
  return {
    denyDeleteTag: rule.deny_delete_tag ?? false,
    memberCheck: rule.member_check ?? false,
    preventSecrets: rule.prevent_secrets ?? false,
    commitCommitterCheck: rule.commit_committer_check ?? false,
    rejectUnsignedCommits: rule.reject_unsigned_commits ?? false,
    maxFileSize: rule.max_file_size ?? 0,
  };
}

const differs = (rule: ApiPushRule, inputs: ProjectPushRuleInputs) =>
  JSON.stringify(settingsOf(rule)) !== JSON.stringify(attributes(inputs));

/** Check failures of push rule inputs; unknown values pass until they are known. */
export function checkProjectPushRule(news: Partial<ProjectPushRuleInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [...projectPathFailure(news.projectPath)];
  const known = (value: unknown) => !isUnknown(value);
  for (const flag of FLAGS) {
    if (known(news[flag]) && typeof news[flag] !== "boolean") {
      failures.push({ property: flag, reason: `${flag} must be true or false` });
    }
  }
  const size = news.maxFileSize;
  if (known(size) && !(typeof size === "number" && Number.isInteger(size) && size >= 0)) {
    failures.push({
      property: "maxFileSize",
      reason: `maxFileSize must be a whole number of MB, 0 for no limit; got ${JSON.stringify(size)}`,
    });
  }
  return failures;
}

/**
 * Sets the project's push rule, or takes over the one it has (a project has at most one, and GitLab may have copied
 * the instance's or the group's into it at creation) and brings it to the inputs.
 */
export async function createProjectPushRule(
  api: GitlabApi,
  inputs: ProjectPushRuleInputs,
): Promise<{ id: string; outs: ProjectPushRuleOutputs }> {
  return withAccess(identify(inputs), needs(inputs.projectPath), async () => {
    const find = () => api.showPushRule(inputs.projectPath);
    const adopt = async (rule: ApiPushRule) => {
      if (differs(rule, inputs)) await api.editPushRule(inputs.projectPath, attributes(inputs));
      return { id: String(rule.id), outs: { ...inputs, pushRuleId: rule.id, adopted: true } };
    };
    const existing = await find();
    if (existing) return adopt(existing);
    // A second push rule is refused with 422 "Project push rule exists".
    const isConflict = (error: unknown) => isHttpError(error, 422) && error.detail.includes("exists");
    try {
      const created = await createOnce(api, {
        create: () => api.createPushRule(inputs.projectPath, attributes(inputs)),
        find,
        isConflict,
      });
      return { id: String(created.id), outs: { ...inputs, pushRuleId: created.id, adopted: false } };
    } catch (error) {
      const raced = isConflict(error) ? await find() : undefined;
      if (!raced) throw error;
      return adopt(raced);
    }
  });
}

/** Reads the project's push rule back (the ID is GitLab's current one); an empty ID tells the engine it is gone. */
export async function readProjectPushRule(
  api: GitlabApi,
  props: ProjectPushRuleOutputs,
): Promise<{ id: string; props: Partial<ProjectPushRuleOutputs> }> {
  return withAccess(identify(props), needs(props.projectPath), async () => {
    const rule = await api.showPushRule(props.projectPath);
    if (!rule) return { id: "", props: {} };
    return { id: String(rule.id), props: { ...props, ...settingsOf(rule), pushRuleId: rule.id } };
  });
}

/** Changes the settings in place (`PUT /projects/:id/push_rule`). */
export async function updateProjectPushRule(
  api: GitlabApi,
  olds: ProjectPushRuleOutputs,
  news: ProjectPushRuleInputs,
): Promise<{ outs: ProjectPushRuleOutputs }> {
  return withAccess(identify(news), needs(news.projectPath), async () => {
    try {
      await api.editPushRule(news.projectPath, attributes(news));
    } catch (error) {
      throw isHttpError(error, 404) ? goneError(identify(olds)) : error;
    }
    return { outs: { ...olds, ...news } };
  });
}

/**
 * Switches off every setting the resource manages, and leaves the push rule and its other settings (regular
 * expressions someone set by hand) in place: this resource owns these six settings, not the project's whole rule.
 * A project without a push rule any more counts as done.
 */
export async function deleteProjectPushRule(api: GitlabApi, props: ProjectPushRuleOutputs): Promise<void> {
  await withAccess(identify(props), needs(props.projectPath), async () => {
    try {
      await api.editPushRule(props.projectPath, SWITCHED_OFF);
    } catch (error) {
      if (!isHttpError(error, 404)) throw error;
    }
  });
}

/**
 * The dynamic provider. The project replaces the rule (the new project's is set before the old one's settings are
 * switched off); every setting updates in place. The connection is read from the environment in each method.
 */
export const projectPushRuleProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: ProjectPushRuleOutputs, news: ProjectPushRuleInputs) {
    return { inputs: news, failures: checkProjectPushRule(news) };
  },
  async diff(_id: string, olds: ProjectPushRuleOutputs, news: ProjectPushRuleInputs) {
    return diffFields<ProjectPushRuleInputs>(olds, news, ["projectPath"], [...FLAGS, "maxFileSize"]);
  },
  async create(inputs: ProjectPushRuleInputs) {
    return createProjectPushRule(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(_id: string, props: ProjectPushRuleOutputs) {
    return readProjectPushRule(gitlabApi(connectionFromEnv()), props);
  },
  async update(_id: string, olds: ProjectPushRuleOutputs, news: ProjectPushRuleInputs) {
    return updateProjectPushRule(gitlabApi(connectionFromEnv()), olds, news);
  },
  async delete(_id: string, props: ProjectPushRuleOutputs) {
    await deleteProjectPushRule(gitlabApi(connectionFromEnv()), props);
  },
};

/** Arguments of {@link ProjectPushRule}. */
export interface ProjectPushRuleArgs {
  /** Full path of the project, e.g. `mson/foundation`. */
  readonly projectPath: pulumi.Input<string>;
  /**
   * Refuse the deletion of tags with `git push`.
   * @default true
   */
  readonly denyDeleteTag?: pulumi.Input<boolean>;
  /**
   * Refuse commits whose author (email) is not a GitLab user.
   * @default true
   */
  readonly memberCheck?: pulumi.Input<boolean>;
  /**
   * Refuse files that are likely to contain secrets (keys, tokens, credentials files).
   * @default true
   */
  readonly preventSecrets?: pulumi.Input<boolean>;
  /**
   * Refuse commits whose committer email is not one of the pusher's own verified emails.
   * @default true
   */
  readonly commitCommitterCheck?: pulumi.Input<boolean>;
  /**
   * Refuse commits that are not signed.
   * @default true
   */
  readonly rejectUnsignedCommits?: pulumi.Input<boolean>;
  /**
   * Largest file a push may add, in MB; 0 for no limit.
   * @default 0
   */
  readonly maxFileSize?: pulumi.Input<number>;
}

/**
 * The push rule of a project (`/projects/:id/push_rule`, one per project, Premium). Adopts the project's existing
 * rule. Type `pulumi-nodejs:dynamic/gitlab:ProjectPushRule`.
 */
export class ProjectPushRule extends pulumi.dynamic.Resource {
  /** GitLab's ID of the push rule. */
  declare readonly pushRuleId: pulumi.Output<number>;
  /** True when the project's existing rule was taken over. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: ProjectPushRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(projectPushRuleProvider, __filename, "projectPushRuleProvider"),
      name,
      {
        projectPath: args.projectPath,
        denyDeleteTag: args.denyDeleteTag ?? true,
        memberCheck: args.memberCheck ?? true,
        preventSecrets: args.preventSecrets ?? true,
        commitCommitterCheck: args.commitCommitterCheck ?? true,
        rejectUnsignedCommits: args.rejectUnsignedCommits ?? true,
        maxFileSize: args.maxFileSize ?? 0,
        pushRuleId: undefined,
        adopted: undefined,
      },
      opts,
      "gitlab",
      "ProjectPushRule",
    );
  }
}
