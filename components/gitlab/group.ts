import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DeployKey } from "./deploy-key";
import { GroupLabel } from "./group-label";
import { GroupVariable, VariableType } from "./group-variable";
import { StandardLabel, STANDARD_LABELS } from "./standard-labels";
import { RunnerAccessLevel, UserRunner } from "./user-runner";

/** One group CI/CD variable. */
export interface GroupVariableSpec {
  /** Variable name: letters, digits and `_`. */
  readonly key: string;
  /** The value; stored as a secret whatever its source. */
  readonly value: pulumi.Input<string>;
  /**
   * Hide the value in job logs.
   * @default false
   */
  readonly masked?: boolean;
  /**
   * Only pipelines on protected branches and tags see it (deploy-only values).
   * @default false
   */
  readonly protected?: boolean;
  /**
   * Take the value literally, without `$VAR` expansion.
   * @default true
   */
  readonly raw?: boolean;
  /**
   * The environments that see it.
   * @default "*"
   */
  readonly environmentScope?: string;
  /**
   * `env_var` or `file`.
   * @default "env_var"
   */
  readonly variableType?: VariableType;
  /**
   * What it is for.
   * @default ""
   */
  readonly description?: string;
}

/** One group runner record. */
export interface RunnerSpec {
  /** Short name, unique in the group: lower-case letters, digits and `-` (e.g. `aws-arm64`). */
  readonly name: string;
  /** Job tags it picks up. */
  readonly tagList: readonly string[];
  /**
   * Also pick up untagged jobs.
   * @default false
   */
  readonly runUntagged?: boolean;
  /**
   * Lock it to its current projects.
   * @default false
   */
  readonly locked?: boolean;
  /**
   * `ref_protected` to run only jobs of protected branches and tags.
   * @default "not_protected"
   */
  readonly accessLevel?: RunnerAccessLevel;
  /** Longest job in seconds (at least 600); no runner-level limit when absent. */
  readonly maximumTimeout?: number;
  /**
   * Shown in GitLab's runner list.
   * @default the runner's name
   */
  readonly description?: string;
  /**
   * Register it paused.
   * @default false
   */
  readonly paused?: boolean;
  /**
   * Change to any other string to replace the runner record and so rotate its token.
   * @default ""
   */
  readonly rotation?: string;
}

/** The GitOps deploy key. */
export interface DeployKeySpec {
  /** Full path of the GitOps repository project, e.g. `mson/infra/gitops`. */
  readonly projectPath: string;
  /**
   * Title in the project's deploy key list.
   * @default "flux (managed by Pulumi)"
   */
  readonly title?: string;
  /**
   * Allow pushes with the key (Flux image automation needs it; plain reconciliation does not).
   * @default false
   */
  readonly canPush?: boolean;
  /**
   * What must exist before the key is added: the project's resource when the stack creates the project
   * (gitops-repository.ts).
   * @default []
   */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** Arguments of {@link GitlabGroup}. */
export interface GitlabGroupArgs {
  /** Full path of the group, e.g. `mson`. */
  readonly groupPath: string;
  /**
   * The label set, usually `resolveLabelSet(config edits)`.
   * @default STANDARD_LABELS
   */
  readonly labels?: readonly StandardLabel[];
  /**
   * Promote same-named project labels to the group labels (merging them, issue links kept) before adopting them.
   * @default true
   */
  readonly promoteLabels?: boolean;
  /**
   * Group CI/CD variables.
   * @default []
   */
  readonly variables?: readonly GroupVariableSpec[];
  /**
   * Group runner records, one per runner manager entry.
   * @default []
   */
  readonly runners?: readonly RunnerSpec[];
  /** The GitOps repository's deploy key; its ED25519 key pair is made here. */
  readonly deployKey: DeployKeySpec;
}

const GROUP_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const VARIABLE_KEY = /^[A-Za-z0-9_]{1,255}$/;
const RUNNER_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** A resource-name-safe form of a label name: `type::bug` → `type-bug` (`::` separates URN parts). */
export function labelSlug(labelName: string): string {
  return labelName
    .trim()
    .replace(/::/g, "-")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .toLowerCase();
}

/** Every problem with the arguments, each naming the argument and the fix. */
export function gitlabGroupArgsProblems(args: GitlabGroupArgs): string[] {
  const problems: string[] = [];
  if (!GROUP_PATH.test(args.groupPath)) {
    problems.push(`groupPath '${args.groupPath}' must be the group's full path, e.g. 'mson' or 'mson/infra'`);
  }
  const slugs = new Map<string, string>();
  for (const label of args.labels ?? STANDARD_LABELS) {
    const slug = labelSlug(label.name);
    const other = slugs.get(slug);
    if (other !== undefined) {
      problems.push(
        other === label.name
          ? `labels: '${label.name}' appears twice; label names must be unique`
          : `labels: '${other}' and '${label.name}' would both be named '${slug}'; rename one`,
      );
    }
    slugs.set(slug, label.name);
  }
  const variableIds = new Set<string>();
  (args.variables ?? []).forEach((variable, i) => {
    if (!VARIABLE_KEY.test(variable.key)) {
      problems.push(`variables[${i}].key '${variable.key}' must be 1 to 255 letters, digits or '_'`);
    }
    const id = `${variable.key} ${variable.environmentScope ?? "*"}`;
    if (variableIds.has(id)) {
      problems.push(
        `variables[${i}]: '${variable.key}' with environment scope '${variable.environmentScope ?? "*"}' is ` +
          `defined twice; keep one or give them different environment scopes`,
      );
    }
    variableIds.add(id);
  });
  const runnerNames = new Set<string>();
  (args.runners ?? []).forEach((runner, i) => {
    if (!RUNNER_NAME.test(runner.name)) {
      problems.push(`runners[${i}].name '${runner.name}' must be lower-case letters, digits and '-', e.g. 'aws-arm64'`);
    }
    if (runnerNames.has(runner.name)) problems.push(`runners[${i}].name '${runner.name}' is used twice; rename one`);
    runnerNames.add(runner.name);
    if (runner.tagList.length === 0 && runner.runUntagged !== true) {
      problems.push(
        `runners[${i}] '${runner.name}': no tags and runUntagged false means it never runs a job; ` +
          `add tagList entries or set runUntagged: true`,
      );
    }
    const timeout = runner.maximumTimeout;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 600)) {
      problems.push(`runners[${i}].maximumTimeout ${timeout} must be a whole number of seconds, at least 600`);
    }
  });
  if (!GROUP_PATH.test(args.deployKey.projectPath) || !args.deployKey.projectPath.includes("/")) {
    problems.push(
      `deployKey.projectPath '${args.deployKey.projectPath}' must be the project's full path, e.g. 'mson/gitops'`,
    );
  }
  return problems;
}

