import * as pulumi from "@pulumi/pulumi";
import { ApiVariable, connectionFromEnv, gitlabApi, GitlabApi, isHttpError, VariableAttributes } from "./api";
import { CheckFailure, createOnce, diffFields, goneError, isText, isUnknown, withAccess } from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** `env_var` (the value in an environment variable) or `file` (the value in a file whose path is the variable). */
export type VariableType = "env_var" | "file";

/** The inputs of a {@link GroupVariable} as its provider sees them (the value arrives unwrapped). */
export interface GroupVariableInputs {
  readonly groupPath: string;
  readonly key: string;
  readonly value: string;
  readonly masked: boolean;
  readonly protected: boolean;
  readonly raw: boolean;
  readonly variableType: VariableType;
  readonly environmentScope: string;
  readonly description: string;
}

/** GitLab's key rule (group_level_variables.md): letters, digits and `_`, at most 255. */
const KEY = /^[A-Za-z0-9_]{1,255}$/;
/**
 * What a masked value may contain (https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable): at least 8 characters from the Base64 alphabets of RFC 4648
 * plus `@ : . ~`, no whitespace. GitLab checks again on create.
 */
const MASKABLE = /^[A-Za-z0-9+/=_\-@:.~]{8,}$/;

function needs(groupPath: string): string {
  return `the Owner role in group '${groupPath}' (group CI/CD variables are managed by Owners)`;
}

function identify(inputs: Pick<GroupVariableInputs, "groupPath" | "key" | "environmentScope">): string {
  return `GroupVariable '${inputs.key}' (environment scope '${inputs.environmentScope}') in '${inputs.groupPath}'`;
}

function attributes(inputs: GroupVariableInputs): VariableAttributes {
  return {
    value: inputs.value,
    variableType: inputs.variableType,
    protected: inputs.protected,
    masked: inputs.masked,
    raw: inputs.raw,
    environmentScope: inputs.environmentScope,
    description: inputs.description,
  };
}

/** True when GitLab's variable has exactly the configured value and attributes. */
function sameVariable(found: ApiVariable, inputs: GroupVariableInputs): boolean {
  return (
    found.value === inputs.value &&
    found.variable_type === inputs.variableType &&
    found.protected === inputs.protected &&
    found.masked === inputs.masked &&
    found.raw === inputs.raw &&
    (found.description ?? "") === inputs.description
  );
}

/** Check failures of group variable inputs; unknown values pass until they are known. Never quotes the value. */
export function checkGroupVariable(news: Partial<GroupVariableInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const known = (value: unknown) => !isUnknown(value);
  if (known(news.groupPath) && (!isText(news.groupPath) || /^\/|\/$/.test(news.groupPath))) {
    failures.push({ property: "groupPath", reason: "groupPath must be the group's full path, e.g. 'mson/infra'" });
  }
  if (known(news.key) && !(typeof news.key === "string" && KEY.test(news.key))) {
    failures.push({
      property: "key",
      reason: `key '${news.key}' must be 1 to 255 letters, digits or '_', e.g. 'AWS_DEPLOY_ROLE_ARN'`,
    });
  }
  if (known(news.value) && typeof news.value !== "string") {
    failures.push({ property: "value", reason: "value must be a string" });
  }
  if (news.masked === true && typeof news.value === "string" && known(news.value) && !MASKABLE.test(news.value)) {
    failures.push({
      property: "value",
      reason:
        "a masked value must be at least 8 characters of A-Z a-z 0-9 + / = _ - @ : . ~ with no spaces or " +
        "newlines; change the value or set masked to false",
    });
  }
  for (const flag of ["masked", "protected", "raw"] as const) {
    if (known(news[flag]) && typeof news[flag] !== "boolean") {
      failures.push({ property: flag, reason: `${flag} must be true or false` });
    }
  }
  if (known(news.variableType) && news.variableType !== "env_var" && news.variableType !== "file") {
    failures.push({ property: "variableType", reason: `variableType must be 'env_var' or 'file'` });
  }
  if (known(news.environmentScope) && !isText(news.environmentScope)) {
    failures.push({ property: "environmentScope", reason: "environmentScope must be '*' or an environment name" });
  }
  if (known(news.description) && !(typeof news.description === "string" && news.description.length <= 255)) {
    failures.push({ property: "description", reason: "description must be a string of at most 255 characters" });
  }
  return failures;
}

