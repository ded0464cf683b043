/** Configuration of the `group` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { labelSetProblems } from "../../components/gitlab/standard-labels";
import { commonShape, httpsUrl, loadConfig, text } from "../configuration";
import { GRAPH } from "../graph";
import { dockerRunnerSchema } from "./outputs";

const PROJECT_PATH = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)+$/;

const labelSchema = z.object({ name: text(), color: text(), description: text() }).strict();

/** One group CI/CD variable set from config (the values Foundation's stacks do not produce, such as tokens). */
const variableSchema = z
  .object({
    /** Variable name. */
    key: z.string().regex(/^[A-Za-z0-9_]{1,255}$/, { error: "must be 1 to 255 letters, digits or '_'" }),
    /** The value; give it as a `secure:` value (`pulumi config set --secret`): it is stored as a secret anyway. */
    value: z.string().min(1, { error: "must not be empty" }),
    masked: z.boolean().default(true),
    protected: z.boolean().default(true),
    raw: z.boolean().default(true),
    environmentScope: z.string().min(1).default("*"),
    variableType: z.enum(["env_var", "file"]).default("env_var"),
    description: z.string().default(""),
  })
  .strict();

/** The `group` stack's config schema; `Pulumi.group.yaml` documents every key. */
export const groupConfigSchema = z
  .object({
    ...commonShape(GRAPH.group.needs),
    gitlab: z
      .object({
        /** Base URL of the GitLab instance; the API token comes from the environment (GITLAB_TOKEN), never config. */
        url: httpsUrl(),
        /** Full path of the group Foundation manages. */
        groupPath: z.string().regex(/^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)*$/, {
          error: "must be a GitLab group path such as mson or mson/platform",
        }),
      })
      .strict(),
    /** Edits to the standard label set (components/gitlab/standard-labels.ts). */
    labels: z
      .object({
        /** Promote same-named project labels to the group label before adopting it. */
        promote: z.boolean().default(true),
        add: z.array(labelSchema).default([]),
        override: z
          .array(z.object({ name: text(), color: text().optional(), description: text().optional() }).strict())
          .default([]),
        drop: z.array(text()).default([]),
        scopes: z.array(text()).default([]),
      })
      .strict()
      .default({ promote: true, add: [], override: [], drop: [], scopes: [] }),
    /** Group variables beyond those published from the `aws` stack's outputs. */
    variables: z.array(variableSchema).default([]),
    /** The runner manager host's docker-executor runners; the pools' records come from the `aws` stack. */
    runners: z
      .object({
        local: dockerRunnerSchema,
        deploy: dockerRunnerSchema,
        /** Longest job any runner record accepts, in seconds. */
        maximumTimeout: z.number().int().min(600, { error: "must be at least 600 seconds" }).optional(),
        /** Per-runner rotation marks: change one to replace that runner's record and so rotate its token. */
        rotation: z.record(z.string(), z.string()).default({}),
      })
      .strict(),
    /** The GitOps repository Flux reconciles, and its deploy key. */
    gitops: z
      .object({
        /** Full path of the repository project. */
        projectPath: z.string().regex(PROJECT_PATH, { error: "must be a project's full path, e.g. mson/gitops" }),
        /** Let the key push (Flux image automation needs it; plain reconciliation does not). */
        canPush: z.boolean().default(false),
        /** SSH clone URL; default `ssh://git@<GitLab host>/<projectPath>.git`. */
        repositoryUrl: z
          .string()
          .regex(/^ssh:\/\/[^\s@/]+@[^\s/]+\/\S+\.git$/, {
            error: "must be an ssh:// clone URL, e.g. ssh://git@gitlab.example.com:2222/mson/gitops.git",
          })
          .optional(),
      })
      .strict(),
  })
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    for (const problem of labelSetProblems(config.labels)) issue(["labels"], problem);
    const { local, deploy } = config.runners;
    if (local.name === deploy.name) {
      issue(["runners", "deploy", "name"], `'${deploy.name}' is the local runner's name too; give each its own`);
    }
    if (!deploy.protectedOnly) {
      issue(
        ["runners", "deploy", "protectedOnly"],
        "the deploy runner holds deploy credentials: set it to true so only protected branches and tags use it",
      );
    }
    config.variables.forEach((variable, i) => {
      const twin = config.variables.findIndex(
        (other) => other.key === variable.key && other.environmentScope === variable.environmentScope,
      );
      if (twin !== i) {
        issue(
          ["variables", i, "key"],
          `'${variable.key}' with environment scope '${variable.environmentScope}' is also variables[${twin}]; ` +
            "keep one or give them different environment scopes",
        );
      }
      if (variable.key in PUBLISHED_VARIABLES) {
        issue(["variables", i, "key"], `'${variable.key}' is published from the aws stack's outputs; remove it here`);
      }
    });
  });

/** One variable published from an `aws` stack output. */
export interface PublishedVariable {
  /** The `aws` output it carries. */
  readonly output: "region" | "stateBackendUrl" | "secretsProviderUrl" | "previewRoleArn" | "deployRoleArn";
  readonly description: string;
  /** Only protected refs see it. */
  readonly protected: boolean;
}

/**
 * The variables every pipeline reads, published from the `aws` stack's outputs by name; config may not set them too.
 * `PULUMI_BACKEND_URL` is the variable the Pulumi CLI itself reads, so jobs need no `pulumi login`. The deploy role
 * ARN is protected: merge request pipelines never see it, and the role's trust policy refuses their tokens anyway
 * (components/aws/gitlab-oidc.ts).
 */
export const PUBLISHED_VARIABLES: Readonly<Record<string, PublishedVariable>> = {
  AWS_REGION: {
    output: "region",
    description: "Region of the landing zone and the state backend (aws stack).",
    protected: false,
  },
  PULUMI_BACKEND_URL: { output: "stateBackendUrl", description: "The S3 state backend (aws stack).", protected: false },
  FOUNDATION_SECRETS_PROVIDER: {
    output: "secretsProviderUrl",
    description: "The KMS secrets provider of new stacks (aws stack).",
    protected: false,
  },
  FOUNDATION_PREVIEW_ROLE_ARN: {
    output: "previewRoleArn",
    description: "The role merge request previews assume (aws stack).",
    protected: false,
  },
  FOUNDATION_DEPLOY_ROLE_ARN: {
    output: "deployRoleArn",
    description: "The role deploys assume (aws stack).",
    protected: true,
  },
};

/** The validated `group` config. */
export type GroupConfig = z.infer<typeof groupConfigSchema>;

/** Loads and validates the running stack's config. */
export function groupConfig(): GroupConfig {
  return loadConfig("group", groupConfigSchema);
}
