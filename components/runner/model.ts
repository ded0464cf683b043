/**
 * The typed runner model: one description of every runner the manager drives, from which the `config.toml`
 * (config-toml.ts), the server-side runner records (`POST /user/runners`, created by the `group` stack) and the fleet's
 * autoscaling groups (`aws` stack) are all derived. Sources: config.toml keys,
 * https://docs.gitlab.com/runner/configuration/advanced-configuration/; runner creation,
 * https://docs.gitlab.com/ci/runners/new_creation_workflow/.
 */
import { isAwsRegion, isDigestPinnedImage, isDnsLabel, isTimeZone } from "../common/validation";
import { ARCHITECTURES, Architecture, instanceTypeArchitecture } from "./instance-types";

/** Where the runner serves Prometheus metrics: all interfaces, port 9252 (the port allocated to it in Prometheus). */
export const METRICS_LISTEN_ADDRESS = ":9252";

/** The fleeting plugin for AWS autoscaling groups, pinned to a major version (`<name>:<MAJOR>` constraint form). */
export const DEFAULT_FLEETING_PLUGIN = "aws:1";

/** Image pull policies a docker runner may use. */
export type PullPolicy = "always" | "if-not-present" | "never";

/** A schedule during which a pool keeps idle capacity: one `[[runners.autoscaler.policy]]`. */
export interface IdlePolicy {
  /** Unix cron expressions (five fields) that select when the policy applies, e.g. `["* 7-19 * * mon-fri"]`. */
  readonly periods: readonly string[];
  /** IANA time zone the periods are read in, e.g. `Europe/Berlin`. */
  readonly timezone: string;
  /** Idle capacity to keep while the policy applies, counted in jobs (not instances). */
  readonly idleCount: number;
  /** How long an idle instance is kept before it is removed, as a Go duration, e.g. `20m0s`. */
  readonly idleTime: string;
}

/**
 * One pool of autoscaled instances: its own autoscaling group and its own `[[runners]]` entry (docker-autoscaler
 * requires a dedicated ASG per runner entry).
 */
export interface RunnerPool {
  /** Pool name: a DNS label; names the runner, the ASG and the metrics' `runner_name`. */
  readonly name: string;
  /** Job tags the pool's runner accepts (server-side). */
  readonly tags: readonly string[];
  /** CPU architecture of the instances; every instance type must match it. */
  readonly architecture: Architecture;
  /** EC2 instance types the ASG may launch, in order of preference. */
  readonly instanceTypes: readonly string[];
  /** Jobs one instance runs at once (`capacity_per_instance`). */
  readonly capacityPerInstance: number;
  /** Upper bound of instances (`max_instances`); also the ASG's max size. */
  readonly maxInstances: number;
  /** Jobs an instance runs before it is replaced (`max_use_count`); `0` means no limit. */
  readonly maxUseCount: number;
  /** Idle capacity schedule; outside its periods the pool scales to zero. */
  readonly idle: IdlePolicy;
  /** Whether the runner also picks untagged jobs (server-side). */
  readonly runUntagged: boolean;
  /** Whether the runner only runs jobs for protected branches and tags (server-side `access_level`). */
  readonly protectedOnly: boolean;
  /** Whether the ASG buys Spot capacity (then at least two instance types are required). */
  readonly spot: boolean;
  /**
   * Run job containers privileged (docker-in-docker) on the pool's instances.
   * @default false
   */
  readonly privileged?: boolean;
  /**
   * Default job image.
   * @default "alpine:3"
   */
  readonly image?: string;
}

/**
 * A runner with the docker executor on the manager host itself. The only one is the deploy runner: the manager host
 * holds every runner token and the Roles Anywhere key, so it runs only trusted jobs (see {@link deployRunnerProblems}
 * and docs/runbooks/runner.md, "Who runs where").
 */
