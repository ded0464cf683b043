import * as pulumi from "@pulumi/pulumi";
import { ApiDeployKey, connectionFromEnv, gitlabApi, GitlabApi, isHttpError } from "./api";
import { CheckFailure, createOnce, diffFields, goneError, isText, isUnknown, withAccess } from "./provider-support";
import { moduleProvider } from "../common/module-provider";

/** The inputs of a {@link DeployKey} as its provider sees them. */
export interface DeployKeyInputs {
  readonly projectPath: string;
  readonly title: string;
  /** OpenSSH public key (`ssh-ed25519 AAAA…`). */
  readonly key: string;
  readonly canPush: boolean;
}

/** The state of a {@link DeployKey}. */
export interface DeployKeyOutputs extends DeployKeyInputs {
  /** GitLab's ID of the deploy key. */
  readonly keyId: number;
  /** True when the project already had this exact key and this resource took it over. */
  readonly adopted: boolean;
}

const OPENSSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( .*)?$/;

function needs(projectPath: string): string {
  return `the Maintainer role (or higher) in project '${projectPath}'`;
}

function identify(inputs: Pick<DeployKeyInputs, "projectPath" | "title">): string {
  return `DeployKey '${inputs.title}' on '${inputs.projectPath}'`;
}

/** Type and key material, without the comment or line end: what identifies a public key. */
export function keyMaterial(key: string): string {
  return key.trim().split(/\s+/).slice(0, 2).join(" ");
}

/** Check failures of deploy key inputs; unknown values pass until they are known. */
export function checkDeployKey(news: Partial<DeployKeyInputs>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const known = (value: unknown) => !isUnknown(value);
  if (known(news.projectPath) && (!isText(news.projectPath) || !news.projectPath.includes("/"))) {
    failures.push({
      property: "projectPath",
      reason: "projectPath must be the project's full path, e.g. 'mson/infra/gitops'",
    });
  }
  if (known(news.title) && !isText(news.title)) {
    failures.push({ property: "title", reason: "title must be a non-empty string" });
  }
  if (known(news.key) && !(typeof news.key === "string" && OPENSSH_PUBLIC_KEY.test(news.key.trim()))) {
    failures.push({
      property: "key",
      reason: "key must be one OpenSSH public key line, e.g. a @pulumi/tls PrivateKey's publicKeyOpenssh",
    });
  }
  if (known(news.canPush) && typeof news.canPush !== "boolean") {
    failures.push({ property: "canPush", reason: "canPush must be true or false" });
  }
  return failures;
}

/**
 * Adds the deploy key to the project. When the project already has this exact key (an earlier run that failed
 * before recording it), that key is taken over: whoever holds its private key is this stack.
 */
export async function createDeployKey(
  api: GitlabApi,
  inputs: DeployKeyInputs,
): Promise<{ id: string; outs: DeployKeyOutputs }> {
  return withAccess(identify(inputs), needs(inputs.projectPath), async () => {
    const material = keyMaterial(inputs.key);
    const withMaterial = async () =>
      (await api.listDeployKeys(inputs.projectPath)).find((k) => keyMaterial(k.key) === material);
    const existing = await withMaterial();
    let key: ApiDeployKey;
    if (existing) {
      key =
        existing.title === inputs.title && existing.can_push === inputs.canPush
          ? existing
          : await api.editDeployKey(inputs.projectPath, existing.id, inputs.title, inputs.canPush);
    } else {
      // A project holds a key's fingerprint once (400 "has already been taken"), so an answer lost to a 5xx is
      // resolved by looking the key up.
      key = await createOnce(api, {
        create: () => api.createDeployKey(inputs.projectPath, inputs.title, material, inputs.canPush),
        find: withMaterial,
        isConflict: (error) => isHttpError(error, 400) && error.detail.includes("already been taken"),
      });
    }
    return { id: String(key.id), outs: { ...inputs, keyId: key.id, adopted: existing !== undefined } };
  });
}

