import * as pulumi from "@pulumi/pulumi";
import { ApiLabel, connectionFromEnv, gitlabApi, GitlabApi, isHttpError } from "./api";
import { CheckFailure, createOnce, diffFields, goneError, isText, isUnknown, withAccess } from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** The inputs of a {@link GroupLabel} as its provider sees them. */
export interface GroupLabelInputs {
  readonly groupPath: string;
  readonly name: string;
  readonly color: string;
  readonly description: string;
  readonly promote: boolean;
}

/** The state of a {@link GroupLabel}. */
export interface GroupLabelOutputs extends GroupLabelInputs {
  /** GitLab's ID of the group label. */
  readonly labelId: number;
  /** True when the label existed (or was promoted) before this resource took it over. */
  readonly adopted: boolean;
  /** What happened about promotion, in words (e.g. `promoted from mson/infra`). */
  readonly promotion: string;
}

const COLOR = /^#[0-9A-Fa-f]{6}$/;

function needs(groupPath: string): string {
  return `permission to manage labels in group '${groupPath}' (the Reporter role or higher)`;
}

function identify(inputs: Pick<GroupLabelInputs, "groupPath" | "name">): string {
  return `GroupLabel '${inputs.name}' in '${inputs.groupPath}'`;
}

/** Check failures of group label inputs; unknown values pass until they are known. */
export function checkGroupLabel(news: Partial<GroupLabelInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const known = (value: unknown) => !isUnknown(value);
  if (known(news.groupPath) && (!isText(news.groupPath) || /^\/|\/$/.test(news.groupPath))) {
    failures.push({ property: "groupPath", reason: "groupPath must be the group's full path, e.g. 'mson/infra'" });
  }
  if (known(news.name) && !isText(news.name)) {
    failures.push({ property: "name", reason: "name must be a non-empty label name, e.g. 'type::bug'" });
  }
  if (known(news.color) && !(typeof news.color === "string" && COLOR.test(news.color))) {
    failures.push({ property: "color", reason: `color '${news.color}' must be '#RRGGBB', e.g. '#D9534F'` });
  }
  if (known(news.description) && typeof news.description !== "string") {
    failures.push({ property: "description", reason: "description must be a string (empty for none)" });
  }
  if (known(news.promote) && typeof news.promote !== "boolean") {
    failures.push({ property: "promote", reason: "promote must be true or false" });
  }
  return failures;
}

/** True when GitLab's label differs from the wanted color or description. */
function drifted(label: ApiLabel, inputs: GroupLabelInputs): boolean {
  return label.color.toLowerCase() !== inputs.color.toLowerCase() || (label.description ?? "") !== inputs.description;
}

/** Brings an existing group label to the wanted color and description. */
async function adopt(api: GitlabApi, label: ApiLabel, inputs: GroupLabelInputs): Promise<ApiLabel> {
  if (!drifted(label, inputs)) return label;
  return api.editGroupLabel(inputs.groupPath, label.id, { color: inputs.color, description: inputs.description });
}

/**
 * Promotes same-named project labels when asked and possible. GitLab's promote API moves a project label to the
 * project's parent group and merges every same-named project label of that group's projects into it, keeping issue
 * and merge request links (labels.md "Promote a project label to a group label"). When the group already has the
 * label, promotion is not attempted: GitLab versions before the merge-into-existing change refuse it (400
 * "Title has already been taken"), so the existing group label is adopted and the project labels stay as they are.
 */
async function promoteIfAsked(
  api: GitlabApi,
  inputs: GroupLabelInputs,
  existing: ApiLabel | undefined,
): Promise<{ label: ApiLabel | undefined; promotion: string }> {
  if (!inputs.promote) return { label: existing, promotion: "not requested" };
  const projects = await api.projectsWithLabel(inputs.groupPath, inputs.name);
  const paths = projects.map((p) => p.path_with_namespace).join(", ");
  if (projects.length === 0) return { label: existing, promotion: "no project label to promote" };
  const refusal =
    `not promoted: group '${inputs.groupPath}' already has a label '${inputs.name}', which GitLab does not promote ` +
    `into; the project labels in ${paths} stay (promote them in each project's label list to merge them)`;
  if (existing) return { label: existing, promotion: refusal };
  try {
    const label = await api.promoteProjectLabel(projects[0].id, inputs.name);
    return { label, promotion: `promoted from ${paths}` };
  } catch (error) {
    if (!isHttpError(error, 400, 409)) throw error;
    // Someone may have created the group label in the meantime; then adopting it is right.
    const appeared = await api.findGroupLabel(inputs.groupPath, inputs.name);
    if (appeared) return { label: appeared, promotion: refusal };
    throw new Error(
      `${identify(inputs)}: GitLab refused to promote the project label of '${projects[0].path_with_namespace}' ` +
        `(${error.status} ${error.detail}); promote it by hand from that project's label list, or set promote ` +
        `to false to create a separate group label`,
    );
  }
}

/**
 * Creates the group label, or adopts the group's existing label of that name (updating its color and description),
 * promoting same-named project labels first when `promote` is set.
 */