/**
 * Creates the variable. One that already exists with this key and scope is not taken over: its value may belong to
 * someone else, and a silent overwrite of a protected value is a security change.
 */
export async function createGroupVariable(
  api: GitlabApi,
  inputs: GroupVariableInputs,
): Promise<{ id: string; outs: GroupVariableInputs }> {
  const what = identify(inputs);
  return withAccess(what, needs(inputs.groupPath), async () => {
    const refuse = () =>
      new Error(
        `${what} already exists; delete it in GitLab (group Settings > CI/CD > Variables) so this stack can ` +
          `create it with the configured value, or remove it from this stack's config`,
      );
    if (await api.showGroupVariable(inputs.groupPath, inputs.key, inputs.environmentScope)) throw refuse();
    // GitLab answers 400 "has already been taken" (409 on some versions) when the variable exists.
    const isConflict = (error: unknown) =>
      isHttpError(error, 409) || (isHttpError(error, 400) && error.detail.includes("already been taken"));
    try {
      await createOnce(api, {
        create: () => api.createGroupVariable(inputs.groupPath, inputs.key, attributes(inputs)),
        // After an answer lost to a 5xx, the variable found with exactly this value and these flags is the one
        // this POST made; any other is someone else's, and refused below.
        find: async () => {
          const found = await api.showGroupVariable(inputs.groupPath, inputs.key, inputs.environmentScope);
          return found && sameVariable(found, inputs) ? found : undefined;
        },
        isConflict,
      });
    } catch (error) {
      // Another run created it between the lookup and the POST.
      if (isConflict(error)) throw refuse();
      throw error;
    }
    return { id: `${inputs.groupPath}:${inputs.key}:${inputs.environmentScope}`, outs: inputs };
  });
}

/** Reads the variable back; an empty ID tells the engine it is gone. */
export async function readGroupVariable(
  api: GitlabApi,
  id: string,
  props: GroupVariableInputs,
): Promise<{ id: string; props: Partial<GroupVariableInputs> }> {
  return withAccess(identify(props), needs(props.groupPath), async () => {
    const found: ApiVariable | undefined = await api.showGroupVariable(
      props.groupPath,
      props.key,
      props.environmentScope,
    );
    if (!found) return { id: "", props: {} };
    return {
      id,
      props: {
        ...props,
        value: found.value,
        masked: found.masked,
        protected: found.protected,
        raw: found.raw,
        variableType: found.variable_type,
        description: found.description ?? "",
      },
    };
  });
}

/**
 * Updates value and flags in place. The variable is looked up in its scope first: a PUT whose
 * `filter[environment_scope]` matches nothing falls back to a same-named variable in another scope (https://docs.gitlab.com/api/group_level_variables/).
 */
export async function updateGroupVariable(
  api: GitlabApi,
  olds: GroupVariableInputs,
  news: GroupVariableInputs,
): Promise<{ outs: GroupVariableInputs }> {
  const what = identify(news);
  return withAccess(what, needs(news.groupPath), async () => {
    if (!(await api.showGroupVariable(olds.groupPath, olds.key, olds.environmentScope))) throw goneError(what);
    try {
      await api.editGroupVariable(news.groupPath, news.key, attributes(news));
    } catch (error) {
      throw isHttpError(error, 404) ? goneError(what) : error;
    }
    return { outs: news };
  });
}

