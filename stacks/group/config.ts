/** Configuration of the `group` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { labelSetProblems } from "../../components/gitlab/standard-labels";
import { deployRunnerProblems, dockerRunnerProblems } from "../../components/runner/model";
import { commonShape, httpsUrl, loadConfig, secretField, text } from "../configuration";
import { GRAPH } from "../graph";
import { dockerRunnerSchema } from "./outputs";

const PROJECT_PATH = /^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)+$/;

const labelSchema = z.object({ name: text(), color: text(), description: text() }).strict();

/** What GitLab accepts as a masked variable's value (https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable). */
const MASKABLE = /^[A-Za-z0-9@:.~_\-+/=]{8,}$/;

/** One group CI/CD variable set from config (the values Foundation's stacks do not produce, such as tokens). */
const variableSchema = z
  .object({
    /** Variable name. */
    key: z.string().regex(/^[A-Za-z0-9_]{1,255}$/, { error: "must be 1 to 255 letters, digits or '_'" }),
    /** The value; give it as a `secure:` value (`pulumi config set --secret`): it is stored as a secret anyway. */
    value: secretField(z.string().min(1, { error: "must not be empty" })),
    masked: z.boolean().default(true),
    protected: z.boolean().default(true),
    raw: z.boolean().default(true),
    environmentScope: z.string().min(1).default("*"),
    variableType: z.enum(["env_var", "file"]).default("env_var"),
    description: z.string().default(""),
  })
  .strict();

/**
 * Who may push, merge or remove a protection, as config names it, and GitLab's access level for each
 * (https://docs.gitlab.com/api/protected_branches/#valid-access-levels).
 */
export const ACCESS_LEVELS = { "no-one": 0, developer: 30, maintainer: 40, admin: 60 } as const;

const ACCESS_NAMES = ["no-one", "developer", "maintainer", "admin"] as const;

/** One protected branch or wildcard of the Foundation project. */
const protectedBranchSchema = z
  .object({
    /** Branch name or wildcard; `*` matches every branch, `/` included. */
    name: z
      .string()
      .regex(/^\S+$/, { error: "must be a branch name or wildcard without spaces, e.g. main or release/*" }),
    push: z.enum(ACCESS_NAMES),
    merge: z.enum(ACCESS_NAMES),
    /** GitLab takes no `no-one` here. */
    unprotect: z.enum(["developer", "maintainer", "admin"]),
    allowForcePush: z.boolean().default(false),
    /** Premium: changes to files with a CODEOWNERS entry need the code owners' approval. */
    codeOwnerApprovalRequired: z.boolean().default(false),
  })
  .strict();

/** The Foundation project's push rule (Premium). */
const pushRuleSchema = z
  .object({
    denyDeleteTag: z.boolean().default(true),
    memberCheck: z.boolean().default(true),
    preventSecrets: z.boolean().default(true),
    commitCommitterCheck: z.boolean().default(true),
    rejectUnsignedCommits: z.boolean().default(true),
    /** MB; 0 for no limit. */
    maxFileSize: z.number().int().min(0, { error: "must be 0 (no limit) or more MB" }).default(10),
  })
  .strict();

