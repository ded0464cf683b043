/**
 * The pure renderer of the runner manager's `config.toml`: one file from one {@link RunnerModel}, used unchanged by the
 * Proxmox VM and, after the Phase 4 migration, by the in-cluster manager (docs/architecture.md, "One runner model").
 * Keys follow the runner's advanced-configuration reference
 * (https://docs.gitlab.com/runner/configuration/advanced-configuration/).
 */
import { stringify } from "smol-toml";
import type { Architecture } from "./instance-types";
import {
  assertValidRunnerModel,
  CacheSettings,
  DEFAULT_FLEETING_PLUGIN,
  DockerRunnerSpec,
  FleetSettings,
  METRICS_LISTEN_ADDRESS,
  PullPolicy,
  RunnerModel,
  RunnerPool,
  poolCapacity,
} from "./model";

/** Authentication tokens (`glrt-…`) by runner name; plain strings, passed in from secret outputs inside `apply`. */
export type RunnerTokens = Readonly<Record<string, string>>;

/** Default job image when a runner names none. */
export const DEFAULT_JOB_IMAGE = "alpine:3";

/** Pull policies when a runner names none: fresh images, falling back to the local copy when the registry is down. */
export const DEFAULT_PULL_POLICY: readonly PullPolicy[] = ["always", "if-not-present"];

/**
 * Helper image per architecture. Set explicitly on autoscaled pools because the manager (amd64 VM) and the instances
 * (often arm64) differ; the runner expands `${CI_RUNNER_REVISION}` to its own revision, so the helper always matches
 * the manager's version.
 */
export const HELPER_IMAGES: Readonly<Record<Architecture, string>> = {
  arm64: "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:arm64-${CI_RUNNER_REVISION}",
  amd64: "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-${CI_RUNNER_REVISION}",
};

/** `[runners.cache]` with `[runners.cache.s3]`. */
export interface CacheToml {
  Type: "s3";
  Shared: true;
  Path?: string;
  s3: {
    ServerAddress: string;
    BucketName: string;
    BucketLocation: string;
    AuthenticationType: "iam";
    ServerSideEncryption: "KMS";
    ServerSideEncryptionKeyID: string;
  };
}

/** `[runners.docker]`. */
export interface DockerToml {
  image: string;
  privileged: boolean;
  volumes: string[];
  pull_policy: PullPolicy[];
  allowed_pull_policies?: PullPolicy[];
  allowed_images?: string[];
  allowed_services?: string[];
  helper_image?: string;
}

/** `[[runners.autoscaler.policy]]`. */
export interface PolicyToml {
  periods: string[];
  timezone: string;
  idle_count: number;
  idle_time: string;
}

/** `[runners.autoscaler]`. */
export interface AutoscalerToml {
  plugin: string;
  capacity_per_instance: number;
  max_use_count: number;
  max_instances: number;
  instance_ready_command: string;
  plugin_config: { name: string; profile: string; config_file?: string; credentials_file?: string; region: string };
  connector_config: {
    username: string;
    use_external_addr: boolean;
    use_static_credentials: boolean;
    key_path?: string;
  };
  policy: PolicyToml[];
}

/**
 * What the runner runs on a new instance before it gives it a job: the fleet's instances install Docker from
 * user-data at boot (components/aws/runner-fleet.ts), so a job must wait for cloud-init to finish, and an instance
 * whose cloud-init failed is removed instead of used (`instance_ready_command`, GitLab Runner 16.11+,
 * https://docs.gitlab.com/runner/configuration/advanced-configuration/).
 */
export const INSTANCE_READY_COMMAND = "cloud-init status --wait";

/** One `[[runners]]` entry. */
export interface RunnerToml {
  name: string;
  url: string;
  token: string;
  executor: "docker" | "docker-autoscaler";
  limit: number;
  shell?: "sh";
  docker: DockerToml;
  autoscaler?: AutoscalerToml;
  cache: CacheToml;
}

/** The whole `config.toml`. */
export interface RunnerConfigToml {
  concurrent: number;
  check_interval: number;
  listen_address: string;
  shutdown_timeout: number;
  log_level: string;
  log_format: string;
  runners: RunnerToml[];
}

function cacheToml(cache: CacheSettings): CacheToml {
  return {
    Type: "s3",
    // Shared across runners and managers: every pool, the local runner and a future in-cluster manager hit one cache.
    Shared: true,
    ...(cache.path === undefined ? {} : { Path: cache.path }),
    s3: {
      ServerAddress: cache.serverAddress ?? "s3.amazonaws.com",
      BucketName: cache.bucketName,
      BucketLocation: cache.region,
      // The manager's own AWS identity (Roles Anywhere on the VM) signs URLs for the jobs: no keys in this file.
      AuthenticationType: "iam",
      ServerSideEncryption: "KMS",
      ServerSideEncryptionKeyID: cache.kmsKeyId,
    },
  };
}

function volumes(privileged: boolean): string[] {
  // `/certs/client` shares the TLS client certificates docker:dind generates with the job container.
  return privileged ? ["/certs/client", "/cache"] : ["/cache"];
}