export interface DockerRunnerSpec {
  /** Runner name (a DNS label); the key of its token. */
  readonly name: string;
  /** Job tags the runner accepts (server-side). */
  readonly tags: readonly string[];
  /** Whether the runner also picks untagged jobs (server-side). */
  readonly runUntagged: boolean;
  /** Whether the runner only runs jobs for protected branches and tags (server-side `access_level`). */
  readonly protectedOnly: boolean;
  /**
   * Lock the runner to the project it is first used in (server-side; meaningful for project runners only).
   * @default false
   */
  readonly locked?: boolean;
  /** Jobs this runner runs at once (`limit`); counts towards `concurrent`, so it must be at least 1. */
  readonly limit: number;
  /** Run job containers (and services) privileged, as docker-in-docker needs. */
  readonly privileged: boolean;
  /**
   * Default job image.
   * @default "alpine:3"
   */
  readonly image?: string;
  /**
   * Pull policies tried in order.
   * @default ["always", "if-not-present"]
   */
  readonly pullPolicy?: readonly PullPolicy[];
  /**
   * Pull policies a job may ask for.
   * @default the runner's `pullPolicy`
   */
  readonly allowedPullPolicies?: readonly PullPolicy[];
  /**
   * Images jobs may use (doublestar patterns, `!` negates). Required and non-empty: the runner reads an empty or
   * missing list as "all images allowed", so "allow everything" must be written as `["**"]`.
   */
  readonly allowedImages: readonly string[];
  /** Service images jobs may use (doublestar patterns, `!` negates); required and non-empty for the same reason. */
  readonly allowedServices: readonly string[];
}

/** How the manager reaches AWS and the fleet's instances. */
export interface FleetSettings {
  /**
   * Fleeting plugin reference.
   * @default {@link DEFAULT_FLEETING_PLUGIN}
   */
  readonly plugin?: string;
  /** AWS region of the autoscaling groups. */
  readonly region: string;
  /** Named profile of the AWS shared config the plugin uses (a `credential_process` profile on the VM). */
  readonly awsProfile: string;
  /** Path of the AWS shared config file; unset means the SDK default `~/.aws/config`. */
  readonly awsConfigFile?: string;
  /** Path of the AWS shared credentials file; unset means the SDK default `~/.aws/credentials`. */
  readonly awsCredentialsFile?: string;
  /** Autoscaling group name of each pool, by pool name (outputs of the `aws` stack). */
  readonly autoscalingGroupNames: Readonly<Record<string, string>>;
  /** User the connector logs in as over SSH (`ec2-user` on Amazon Linux, `admin` on Debian, `ubuntu` on Ubuntu). */
  readonly username: string;
  /**
   * Connect to the instances' public addresses. Needed when the manager is outside the VPC without a private route;
   * the plugin falls back to the internal address when an instance has no public one.
   */
  readonly useExternalAddress: boolean;
  /**
   * Use the static `key_path` credentials instead of keys the plugin pushes with EC2 Instance Connect.
   * @default false
   */
  readonly useStaticCredentials?: boolean;
  /** Private key the connector uses when `useStaticCredentials` is true. */
  readonly keyPath?: string;
}

/** The shared S3 build cache (`[runners.cache]`), reached with the manager's IAM identity. */
export interface CacheSettings {
  /** Bucket name. */
  readonly bucketName: string;
  /** Bucket region (`BucketLocation`). */
  readonly region: string;
  /** KMS key the bucket encrypts with (id, ARN or `alias/...`). */
  readonly kmsKeyId: string;
  /**
   * S3 endpoint host.
   * @default "s3.amazonaws.com"
   */
  readonly serverAddress?: string;
  /** Key prefix inside the bucket; unset means the bucket root. */
  readonly path?: string;
}

/** The manager's global settings. */
export interface GlobalSettings {
  /** Jobs the manager runs at once across all runners; see {@link requiredConcurrency} for the rule. */
  readonly concurrent: number;
  /**
   * Seconds between job requests.
   * @default 3
   */
  readonly checkInterval?: number;
  /**
   * Seconds the process waits for jobs on shutdown before it stops forcefully.
   * @default 30
   */
  readonly shutdownTimeout?: number;
  /**
   * Log level.
   * @default "info"
   */
  readonly logLevel?: "debug" | "info" | "warn" | "error" | "fatal" | "panic";
  /**
   * Log format.
   * @default "json"
   */
  readonly logFormat?: "runner" | "text" | "json";
}

/** Everything one runner manager runs. */
export interface RunnerModel {
  /** The GitLab instance, https. */
  readonly gitlabUrl: string;
  /** Global settings. */
  readonly global: GlobalSettings;
  /** The docker-executor runner for deployments and the foundation project's lab jobs: protected refs only. */
  readonly deploy: DockerRunnerSpec;
  /** Autoscaled pools, one `[[runners]]` entry and one ASG each. */
  readonly pools: readonly RunnerPool[];
  /** AWS access and connection to the fleet. */
  readonly fleet: FleetSettings;
  /** The shared S3 cache. */
  readonly cache: CacheSettings;
}