/** Deletes the variable in its scope; one that is already gone counts as deleted. */
export async function deleteGroupVariable(api: GitlabApi, props: GroupVariableInputs): Promise<void> {
  await withAccess(identify(props), needs(props.groupPath), async () => {
    // Only when it exists in this scope, for the same reason as in update.
    if (await api.showGroupVariable(props.groupPath, props.key, props.environmentScope)) {
      await api.deleteGroupVariable(props.groupPath, props.key, props.environmentScope);
    }
  });
}

/**
 * The dynamic provider. Group, key and environment scope identify the variable and replace it; value, flags, type
 * and description update in place. `raw` is always sent. The connection is read from the environment in each method.
 */
export const groupVariableProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: GroupVariableInputs, news: GroupVariableInputs) {
    return { inputs: news, failures: checkGroupVariable(news) };
  },
  async diff(_id: string, olds: GroupVariableInputs, news: GroupVariableInputs) {
    return diffFields<GroupVariableInputs>(
      olds,
      news,
      ["groupPath", "key", "environmentScope"],
      ["value", "masked", "protected", "raw", "variableType", "description"],
    );
  },
  async create(inputs: GroupVariableInputs) {
    return createGroupVariable(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(id: string, props: GroupVariableInputs) {
    return readGroupVariable(gitlabApi(connectionFromEnv()), id, props);
  },
  async update(_id: string, olds: GroupVariableInputs, news: GroupVariableInputs) {
    return updateGroupVariable(gitlabApi(connectionFromEnv()), olds, news);
  },
  async delete(_id: string, props: GroupVariableInputs) {
    await deleteGroupVariable(gitlabApi(connectionFromEnv()), props);
  },
};

/** Arguments of {@link GroupVariable}. */
export interface GroupVariableArgs {
  /** Full path of the group, e.g. `mson/infra`. */
  readonly groupPath: pulumi.Input<string>;
  /** Variable name: letters, digits and `_`. */
  readonly key: pulumi.Input<string>;
  /** The value; kept secret in state whatever its source. */
  readonly value: pulumi.Input<string>;
  /**
   * Hide the value in job logs (it must be at least 8 Base64-alphabet characters).
   * @default false
   */
  readonly masked?: pulumi.Input<boolean>;
  /**
   * Expose the variable only to pipelines on protected branches and tags.
   * @default false
   */
  readonly protected?: pulumi.Input<boolean>;
  /**
   * Take the value literally (no `$VAR` expansion). Always sent to GitLab.
   * @default true
   */
  readonly raw?: pulumi.Input<boolean>;
  /**
   * `env_var` or `file`.
   * @default "env_var"
   */
  readonly variableType?: pulumi.Input<VariableType>;
  /**
   * The environments that see the variable (`*` for all).
   * @default "*"
   */
  readonly environmentScope?: pulumi.Input<string>;
  /**
   * What the variable is for.
   * @default ""
   */
  readonly description?: pulumi.Input<string>;
}

/**
 * A group CI/CD variable (`/groups/:id/variables`). The value is a secret input and a secret output
 * (`additionalSecretOutputs`). Type `pulumi-nodejs:dynamic/gitlab:GroupVariable`.
 */
export class GroupVariable extends pulumi.dynamic.Resource {
  /** The variable name. */
  declare readonly key: pulumi.Output<string>;
  /** The environment scope. */
  declare readonly environmentScope: pulumi.Output<string>;

  constructor(name: string, args: GroupVariableArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(groupVariableProvider, __filename, "groupVariableProvider"),
      name,
      {
        groupPath: args.groupPath,
        key: args.key,
        value: pulumi.secret(args.value),
        masked: args.masked ?? false,
        protected: args.protected ?? false,
        raw: args.raw ?? true,
        variableType: args.variableType ?? "env_var",
        environmentScope: args.environmentScope ?? "*",
        description: args.description ?? "",
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }),
      "gitlab",
      "GroupVariable",
    );
  }
}