/** One merge request approval rule of the Foundation project (Premium). */
const approvalRuleSchema = z
  .object({
    name: text(),
    approvalsRequired: z
      .number()
      .int()
      .min(1, { error: "must be at least 1: a rule that requires no approval protects nothing" }),
    usernames: z
      .array(z.string().regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/, { error: "must be a GitLab username, without @" }))
      .default([]),
    groupIds: z.array(z.number().int().positive({ error: "must be a GitLab group ID" })).default([]),
    appliesToAllProtectedBranches: z.boolean().default(false),
    /** Names from protectedBranches. */
    branches: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** The Foundation project's protection: the threat and each control are in docs/group-management.md. */
const foundationProjectSchema = z
  .object({
    /** Full path of the project whose pipelines can assume the Foundation roles; default `<groupPath>/foundation`. */
    path: z.string().regex(PROJECT_PATH, { error: "must be a project's full path, e.g. mson/foundation" }).optional(),
    /** The branch deploys run from (the deploy role trusts only it). */
    defaultBranch: z.string().min(1).default("main"),
    protectedBranches: z.array(protectedBranchSchema).default([
      {
        name: "*",
        push: "maintainer",
        merge: "maintainer",
        unprotect: "maintainer",
        allowForcePush: false,
        codeOwnerApprovalRequired: false,
      },
      {
        name: "main",
        push: "maintainer",
        merge: "maintainer",
        unprotect: "maintainer",
        allowForcePush: false,
        codeOwnerApprovalRequired: false,
      },
    ]),
    pushRule: pushRuleSchema.default({
      denyDeleteTag: true,
      memberCheck: true,
      preventSecrets: true,
      commitCommitterCheck: true,
      rejectUnsignedCommits: true,
      maxFileSize: 10,
    }),
    /** No default: approvers are people or groups, which only config can name. */
    approvalRules: z.array(approvalRuleSchema),
  })
  .strict();

type FoundationProjectConfig = z.infer<typeof foundationProjectSchema>;

/**
 * Whether GitLab's protected branch `pattern` matches `branch`: `*` matches any run of characters, `/` included, and
 * the rest is literal (https://docs.gitlab.com/user/project/repository/branches/protected/#use-wildcard-rules).
 */
export function branchMatches(pattern: string, branch: string): boolean {
  const regex = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${regex}$`).test(branch);
}

/**
 * The problems of the Foundation project's protection: every setting that would let someone other than a
 * maintainer put code on a branch of the project (whose pipelines can assume the preview role, which decrypts every
 * stack secret) or rewrite the default branch, each with the reason and the fix. GitLab applies the most permissive
 * of the rules that match a branch (https://docs.gitlab.com/user/project/repository/branches/protection_rules/), so
 * a loose wildcard cannot be made up for by a strict rule for one branch: every rule is judged on its own.
 */
export function foundationProjectProblems(
  project: FoundationProjectConfig,
  projectPath: string,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const at = (...path: (string | number)[]) => ["foundationProject", ...path];
  const main = project.defaultBranch;
  const branches = project.protectedBranches;
  branches.forEach((branch, i) => {
    const where =
      branch.name === "*"
        ? "every branch"
        : branch.name.includes("*")
          ? `every branch matching '${branch.name}'`
          : `'${branch.name}'`;
    const twin = branches.findIndex((other) => other.name === branch.name);
    if (twin !== i)
      problems.push({
        path: at("protectedBranches", i, "name"),
        message: `'${branch.name}' is also protectedBranches[${twin}]; keep one`,
      });
    if (branch.push === "developer") {
      problems.push({
        path: at("protectedBranches", i, "push"),
        message:
          `'${branch.name}': developer lets developers push to ${where} of ${projectPath}, and the merge request ` +
          `pipelines of any of its branches can assume the preview role, which decrypts every stack secret; set ` +
          `push: maintainer (developers propose changes from forks, whose pipelines run in the fork and can assume ` +
          `no Foundation role)`,
      });
    }
    if (branch.merge === "developer") {
      problems.push({
        path: at("protectedBranches", i, "merge"),
        message:
          `'${branch.name}': developer lets developers merge into ${where} of ${projectPath}, whose pipelines can ` +
          `assume a Foundation role; set merge: maintainer`,
      });
    }
    if (branch.unprotect === "developer") {
      problems.push({
        path: at("protectedBranches", i, "unprotect"),
        message: `'${branch.name}': developer lets developers remove this protection altogether; set unprotect: maintainer`,
      });
    }
    if (branch.allowForcePush && branchMatches(branch.name, main)) {
      problems.push({
        path: at("protectedBranches", i, "allowForcePush"),
        message:
          `'${branch.name}': true lets whoever may push rewrite the history of '${main}', the branch deploys run ` +
          `from (GitLab applies the most permissive of the rules that match a branch, so a wildcard's setting ` +
          `reaches '${main}' too); set allowForcePush: false`,
      });
    }
  });
  if (!branches.some((branch) => branch.name === "*")) {
    problems.push({
      path: at("protectedBranches"),
      message:
        `no rule protects every branch: add { name: "*", push: maintainer, merge: maintainer, unprotect: ` +
        `maintainer }, so that only maintainers push branches to ${projectPath}, whose merge request pipelines can ` +
        `assume the preview role`,
    });
  }
  if (!branches.some((branch) => branch.name === main)) {
    problems.push({
      path: at("protectedBranches"),
      message:
        `no rule names the default branch '${main}': add { name: ${main}, push: maintainer, merge: maintainer, ` +
        `unprotect: maintainer, allowForcePush: false }`,
    });
  }
  const pushRuleReasons = {
    preventSecrets: "false lets a push add files that are likely to contain secrets (keys, tokens, credentials)",
    memberCheck: "false accepts commits whose author is not a GitLab user",
    commitCommitterCheck: "false accepts commits that the pusher did not commit (a committer email not their own)",
    rejectUnsignedCommits: "false accepts unsigned commits, whose author nothing proves",
  } as const;
  for (const [setting, reason] of Object.entries(pushRuleReasons)) {
    if (!project.pushRule[setting as keyof typeof pushRuleReasons]) {
      problems.push({ path: at("pushRule", setting), message: `${reason}; set it to true` });
    }
  }
  const rules = project.approvalRules;
  rules.forEach((rule, i) => {
    const twin = rules.findIndex((other) => other.name === rule.name);
    if (twin !== i)
      problems.push({
        path: at("approvalRules", i, "name"),
        message: `'${rule.name}' is also approvalRules[${twin}]; keep one`,
      });
    if (rule.usernames.length === 0 && rule.groupIds.length === 0) {
      problems.push({
        path: at("approvalRules", i),
        message:
          `'${rule.name}' names no approver: list the project's maintainers under usernames, or a group of them ` +
          `under groupIds (GitLab's approval rules take people and groups, not roles)`,
      });
    }
    if (rule.appliesToAllProtectedBranches && rule.branches.length > 0) {
      problems.push({
        path: at("approvalRules", i, "branches"),
        message: `'${rule.name}': branches and appliesToAllProtectedBranches exclude each other; keep one`,
      });
    }
    if (!rule.appliesToAllProtectedBranches && rule.branches.length === 0) {
      problems.push({
        path: at("approvalRules", i, "branches"),
        message: `'${rule.name}' covers no branch: set appliesToAllProtectedBranches: true, or list protected branches here`,
      });
    }
    rule.branches.forEach((name, j) => {
      if (!branches.some((branch) => branch.name === name)) {
        problems.push({
          path: at("approvalRules", i, "branches", j),
          message: `'${name}' is not one of protectedBranches; an approval rule covers protected branches only`,
        });
      }
    });
  });
  const coversMain = rules.some(
    (rule) =>
      (rule.usernames.length > 0 || rule.groupIds.length > 0) &&
      (rule.appliesToAllProtectedBranches || rule.branches.some((name) => branchMatches(name, main))),
  );
  if (!coversMain) {
    problems.push({
      path: at("approvalRules"),
      message:
        `no rule requires an approval for merges into '${main}': add { name: Foundation maintainers, ` +
        `approvalsRequired: 1, usernames: [<the project's maintainers>], appliesToAllProtectedBranches: true }`,
    });
  }
  return problems;
}

