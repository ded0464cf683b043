/** The `group` stack's output contract: what `lab` and CI read from it. */
import { z } from "zod";
import { isDnsLabel } from "../../components/common/validation";
import { defineContract } from "../contract";

const pullPolicy = z.enum(["always", "if-not-present", "never"]);

/**
 * A docker-executor runner on the manager host, as the `group` stack's config declares it. The `group` stack owns the
 * list of runners (it creates their records); `lab` renders their `config.toml` entries from this same value.
 */
export const dockerRunnerSchema = z
  .object({
    name: z.string().refine(isDnsLabel, {
      error: "must be a DNS label: lowercase letters, digits and inner hyphens",
    }),
    tags: z.array(z.string().min(1)),
    runUntagged: z.boolean(),
    protectedOnly: z.boolean(),
    locked: z.boolean().optional(),
    limit: z.number().int().min(1),
    privileged: z.boolean(),
    image: z.string().min(1).optional(),
    pullPolicy: z.array(pullPolicy).min(1).optional(),
    allowedPullPolicies: z.array(pullPolicy).min(1).optional(),
    allowedImages: z.array(z.string().min(1)).min(1, {
      error: 'must list at least one pattern: an empty list allows every image; write ["**"] to mean that',
    }),
    allowedServices: z.array(z.string().min(1)).min(1, {
      error: 'must list at least one pattern: an empty list allows every service; write ["**"] to mean that',
    }),
  })
  .strict();

/** Outputs of the `group` stack. */
export const groupOutputs = defineContract({
  gitlabUrl: { schema: z.string(), description: "Base URL of the GitLab instance." },
  groupPath: { schema: z.string(), description: "Full path of the managed group." },
  ciVariables: {
    schema: z.record(z.string(), z.string()),
    description: "The non-secret group CI variables pipelines read, by name.",
  },
  dockerRunners: {
    schema: z.object({ deploy: dockerRunnerSchema }).strict(),
    description: "The manager host's one docker-executor runner, for deployments, as `lab` renders it.",
  },
  runnerIds: {
    schema: z.record(z.string(), z.number()),
    description: "GitLab runner ids by runner name: the two docker runners and every pool of the `aws` stack.",
  },
  runnerTokens: {
    schema: z.record(z.string(), z.string()),
    secret: true,
    description: "Runner authentication tokens (`glrt-`) by runner name, for the manager's `config.toml`.",
  },
  gitopsRepositoryUrl: {
    schema: z.string(),
    description: "SSH URL of the GitOps repository Flux reconciles, e.g. ssh://git@gitlab.example.com/mson/gitops.git.",
  },
  gitopsPath: {
    schema: z.string(),
    description: "The lab cluster's directory in the GitOps repository, as seeded, e.g. ./clusters/lab.",
  },
  gitopsBranch: {
    schema: z.string(),
    description: "The GitOps repository's branch Flux follows, seeded and protected.",
  },
  gitopsDeployPublicKey: { schema: z.string(), description: "The GitOps deploy key's public key (OpenSSH)." },
  gitopsDeployPrivateKey: {
    schema: z.string(),
    secret: true,
    description: "The GitOps deploy key's private key (OpenSSH), for Flux's source secret.",
  },
});