/** The kinds of runner a model produces. */
export type RunnerKind = "deploy" | "autoscaler";

/**
 * A runner record as the GitLab API creates it (`POST /user/runners`). Tags, untagged, locked and access level are
 * server-side attributes fixed at creation: with an authentication token (`glrt-`) they are not config.toml keys.
 */
export interface RunnerRecordSpec {
  /** Runner name; the key of its token in the `group` stack's outputs and in {@link RunnerModel}. */
  readonly name: string;
  /** Which runner entry it backs. */
  readonly kind: RunnerKind;
  /** `description`. */
  readonly description: string;
  /** `tag_list`. */
  readonly tagList: readonly string[];
  /** `run_untagged`. */
  readonly runUntagged: boolean;
  /** `locked`. */
  readonly locked: boolean;
  /** `access_level`: `ref_protected` for protected-only runners. */
  readonly accessLevel: "not_protected" | "ref_protected";
}

/**
 * The runner records the `group` stack creates, in config order (deploy, then pools). It takes only the runners, not
 * the fleet and cache settings: the `group` stack creates the records before `lab` knows those.
 */
export function runnerRecords(model: Pick<RunnerModel, "deploy" | "pools">): RunnerRecordSpec[] {
  const docker = (spec: DockerRunnerSpec, kind: RunnerKind, what: string): RunnerRecordSpec => ({
    name: spec.name,
    kind,
    description: `${spec.name}: ${what}`,
    tagList: [...spec.tags],
    runUntagged: spec.runUntagged,
    locked: spec.locked ?? false,
    accessLevel: spec.protectedOnly ? "ref_protected" : "not_protected",
  });
  return [
    docker(model.deploy, "deploy", "deployments from protected refs"),
    ...model.pools.map((pool): RunnerRecordSpec => ({
      name: pool.name,
      kind: "autoscaler",
      description: `${pool.name}: ${pool.architecture} ${pool.spot ? "spot" : "on-demand"} autoscaled pool`,
      tagList: [...pool.tags],
      runUntagged: pool.runUntagged,
      locked: false,
      accessLevel: pool.protectedOnly ? "ref_protected" : "not_protected",
    })),
  ];
}

/** Jobs a pool can run at once: `max_instances × capacity_per_instance`. */
export function poolCapacity(pool: RunnerPool): number {
  return pool.maxInstances * pool.capacityPerInstance;
}

/**
 * The smallest `concurrent` that lets every runner reach its own limit at the same time: the sum over pools of
 * `max_instances × capacity_per_instance` plus the deploy runner's `limit` (the runner docs size a single pool as
 * `concurrent = max_instances × capacity_per_instance`). A smaller value lets one busy pool starve the others while
 * instances it already paid for sit idle; a larger one is harmless, because each runner's `limit` still bounds it.
 */
export function requiredConcurrency(model: RunnerModel): number {
  return model.pools.reduce((sum, pool) => sum + poolCapacity(pool), model.deploy.limit);
}

/** A runner's name: a DNS label of at most 32 characters, the limit this model has always kept its names to. */
function isRunnerName(name: string): boolean {
  return name.length <= 32 && isDnsLabel(name);
}

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const PULL_POLICIES: readonly PullPolicy[] = ["always", "if-not-present", "never"];

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}