/** The Foundation project's full path: configured, or the project `foundation` of the managed group. */
export function foundationProjectPath(config: Pick<GroupConfig, "gitlab" | "foundationProject">): string {
  return config.foundationProject.path ?? `${config.gitlab.groupPath}/foundation`;
}

/** The `group` stack's config schema; `Pulumi.group.yaml` documents every key. */
export const groupConfigSchema = z
  .object({
    ...commonShape(GRAPH.group.needs, GRAPH.group.optional),
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
    /**
     * The runner manager host's one docker-executor runner, for deployments; every other job runs on the `aws`
     * stack's pools, whose records come from that stack.
     */
    runners: z
      .object({
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
        /**
         * The cluster path the stack seeds in the repository (components/kubernetes/flux/seed.ts), published as
         * `gitopsPath` for the lab's Flux to reconcile.
         */
        seedPath: z
          .string()
          .regex(/^\.\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
            error: "must be a directory inside the repository starting with ./, e.g. ./clusters/lab",
          })
          .refine((path) => !path.split("/").includes(".."), { error: "must not leave the repository with '..'" })
          .default("./clusters/lab"),
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
    /** The project whose pipelines can assume the Foundation roles, and its protection. */
    foundationProject: foundationProjectSchema,
  })
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    for (const problem of foundationProjectProblems(config.foundationProject, foundationProjectPath(config))) {
      issue(problem.path, problem.message);
    }
    for (const problem of labelSetProblems(config.labels)) issue(["labels"], problem);
    // The pools' tags are the aws stack's; `lab` checks the deploy runner against them before it renders config.toml.
    for (const problem of dockerRunnerProblems("", config.runners.deploy)) {
      const [, field, message] = /^\.(\w+): (.*)$/s.exec(problem) ?? [];
      issue(["runners", "deploy", ...(field ? [field] : [])], message ?? problem);
    }
    for (const { field, message } of deployRunnerProblems(config.runners.deploy, [])) {
      issue(["runners", "deploy", field], message);
    }
    config.variables.forEach((variable, i) => {
      if (variable.masked && !MASKABLE.test(variable.value)) {
        issue(
          ["variables", i, "value"],
          `GitLab masks only values of at least 8 characters on one line, of letters, digits and @ : . ~ _ - + / =, ` +
            `and refuses to create '${variable.key}' masked otherwise; use such a value or set masked: false ` +
            "(https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable)",
        );
      }
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