export async function createGroupLabel(
  api: GitlabApi,
  inputs: GroupLabelInputs,
): Promise<{ id: string; outs: GroupLabelOutputs }> {
  return withAccess(identify(inputs), needs(inputs.groupPath), async () => {
    const existing = await api.findGroupLabel(inputs.groupPath, inputs.name);
    const { label: found, promotion } = await promoteIfAsked(api, inputs, existing);
    let label: ApiLabel;
    let adopted = true;
    if (found) {
      label = await adopt(api, found, inputs);
    } else {
      try {
        // A label name is unique in its group, so an answer lost to a 5xx is resolved by looking the label up.
        label = await createOnce(api, {
          create: () => api.createGroupLabel(inputs.groupPath, inputs.name, inputs.color, inputs.description),
          find: () => api.findGroupLabel(inputs.groupPath, inputs.name),
          isConflict: (error) => isHttpError(error, 409),
        });
        adopted = false;
      } catch (error) {
        // 409: created between the lookup and now; take it over like any existing label.
        const raced = isHttpError(error, 409) ? await api.findGroupLabel(inputs.groupPath, inputs.name) : undefined;
        if (!raced) throw error;
        label = await adopt(api, raced, inputs);
      }
    }
    return { id: String(label.id), outs: { ...inputs, labelId: label.id, adopted, promotion } };
  });
}

/** Reads the label back; an empty ID tells the engine it is gone. */
export async function readGroupLabel(
  api: GitlabApi,
  id: string,
  props: GroupLabelOutputs,
): Promise<{ id: string; props: Partial<GroupLabelOutputs> }> {
  return withAccess(identify(props), needs(props.groupPath), async () => {
    const label = await api.showGroupLabel(props.groupPath, Number(id));
    if (!label) return { id: "", props: {} };
    return { id, props: { ...props, name: label.name, color: label.color, description: label.description ?? "" } };
  });
}

/** Renames the label or changes its color or description in place. */
export async function updateGroupLabel(
  api: GitlabApi,
  id: string,
  olds: GroupLabelOutputs,
  news: GroupLabelInputs,
): Promise<{ outs: GroupLabelOutputs }> {
  return withAccess(identify(news), needs(news.groupPath), async () => {
    const newName = news.name === olds.name ? undefined : news.name;
    try {
      await api.editGroupLabel(news.groupPath, Number(id), {
        color: news.color,
        description: news.description,
        ...(newName === undefined ? {} : { newName }),
      });
    } catch (error) {
      if (isHttpError(error, 409)) {
        throw new Error(
          `${identify(news)}: cannot rename '${olds.name}' to '${news.name}': the group already has a label of ` +
            `that name; delete or rename that label first, or choose another name`,
        );
      }
      throw isHttpError(error, 404) ? goneError(`${identify(olds)} (ID ${id})`) : error;
    }
    return { outs: { ...olds, ...news } };
  });
}

/** Deletes the label; one that is already gone counts as deleted. */
export async function deleteGroupLabel(api: GitlabApi, id: string, props: GroupLabelOutputs): Promise<void> {
  await withAccess(identify(props), needs(props.groupPath), () => api.deleteGroupLabel(props.groupPath, Number(id)));
}

/**
 * The dynamic provider. A new group replaces the label; a new name, color or description updates it in place (the
 * label API renames with `new_name`); `promote` only matters at creation. The GitLab connection is read from the
 * environment inside each method.
 */
export const groupLabelProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: GroupLabelOutputs, news: GroupLabelInputs) {
    return { inputs: news, failures: checkGroupLabel(news) };
  },
  async diff(_id: string, olds: GroupLabelOutputs, news: GroupLabelInputs) {
    return diffFields<GroupLabelInputs>(olds, news, ["groupPath"], ["name", "color", "description"]);
  },
  async create(inputs: GroupLabelInputs) {
    return createGroupLabel(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(id: string, props: GroupLabelOutputs) {
    return readGroupLabel(gitlabApi(connectionFromEnv()), id, props);
  },
  async update(id: string, olds: GroupLabelOutputs, news: GroupLabelInputs) {
    return updateGroupLabel(gitlabApi(connectionFromEnv()), id, olds, news);
  },
  async delete(id: string, props: GroupLabelOutputs) {
    await deleteGroupLabel(gitlabApi(connectionFromEnv()), id, props);
  },
};

/** Arguments of {@link GroupLabel}. */
export interface GroupLabelArgs {
  /** Full path of the group, e.g. `mson/infra`. */
  readonly groupPath: pulumi.Input<string>;
  /** Label name, e.g. `type::bug`. */
  readonly name: pulumi.Input<string>;
  /** `#RRGGBB`. */
  readonly color: pulumi.Input<string>;
  /**
   * What the label means.
   * @default ""
   */
  readonly description?: pulumi.Input<string>;
  /**
   * Promote same-named project labels of the group's projects to this group label before adopting it.
   * @default false
   */
  readonly promote?: pulumi.Input<boolean>;
}

/**
 * A GitLab group label (`/groups/:id/labels`). Adopts the group's existing label of the same name instead of failing;
 * with `promote`, first promotes same-named project labels. Type `pulumi-nodejs:dynamic/gitlab:GroupLabel`.
 */
export class GroupLabel extends pulumi.dynamic.Resource {
  /** GitLab's ID of the label. */
  declare readonly labelId: pulumi.Output<number>;
  /** True when an existing or promoted label was taken over. */
  declare readonly adopted: pulumi.Output<boolean>;
  /** What happened about promotion, in words. */
  declare readonly promotion: pulumi.Output<string>;

  constructor(name: string, args: GroupLabelArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(groupLabelProvider, __filename, "groupLabelProvider"),
      name,
      {
        groupPath: args.groupPath,
        name: args.name,
        color: args.color,
        description: args.description ?? "",
        promote: args.promote ?? false,
        labelId: undefined,
        adopted: undefined,
        promotion: undefined,
      },
      opts,
      "gitlab",
      "GroupLabel",
    );
  }
}