/** Reads the key back; an empty ID tells the engine it is gone. */
export async function readDeployKey(
  api: GitlabApi,
  id: string,
  props: DeployKeyOutputs,
): Promise<{ id: string; props: Partial<DeployKeyOutputs> }> {
  return withAccess(identify(props), needs(props.projectPath), async () => {
    const key = await api.showDeployKey(props.projectPath, Number(id));
    if (!key) return { id: "", props: {} };
    return { id, props: { ...props, title: key.title, canPush: key.can_push ?? false } };
  });
}

/** Changes the title or push access in place. */
export async function updateDeployKey(
  api: GitlabApi,
  id: string,
  olds: DeployKeyOutputs,
  news: DeployKeyInputs,
): Promise<{ outs: DeployKeyOutputs }> {
  return withAccess(identify(news), needs(news.projectPath), async () => {
    try {
      await api.editDeployKey(news.projectPath, Number(id), news.title, news.canPush);
    } catch (error) {
      throw isHttpError(error, 404) ? goneError(`${identify(olds)} (ID ${id})`) : error;
    }
    return { outs: { ...olds, ...news } };
  });
}

/** Removes the key from the project; one already gone counts as removed. */
export async function deleteDeployKey(api: GitlabApi, id: string, props: DeployKeyOutputs): Promise<void> {
  await withAccess(identify(props), needs(props.projectPath), () => api.deleteDeployKey(props.projectPath, Number(id)));
}

/**
 * The dynamic provider. A new project or key replaces the deploy key (the new key is added before the old one is
 * removed, so the repository stays reachable); title and push access update in place. The connection is read from the
 * environment in each method.
 */
export const deployKeyProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: DeployKeyOutputs, news: DeployKeyInputs) {
    return { inputs: news, failures: checkDeployKey(news) };
  },
  async diff(_id: string, olds: DeployKeyOutputs, news: DeployKeyInputs) {
    const normalized = { ...news, key: isUnknown(news.key) ? news.key : keyMaterial(news.key) };
    return diffFields<DeployKeyInputs>(
      { ...olds, key: keyMaterial(olds.key ?? "") },
      normalized,
      ["projectPath", "key"],
      ["title", "canPush"],
    );
  },
  async create(inputs: DeployKeyInputs) {
    return createDeployKey(gitlabApi(connectionFromEnv()), inputs);
  },
  async read(id: string, props: DeployKeyOutputs) {
    return readDeployKey(gitlabApi(connectionFromEnv()), id, props);
  },
  async update(id: string, olds: DeployKeyOutputs, news: DeployKeyInputs) {
    return updateDeployKey(gitlabApi(connectionFromEnv()), id, olds, news);
  },
  async delete(id: string, props: DeployKeyOutputs) {
    await deleteDeployKey(gitlabApi(connectionFromEnv()), id, props);
  },
};

/** Arguments of {@link DeployKey}. */
export interface DeployKeyArgs {
  /** Full path of the project, e.g. `mson/infra/gitops`. */
  readonly projectPath: pulumi.Input<string>;
  /** Shown in the project's deploy key list. */
  readonly title: pulumi.Input<string>;
  /** OpenSSH public key line. */
  readonly key: pulumi.Input<string>;
  /**
   * Allow pushes with this key.
   * @default false
   */
  readonly canPush?: pulumi.Input<boolean>;
}

/** A project deploy key (`/projects/:id/deploy_keys`). Type `pulumi-nodejs:dynamic/gitlab:DeployKey`. */
export class DeployKey extends pulumi.dynamic.Resource {
  /** GitLab's ID of the key. */
  declare readonly keyId: pulumi.Output<number>;
  /** True when the project already had this key. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: DeployKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      moduleProvider(deployKeyProvider, __filename, "deployKeyProvider"),
      name,
      {
        projectPath: args.projectPath,
        title: args.title,
        key: args.key,
        canPush: args.canPush ?? false,
        keyId: undefined,
        adopted: undefined,
      },
      opts,
      "gitlab",
      "DeployKey",
    );
  }
}