function tokenFor(name: string, tokens: RunnerTokens): string {
  const token = tokens[name];
  if (token === undefined || token.length === 0) {
    throw new Error(`tokens: no authentication token for runner "${name}"; pass the group stack's token output for it`);
  }
  if (!token.startsWith("glrt-") || /\s/.test(token)) {
    // The message never echoes the token: it is a secret.
    throw new Error(
      `tokens: the token for runner "${name}" is not a runner authentication token (glrt-…); create the runner with POST /user/runners`,
    );
  }
  return token;
}

function dockerRunnerToml(spec: DockerRunnerSpec, model: RunnerModel, tokens: RunnerTokens): RunnerToml {
  const pullPolicy = [...(spec.pullPolicy ?? DEFAULT_PULL_POLICY)];
  return {
    name: spec.name,
    url: model.gitlabUrl,
    token: tokenFor(spec.name, tokens),
    executor: "docker",
    limit: spec.limit,
    docker: {
      image: spec.image ?? DEFAULT_JOB_IMAGE,
      privileged: spec.privileged,
      volumes: volumes(spec.privileged),
      pull_policy: pullPolicy,
      allowed_pull_policies: [...(spec.allowedPullPolicies ?? pullPolicy)],
      allowed_images: [...spec.allowedImages],
      allowed_services: [...spec.allowedServices],
    },
    cache: cacheToml(model.cache),
  };
}

function policies(pool: RunnerPool): PolicyToml[] {
  const own: PolicyToml = {
    periods: [...pool.idle.periods],
    timezone: pool.idle.timezone,
    idle_count: pool.idle.idleCount,
    idle_time: pool.idle.idleTime,
  };
  if (pool.idle.periods.includes("* * * * *")) {
    return [own];
  }
  // The last matching policy wins; an explicit all-day policy first makes "no idle capacity outside the periods"
  // visible in the file instead of relying on the built-in default.
  return [{ periods: ["* * * * *"], timezone: pool.idle.timezone, idle_count: 0, idle_time: pool.idle.idleTime }, own];
}

function pluginConfig(fleet: FleetSettings, pool: RunnerPool): AutoscalerToml["plugin_config"] {
  return {
    name: fleet.autoscalingGroupNames[pool.name],
    profile: fleet.awsProfile,
    ...(fleet.awsConfigFile === undefined ? {} : { config_file: fleet.awsConfigFile }),
    ...(fleet.awsCredentialsFile === undefined ? {} : { credentials_file: fleet.awsCredentialsFile }),
    region: fleet.region,
  };
}

function poolRunnerToml(pool: RunnerPool, model: RunnerModel, tokens: RunnerTokens): RunnerToml {
  const { fleet } = model;
  const privileged = pool.privileged ?? false;
  return {
    name: pool.name,
    url: model.gitlabUrl,
    token: tokenFor(pool.name, tokens),
    executor: "docker-autoscaler",
    // The pool's own ceiling, so one pool cannot take the whole of `concurrent`.
    limit: poolCapacity(pool),
    shell: "sh",
    docker: {
      image: pool.image ?? DEFAULT_JOB_IMAGE,
      privileged,
      volumes: volumes(privileged),
      pull_policy: [...DEFAULT_PULL_POLICY],
      helper_image: HELPER_IMAGES[pool.architecture],
    },
    autoscaler: {
      plugin: fleet.plugin ?? DEFAULT_FLEETING_PLUGIN,
      capacity_per_instance: pool.capacityPerInstance,
      max_use_count: pool.maxUseCount,
      max_instances: pool.maxInstances,
      instance_ready_command: INSTANCE_READY_COMMAND,
      plugin_config: pluginConfig(fleet, pool),
      connector_config: {
        username: fleet.username,
        use_external_addr: fleet.useExternalAddress,
        use_static_credentials: fleet.useStaticCredentials ?? false,
        ...(fleet.keyPath === undefined ? {} : { key_path: fleet.keyPath }),
      },
      policy: policies(pool),
    },
    cache: cacheToml(model.cache),
  };
}

/** The `config.toml` document of a model as a typed object (what {@link renderRunnerConfig} serializes). */
export function runnerConfigDocument(model: RunnerModel, tokens: RunnerTokens): RunnerConfigToml {
  assertValidRunnerModel(model);
  return {
    concurrent: model.global.concurrent,
    check_interval: model.global.checkInterval ?? 3,
    listen_address: METRICS_LISTEN_ADDRESS,
    shutdown_timeout: model.global.shutdownTimeout ?? 30,
    log_level: model.global.logLevel ?? "info",
    log_format: model.global.logFormat ?? "json",
    runners: [
      dockerRunnerToml(model.deploy, model, tokens),
      ...model.pools.map((pool) => poolRunnerToml(pool, model, tokens)),
    ],
  };
}

/**
 * Renders `config.toml`. Pure; throws when the model is invalid (every problem listed) or a token is missing.
 * The result holds the tokens: callers keep it a secret (`pulumi.secret`) and write it with mode 0600.
 */
export function renderRunnerConfig(model: RunnerModel, tokens: RunnerTokens): string {
  return stringify(runnerConfigDocument(model, tokens));
}