/**
 * The GitLab group as code: group labels (promoting same-named project labels), group CI/CD variables, group runner
 * records with their authentication tokens, and the GitOps repository's deploy key with its key pair. Every GitLab
 * object is a dynamic resource that reads `GITLAB_URL`/`GITLAB_TOKEN` from the environment when it runs; the tls
 * key pair needs a `tls` provider among the caller's `providers`.
 */
export class GitlabGroup extends pulumi.ComponentResource {
  /** Runner authentication tokens by runner name; secret. */
  readonly runnerTokens: pulumi.Output<Record<string, string>>;
  /** Runner IDs by runner name. */
  readonly runnerIds: pulumi.Output<Record<string, number>>;
  /** Group label IDs by label name. */
  readonly labelIds: pulumi.Output<Record<string, number>>;
  /** The deploy key's private key in OpenSSH format, for the GitOps controller; secret. */
  readonly deployPrivateKey: pulumi.Output<string>;
  /** The deploy key's public key line. */
  readonly deployPublicKey: pulumi.Output<string>;

  constructor(name: string, args: GitlabGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:gitlab:Group", name, {}, opts);
    const problems = gitlabGroupArgsProblems(args);
    if (problems.length > 0) {
      throw new Error(`GitlabGroup '${name}': ${problems.join("; ")}`);
    }
    const groupPath = args.groupPath;
    const promote = args.promoteLabels ?? true;

    // Labels are kept in GitLab when they leave the config: deleting a group label strips it from every issue,
    // merge request and board list, which no later `pulumi up` can restore (docs/architecture.md, "Protection").
    const labels = (args.labels ?? STANDARD_LABELS).map(
      (label) =>
        [
          label.name,
          new GroupLabel(
            `${name}-label-${labelSlug(label.name)}`,
            { groupPath, name: label.name, color: label.color, description: label.description, promote },
            { parent: this, retainOnDelete: true },
          ),
        ] as const,
    );

    for (const variable of args.variables ?? []) {
      const scope = variable.environmentScope ?? "*";
      const suffix = scope === "*" ? "" : `-${scope.replace(/[^A-Za-z0-9._-]+/g, "-")}`;
      new GroupVariable(
        `${name}-var-${variable.key}${suffix}`,
        {
          groupPath,
          key: variable.key,
          value: variable.value,
          masked: variable.masked ?? false,
          protected: variable.protected ?? false,
          raw: variable.raw ?? true,
          environmentScope: scope,
          variableType: variable.variableType ?? "env_var",
          description: variable.description ?? "",
        },
        { parent: this },
      );
    }

    const runners = (args.runners ?? []).map(
      (runner) =>
        [
          runner.name,
          new UserRunner(
            `${name}-runner-${runner.name}`,
            {
              groupPath,
              tagList: [...runner.tagList],
              runUntagged: runner.runUntagged ?? false,
              locked: runner.locked ?? false,
              accessLevel: runner.accessLevel ?? "not_protected",
              maximumTimeout: runner.maximumTimeout,
              description: runner.description ?? runner.name,
              paused: runner.paused ?? false,
              rotation: runner.rotation ?? "",
            },
            { parent: this },
          ),
        ] as const,
    );

    const keyPair = new tls.PrivateKey(`${name}-deploy-ssh`, { algorithm: "ED25519" }, { parent: this });
    new DeployKey(
      `${name}-deploy-key`,
      {
        projectPath: args.deployKey.projectPath,
        title: args.deployKey.title ?? "flux (managed by Pulumi)",
        key: keyPair.publicKeyOpenssh,
        canPush: args.deployKey.canPush ?? false,
      },
      { parent: this, dependsOn: [...(args.deployKey.dependsOn ?? [])] },
    );

    this.runnerTokens = pulumi.secret(pulumi.all(Object.fromEntries(runners.map(([n, r]) => [n, r.token]))));
    this.runnerIds = pulumi.all(Object.fromEntries(runners.map(([n, r]) => [n, r.runnerId])));
    this.labelIds = pulumi.all(Object.fromEntries(labels.map(([n, l]) => [n, l.labelId])));
    this.deployPrivateKey = pulumi.secret(keyPair.privateKeyOpenssh);
    this.deployPublicKey = keyPair.publicKeyOpenssh;
    this.registerOutputs({
      runnerTokens: this.runnerTokens,
      runnerIds: this.runnerIds,
      labelIds: this.labelIds,
      deployPrivateKey: this.deployPrivateKey,
      deployPublicKey: this.deployPublicKey,
    });
  }
}