/** What makes a docker runner unusable: each problem `<key>.<field>: <what and the fix>`. */
export function dockerRunnerProblems(key: string, spec: DockerRunnerSpec): string[] {
  const problems: string[] = [];
  if (!isRunnerName(spec.name)) {
    problems.push(`${key}.name: "${spec.name}" is not a DNS label; use lowercase letters, digits and dashes`);
  }
  if (!isPositiveInteger(spec.limit)) {
    problems.push(`${key}.limit: ${spec.limit} must be an integer of at least 1; 0 (unlimited) cannot be budgeted`);
  }
  if (spec.tags.length === 0 && !spec.runUntagged) {
    problems.push(`${key}.tags: a runner without tags that refuses untagged jobs never runs a job; add a tag`);
  }
  for (const [field, policies] of [
    ["pullPolicy", spec.pullPolicy],
    ["allowedPullPolicies", spec.allowedPullPolicies],
  ] as const) {
    for (const policy of policies ?? []) {
      if (!PULL_POLICIES.includes(policy)) {
        problems.push(`${key}.${field}: "${policy}" is not a pull policy; use ${PULL_POLICIES.join(", ")}`);
      }
    }
  }
  const effective = spec.pullPolicy ?? ["always", "if-not-present"];
  if (spec.allowedPullPolicies !== undefined && !spec.allowedPullPolicies.some((p) => effective.includes(p))) {
    problems.push(
      `${key}.allowedPullPolicies: shares no policy with pullPolicy, so every job would fail; allow one of ${effective.join(", ")}`,
    );
  }
  if (spec.allowedImages.length === 0) {
    problems.push(`${key}.allowedImages: an empty list allows every image; list the images jobs may use, e.g. ["**"]`);
  }
  if (spec.allowedServices.length === 0) {
    problems.push(
      `${key}.allowedServices: an empty list allows every service image; list the ones jobs may use, e.g. ["docker:*-dind"]`,
    );
  }
  return problems;
}

/** Image patterns that pin an image by digest (`name@sha256:…`, the digest part possibly a `*`). */
const DIGEST_PINNED = /^[^*!\s]+@sha256:([0-9a-f]{64}|\*)$/;

/**
 * What makes the deploy runner safe to share a host with every runner token and the Roles Anywhere key: only jobs of
 * protected refs of its one project, no privileged containers, images pinned by digest, and tags no other runner
 * has, so no job can land on it by accident or by choice (docs/runbooks/runner.md, "Who runs where"). Each problem
 * names the field of the runner and says what is wrong and the fix.
 */
export function deployRunnerProblems(
  deploy: DockerRunnerSpec,
  others: readonly { readonly name: string; readonly tags: readonly string[] }[],
): { readonly field: keyof DockerRunnerSpec; readonly message: string }[] {
  const problems: { field: keyof DockerRunnerSpec; message: string }[] = [];
  const problem = (field: keyof DockerRunnerSpec, message: string) => problems.push({ field, message });
  if (!deploy.protectedOnly) {
    problem("protectedOnly", "the deploy runner must run protected refs only; set it to true");
  }
  if (!(deploy.locked ?? false)) {
    problem(
      "locked",
      "the deploy runner must be locked to the foundation project, or any project of the group could use it; set it to true",
    );
  }
  if (deploy.privileged) {
    problem(
      "privileged",
      "a privileged job container is root on the host that holds every runner token; set it to false (docker-in-docker jobs belong on a pool)",
    );
  }
  if (deploy.tags.length === 0 || deploy.runUntagged) {
    problem("tags", "deploy jobs must select the deploy runner by tag; give it a tag and set runUntagged false");
  }
  if (deploy.image !== undefined && !isDigestPinnedImage(deploy.image)) {
    problem(
      "image",
      `"${deploy.image}" is not pinned by digest, and the runner allows only pinned images; name it with its @sha256: digest`,
    );
  }
  for (const [field, patterns] of [
    ["allowedImages", deploy.allowedImages],
    ["allowedServices", deploy.allowedServices],
  ] as const) {
    const loose = patterns.filter((pattern) => !DIGEST_PINNED.test(pattern));
    if (loose.length > 0) {
      problem(
        field,
        `${loose.map((p) => `"${p}"`).join(", ")} is not pinned by digest; allow only images named with @sha256:, e.g. "node:20-bookworm-slim@sha256:*"`,
      );
    }
  }
  for (const other of others) {
    const shared = deploy.tags.filter((tag) => other.tags.includes(tag));
    if (shared.length > 0) {
      problem(
        "tags",
        `${shared.map((t) => `"${t}"`).join(", ")} is also a tag of runner "${other.name}", so its jobs could land there and deploy jobs here; give the deploy runner tags of its own`,
      );
    }
  }
  return problems;
}

function validateIdle(key: string, pool: RunnerPool, problems: string[]): void {
  const { idle } = pool;
  if (idle.periods.length === 0) {
    problems.push(`${key}.idle.periods: give at least one cron expression, e.g. "* 7-19 * * mon-fri"`);
  }
  for (const period of idle.periods) {
    if (period.trim().split(/\s+/).length !== 5) {
      problems.push(
        `${key}.idle.periods: "${period}" is not a five-field cron expression (minute hour day month weekday)`,
      );
    }
  }
  if (!isTimeZone(idle.timezone)) {
    problems.push(
      `${key}.idle.timezone: "${idle.timezone}" is not an IANA time zone; use e.g. "Europe/Berlin" or "UTC"`,
    );
  }
  if (!Number.isInteger(idle.idleCount) || idle.idleCount < 0) {
    problems.push(`${key}.idle.idleCount: ${idle.idleCount} must be a whole number of jobs, 0 or more`);
  } else if (idle.idleCount > poolCapacity(pool)) {
    problems.push(
      `${key}.idle.idleCount: ${idle.idleCount} idle jobs exceed the pool's capacity of ${poolCapacity(pool)} (maxInstances × capacityPerInstance); lower idleCount or raise maxInstances`,
    );
  }
  if (!GO_DURATION.test(idle.idleTime)) {
    problems.push(`${key}.idle.idleTime: "${idle.idleTime}" is not a Go duration; use e.g. "20m0s" or "1h"`);
  }
}

/**
 * Problems with one pool on its own (not against the fleet), each `<key>.<field>: <what and the fix>`. The `aws`
 * stack checks its pool config with this before it makes the pools' autoscaling groups.
 */
export function poolProblems(key: string, pool: RunnerPool): string[] {
  const problems: string[] = [];
  if (!isRunnerName(pool.name)) {
    problems.push(`${key}.name: "${pool.name}" is not a DNS label; use lowercase letters, digits and dashes`);
  }
  if (!ARCHITECTURES.includes(pool.architecture)) {
    problems.push(`${key}.architecture: "${pool.architecture}" is not supported; use arm64 or amd64`);
  }
  if (pool.tags.length === 0 && !pool.runUntagged) {
    problems.push(`${key}.tags: a runner without tags that refuses untagged jobs never runs a job; add a tag`);
  }
  if (pool.instanceTypes.length === 0) {
    problems.push(`${key}.instanceTypes: list at least one instance type`);
  }
  if (new Set(pool.instanceTypes).size !== pool.instanceTypes.length) {
    problems.push(`${key}.instanceTypes: lists a type twice; list each type once`);
  }
  for (const type of pool.instanceTypes) {
    const architecture = instanceTypeArchitecture(type);
    if (architecture === undefined) {
      problems.push(`${key}.instanceTypes: "${type}" is not an EC2 instance type; use <family>.<size>, e.g. c7g.large`);
    } else if (!ARCHITECTURES.includes(pool.architecture)) {
      continue;
    } else if (architecture !== pool.architecture && pool.architecture === "arm64") {
      problems.push(
        `${key}.instanceTypes: "${type}" is an amd64 (x86) type but the pool is arm64; use a Graviton type (a1, or a family ending in g, gd, gn or gen, e.g. c7g.large)`,
      );
    } else if (architecture !== pool.architecture) {
      problems.push(
        `${key}.instanceTypes: "${type}" is a Graviton (arm64) type but the pool is amd64; use an x86 type (e.g. c7i.large, m7a.large) or make the pool arm64`,
      );
    }
  }
  if (pool.spot && pool.instanceTypes.length < 2) {
    problems.push(
      `${key}.instanceTypes: a spot pool needs at least two instance types so one type's capacity shortage does not stop the pool; add another ${pool.architecture} type`,
    );
  }
  if (!isPositiveInteger(pool.capacityPerInstance)) {
    problems.push(`${key}.capacityPerInstance: ${pool.capacityPerInstance} must be an integer of at least 1`);
  }
  if (!isPositiveInteger(pool.maxInstances)) {
    problems.push(
      `${key}.maxInstances: ${pool.maxInstances} must be an integer of at least 1; 0 (unlimited) cannot be budgeted`,
    );
  }
  if (!Number.isInteger(pool.maxUseCount) || pool.maxUseCount < 0) {
    problems.push(`${key}.maxUseCount: ${pool.maxUseCount} must be a whole number, 0 (no limit) or more`);
  }
  if ((pool.privileged ?? false) && (pool.maxUseCount !== 1 || pool.capacityPerInstance !== 1)) {
    problems.push(
      `${key}.privileged: a privileged job is root on its instance and could watch the jobs after it; give a privileged pool maxUseCount 1 and capacityPerInstance 1, so each instance runs one job and is gone`,
    );
  }
  validateIdle(key, pool, problems);
  return problems;
}

function validatePool(key: string, pool: RunnerPool, fleet: FleetSettings, problems: string[]): void {
  problems.push(...poolProblems(key, pool));
  const group = fleet.autoscalingGroupNames[pool.name];
  if (group === undefined || group.length === 0) {
    problems.push(
      `fleet.autoscalingGroupNames: no autoscaling group for pool "${pool.name}"; pass the aws stack's group name for it`,
    );
  }
}

/**
 * Every problem with a model, each naming the key and the fix; empty when the model is valid. Pure: it checks the
 * model's own consistency (names, limits, instance types against architectures, `concurrent` against the runners'
 * capacity), not the live infrastructure.
 */
export function validateRunnerModel(model: RunnerModel): string[] {
  const problems: string[] = [];
  if (!/^https:\/\/[^\s/]+/.test(model.gitlabUrl)) {
    problems.push(`gitlabUrl: "${model.gitlabUrl}" must be an https URL, e.g. https://gitlab.example.com`);
  }
  const { global } = model;
  if (!isPositiveInteger(global.concurrent)) {
    problems.push(`global.concurrent: ${global.concurrent} must be an integer of at least 1 (0 stops the runner)`);
  }
  if (global.checkInterval !== undefined && !isPositiveInteger(global.checkInterval)) {
    problems.push(`global.checkInterval: ${global.checkInterval} must be a whole number of seconds, at least 1`);
  }
  if (global.shutdownTimeout !== undefined && !isPositiveInteger(global.shutdownTimeout)) {
    problems.push(`global.shutdownTimeout: ${global.shutdownTimeout} must be a whole number of seconds, at least 1`);
  }
  problems.push(...dockerRunnerProblems("deploy", model.deploy));
  problems.push(...deployRunnerProblems(model.deploy, model.pools).map((p) => `deploy.${p.field}: ${p.message}`));
  if (model.pools.length === 0) {
    problems.push("pools: define at least one autoscaled pool");
  }
  model.pools.forEach((pool, index) => validatePool(`pools[${index}] (${pool.name})`, pool, model.fleet, problems));

  const names = [model.deploy.name, ...model.pools.map((pool) => pool.name)];
  for (const name of new Set(names)) {
    if (names.filter((other) => other === name).length > 1) {
      problems.push(`runner names: "${name}" is used more than once; give every runner and pool its own name`);
    }
  }

  const fleet = model.fleet;
  if (!isAwsRegion(fleet.region)) {
    problems.push(`fleet.region: "${fleet.region}" is not an AWS region, e.g. eu-central-1`);
  }
  if (fleet.awsProfile.length === 0) {
    problems.push("fleet.awsProfile: name the AWS profile the plugin uses");
  }
  if (fleet.username.length === 0) {
    problems.push("fleet.username: name the SSH user of the fleet's image, e.g. ec2-user or admin");
  }
  if ((fleet.useStaticCredentials ?? false) && fleet.keyPath === undefined) {
    problems.push(
      "fleet.keyPath: static credentials need the private key's path; set keyPath or useStaticCredentials false",
    );
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(model.cache.bucketName)) {
    problems.push(`cache.bucketName: "${model.cache.bucketName}" is not an S3 bucket name`);
  }
  if (model.cache.kmsKeyId.length === 0) {
    problems.push("cache.kmsKeyId: name the KMS key the cache bucket encrypts with");
  }

  const needed = requiredConcurrency(model);
  if (Number.isInteger(needed) && isPositiveInteger(global.concurrent) && global.concurrent < needed) {
    problems.push(
      `global.concurrent: ${global.concurrent} is below ${needed}, the sum of every pool's maxInstances × capacityPerInstance plus the deploy runner's limit; raise concurrent to at least ${needed} or shrink the pools`,
    );
  }
  return problems;
}

/** Throws one Error listing every problem {@link validateRunnerModel} finds. */
export function assertValidRunnerModel(model: RunnerModel): void {
  const problems = validateRunnerModel(model);
  if (problems.length > 0) {
    throw new Error(`invalid runner model:\n  - ${problems.join("\n  - ")}`);
  }
}
