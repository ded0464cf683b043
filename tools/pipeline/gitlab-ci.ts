/**
 * `npm run pipeline`: generates `.gitlab-ci.yml` from the phase graph (docs/pipeline.md; everything that needs an order
 * derives it from `stacks/graph.ts`, docs/architecture.md). A test fails when the committed file differs from what this
 * writes; `npm run pipeline` rewrites it.
 *
 * The pipeline, by source:
 * - merge requests: install, lint, typecheck, unit tests (JUnit), SAST and Secret Detection, the offline plan with
 *   policies (Code Quality report), the plan diff against the target branch posted as one note, then
 *   `pulumi preview` per stack in graph order, each only when files that affect the stack changed;
 * - the default branch: the same checks and every preview, then `pulumi up` per stack in graph order (manual gate
 *   for the stacks in {@link MANUAL_GATES}), then the smoke check and the verify jobs of every runner and pool
 *   ({@link verifyJobs});
 * - schedules on the default branch: drift detection per stack, nothing else.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as ts from "typescript";
import { Document, parse } from "yaml";
import { GRAPH, StackName, stackOrder } from "../../stacks/graph";
import { imageAllowed, readRunnerInventory, RunnerInventory, VerifiedPool, VerifiedRunner } from "./runners";

/**
 * Job image: the multi-arch index of `node:20-bookworm-slim` (Node 20.20.2), pinned by digest so a re-tag cannot
 * change what runs with deploy credentials. Re-pin deliberately: `docker buildx imagetools inspect
 * node:20-bookworm-slim` prints the current index digest.
 */
export const NODE_IMAGE =
  "node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0";

/**
 * The pack and the stack's own settings for it: `pulumi preview` does not read `foundation:policyEnforcement` or
 * `foundation:policyConfig`, so each job writes them as the `--policy-pack-config` file first, and a real preview
 * enforces what the offline plan enforces.
 */
export const POLICY_FLAGS = "--policy-pack policies --policy-pack-config policy-pack-config.json";

function packConfig(stack: StackName): string {
  return `npm run -s policies -- config --stack ${stack} > policy-pack-config.json`;
}

/** Stacks whose `pulumi up` waits for a person to press play: the landing zone and the lab's hardware. */
export const MANUAL_GATES: ReadonlySet<StackName> = new Set<StackName>(["aws", "lab"]);

/** Runner tag of the runner model's deploy runner (protected refs only); every `pulumi up` runs there. */
export const DEPLOY_RUNNER_TAG = "deploy";

/**
 * Runner tag of the jobs that need the lab network (the Proxmox and Kubernetes APIs): the deploy runner's. Every branch
 * of the foundation project is protected (only maintainers push), so its merge request previews are protected refs
 * and may use the protected deploy runner, the one runner on the lab network that holds no untrusted job
 * (docs/runbooks/runner.md, "Who runs where").
 */
export const LAB_RUNNER_TAG = DEPLOY_RUNNER_TAG;

/** The CI/CD variable holding the GitLab ID token that AWS exchanges for role credentials. */
export const OIDC_TOKEN_VARIABLE = "FOUNDATION_OIDC_TOKEN";

/** Which AWS role a job assumes: the group variables the `group` stack publishes from the `aws` stack's outputs. */
export const ROLE_VARIABLES = {
  preview: "FOUNDATION_PREVIEW_ROLE_ARN",
  deploy: "FOUNDATION_DEPLOY_ROLE_ARN",
} as const;

/** How one stack runs in CI besides its AWS role. */
export interface StackCi {
  /** Provider credentials by environment variable, for previews and drift (read-only) and for deploys. */
  readonly env: {
    readonly preview: Readonly<Record<string, string>>;
    readonly deploy: Readonly<Record<string, string>>;
  };
  /** Runner tags for previews and drift; deploys always run on {@link DEPLOY_RUNNER_TAG}. */
  readonly previewTags: readonly string[];
  /** Extra Debian packages and setup lines a deploy needs. */
  readonly deploySetup: { readonly packages: readonly string[]; readonly script: readonly string[] };
  /** The check that runs after the stack's deploy, if any. */
  readonly smoke?: string;
}

/**
 * Per-stack CI settings. Credentials come from masked CI/CD variables (docs/pipeline.md lists them); the deploy
 * ones are also protected, so merge request pipelines never see them.
 */
export const STACK_CI: Readonly<Record<StackName, StackCi>> = {
  aws: { env: { preview: {}, deploy: {} }, previewTags: [], deploySetup: { packages: [], script: [] } },
  group: {
    env: {
      preview: { GITLAB_TOKEN: "$FOUNDATION_GITLAB_READ_TOKEN" },
      deploy: { GITLAB_TOKEN: "$FOUNDATION_GITLAB_OWNER_TOKEN" },
    },
    previewTags: [],
    deploySetup: { packages: [], script: [] },
  },
  lab: {
    env: {
      preview: { PROXMOX_VE_API_TOKEN: "$FOUNDATION_PROXMOX_AUDIT_TOKEN" },
      deploy: { PROXMOX_VE_API_TOKEN: "$FOUNDATION_PROXMOX_DEPLOY_TOKEN" },
    },
    previewTags: [LAB_RUNNER_TAG],
    // Snippet uploads go over SSH (README "Real use"); the key is a protected file variable. The job runs on the
    // runner manager this stack owns, so it refuses an update that would replace or delete it
    // (tools/pipeline/runner-guard.ts).
    deploySetup: {
      packages: ["openssh-client"],
      script: [
        'chmod 600 "$FOUNDATION_PROXMOX_SSH_KEY"',
        'eval "$(ssh-agent -s)"',
        'ssh-add "$FOUNDATION_PROXMOX_SSH_KEY"',
        "pulumi preview --stack lab --json --non-interactive > preview-lab.json",
        "node -r ./tools/register.js tools/pipeline/runner-guard.ts --file preview-lab.json",
      ],
    },
  },
  "eve-skill-farm": {
    env: { preview: {}, deploy: {} },
    previewTags: [LAB_RUNNER_TAG],
    deploySetup: { packages: [], script: [] },
    smoke: "npm run -s smoke -- --stack eve-skill-farm",
  },
};

/** Everything the pipeline is derived from besides the graph, read from the repository by {@link pipelineInputs}. */
export interface PipelineInputs {
  /** The Pulumi CLI version: the pinned `@pulumi/pulumi` SDK version, so CLI and SDK match. */
  readonly pulumiVersion: string;
  /** The `aud` the CI roles trust (`foundation:gitlabOidc.audience` in Pulumi.aws.yaml). */
  readonly audience: string;
  /** Per stack, the `rules:changes` globs of the files its program is built from. */
  readonly sources: Readonly<Record<StackName, readonly string[]>>;
  /** The runners and pools the verify stage proves (tools/pipeline/runners.ts). */
  readonly runners: RunnerInventory;
}

/** A rule of a GitLab job. */
export interface Rule {
  readonly if?: string;
  readonly changes?: readonly string[];
  readonly when?: "on_success" | "manual" | "never" | "always";
  readonly allow_failure?: boolean;
}

/** A generated GitLab job (the keys this pipeline uses). */
export interface Job {
  readonly stage: string;
  readonly image: string;
  readonly services?: readonly { readonly name: string; readonly alias: string }[];
  readonly needs: readonly (
    string | { readonly job: string; readonly optional?: boolean; readonly artifacts?: boolean }
  )[];
  readonly rules: readonly Rule[];
  readonly timeout?: string;
  readonly tags?: readonly string[];
  readonly variables?: Readonly<Record<string, string>>;
  readonly id_tokens?: Readonly<Record<string, { readonly aud: string }>>;
  readonly resource_group?: string;
  readonly environment?: { readonly name: string; readonly deployment_tier: string; readonly action?: string };
  readonly cache?: readonly Readonly<Record<string, unknown>>[];
  readonly script: readonly string[];
  readonly artifacts?: Readonly<Record<string, unknown>>;
}

/** The stages, in order. `test` also holds the SAST and Secret Detection jobs of GitLab's templates. */
export const STAGES = ["install", "test", "plan", "preview", "deploy", "verify", "drift"] as const;

const MR = '$CI_PIPELINE_SOURCE == "merge_request_event"';
const DEFAULT_BRANCH_PUSH = '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"';
const SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH';
const NOT_SCHEDULE = '$CI_PIPELINE_SOURCE != "schedule"';

/**
 * Directories whose files a program reads at run time besides importing them (the monitoring VM ships the rule files
 * and dashboards under monitoring/): when a stack reaches one, every file in it, subdirectories too, affects the stack.
 */
export const RUNTIME_DATA_DIRS: ReadonlySet<string> = new Set(["monitoring"]);

/** Files every stack's program depends on besides its own sources. */
const SHARED_SOURCES = [".gitlab-ci.yml", "Pulumi.yaml", "package.json", "package-lock.json", "policies/**/*"];

/** Installs dependencies from the lockfile through the npm cache GitLab keeps in `cacheDir`. */
function npmCi(cacheDir = ".npm"): string {
  return `npm ci --cache ${cacheDir} --prefer-offline --no-audit --no-fund`;
}

function npmCache(policy: "pull" | "pull-push"): Record<string, unknown> {
  return { key: { files: ["package-lock.json"], prefix: "npm" }, paths: [".npm/"], policy };
}

/** Provider plugins Pulumi downloads, kept between jobs. */
const PLUGIN_CACHE = { key: { files: ["package-lock.json"], prefix: "pulumi-plugins" }, paths: [".pulumi/plugins/"] };

/** Installs the pinned Pulumi CLI for the runner's architecture, checked against the release's checksums. */
function installPulumi(packages: readonly string[]): string[] {
  const archive = "pulumi-v${PULUMI_VERSION}-linux-${PULUMI_ARCH}.tar.gz";
  return [
    "apt-get update -qq",
    `apt-get install -y -qq --no-install-recommends ${["ca-certificates", "curl", ...packages].join(" ")} >/dev/null`,
    'PULUMI_ARCH="$(case "$(uname -m)" in aarch64 | arm64) echo arm64 ;; *) echo x64 ;; esac)"',
    `curl -fsSL -o "/tmp/${archive}" "https://get.pulumi.com/releases/sdk/${archive}"`,
    'curl -fsSL -o /tmp/pulumi-checksums.txt "https://github.com/pulumi/pulumi/releases/download/v${PULUMI_VERSION}/pulumi-${PULUMI_VERSION}-checksums.txt"',
    "(cd /tmp && sha256sum --check --ignore-missing pulumi-checksums.txt)",
    `tar -xzf "/tmp/${archive}" -C /opt`,
    'export PATH="/opt/pulumi:$PATH"',
    "pulumi version",
  ];
}

/** Hands the job's ID token to the AWS SDKs (web identity) for `role`. */
function assumeRole(role: keyof typeof ROLE_VARIABLES): string[] {
  return [
    'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
    `printf '%s' "$${OIDC_TOKEN_VARIABLE}" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
    `export AWS_ROLE_ARN="$${ROLE_VARIABLES[role]}"`,
    'export AWS_ROLE_SESSION_NAME="gitlab-${CI_PROJECT_ID}-${CI_JOB_ID}"',
  ];
}

function nodeJob(stage: string, needs: Job["needs"], rules: Rule[], script: string[], extra: Partial<Job> = {}): Job {
  return { stage, image: NODE_IMAGE, needs, rules, cache: [npmCache("pull")], script: [npmCi(), ...script], ...extra };
}

function pulumiJob(
  inputs: PipelineInputs,
  stage: string,
  needs: Job["needs"],
  rules: Rule[],
  role: keyof typeof ROLE_VARIABLES,
  script: string[],
  extra: Partial<Job> & { packages?: readonly string[] } = {},
): Job {
  const { packages = [], ...rest } = extra;
  return {
    ...nodeJob(stage, needs, rules, [...installPulumi(packages), ...assumeRole(role), ...script], rest),
    id_tokens: { [OIDC_TOKEN_VARIABLE]: { aud: inputs.audience } },
    cache: [npmCache("pull"), PLUGIN_CACHE],
  };
}

function withEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { PULUMI_HOME: "$CI_PROJECT_DIR/.pulumi", PULUMI_SKIP_UPDATE_CHECK: "true", ...env };
}

function checkJobs(): Record<string, Job> {
  const always: Rule[] = [{ if: NOT_SCHEDULE }];
  return {
    install: { ...nodeJob("install", [], always, ["npm ls --depth=0 >/dev/null"]), cache: [npmCache("pull-push")] },
    lint: nodeJob("test", ["install"], always, ["npm run -s lint"]),
    typecheck: nodeJob("test", ["install"], always, ["npm run -s typecheck"]),
    "unit-tests": nodeJob(
      "test",
      ["install"],
      always,
      [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager cloud-init openssl >/dev/null",
        "npx jest --ci --reporters=default --reporters=jest-junit",
      ],
      {
        variables: { JEST_JUNIT_OUTPUT_DIR: "reports", JEST_JUNIT_OUTPUT_NAME: "junit.xml" },
        artifacts: { when: "always", reports: { junit: "reports/junit.xml" }, expire_in: "30 days" },
      },
    ),
    plan: nodeJob(
      "plan",
      ["install"],
      always,
      [
        "status=0",
        "npm run -s plan -- --json --policy-pack policies > plan.json || status=$?",
        "npm run -s policies -- --codequality gl-code-quality-report.json",
        'exit "$status"',
      ],
      {
        artifacts: {
          when: "always",
          paths: ["plan.json"],
          reports: { codequality: "gl-code-quality-report.json" },
          expire_in: "30 days",
        },
      },
    ),
    "plan:diff": nodeJob(
      "plan",
      ["install"],
      [{ if: MR }],
      [
        'git fetch --depth=1 origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"',
        "git worktree add /tmp/target FETCH_HEAD",
        `(cd /tmp/target && ${npmCi('"$CI_PROJECT_DIR/.npm"')} && npm run -s plan -- --json) > plan-target.json`,
        "status=0",
        "npm run -s plan -- --diff plan-target.json --format markdown --policy-pack policies > plan-diff.md || status=$?",
        "node -r ./tools/register.js tools/pipeline/mr-note.ts --file plan-diff.md",
        'exit "$status"',
      ],
      { artifacts: { when: "always", paths: ["plan-target.json", "plan-diff.md"], expire_in: "30 days" } },
    ),
  };
}

function stackJobs(inputs: PipelineInputs, stack: StackName): Record<string, Job> {
  const ci = STACK_CI[stack];
  const node = GRAPH[stack];
  const group = `foundation-${stack}`;
  const previewTags = ci.previewTags.length ? { tags: ci.previewTags } : {};
  const jobs: Record<string, Job> = {};

  jobs[`preview:${stack}`] = pulumiJob(
    inputs,
    "preview",
    ["plan", "lint", "typecheck", "unit-tests", ...node.needs.map((n) => ({ job: `preview:${n}`, optional: true }))],
    [{ if: MR, changes: inputs.sources[stack] }, { if: DEFAULT_BRANCH_PUSH }],
    "preview",
    [
      "set -o pipefail",
      packConfig(stack),
      `pulumi preview --stack ${stack} --diff ${POLICY_FLAGS} --non-interactive --color never 2>&1 | tee preview-${stack}.txt`,
    ],
    {
      ...previewTags,
      variables: withEnv(ci.env.preview),
      artifacts: { when: "always", paths: [`preview-${stack}.txt`], expire_in: "30 days" },
    },
  );

  const gate: Rule = MANUAL_GATES.has(stack)
    ? { if: DEFAULT_BRANCH_PUSH, when: "manual", allow_failure: false }
    : { if: DEFAULT_BRANCH_PUSH };
  jobs[`deploy:${stack}`] = pulumiJob(
    inputs,
    "deploy",
    [`preview:${stack}`, ...node.needs.map((n) => `deploy:${n}`)],
    [gate],
    "deploy",
    [
      ...ci.deploySetup.script,
      packConfig(stack),
      `pulumi up --stack ${stack} --yes --diff ${POLICY_FLAGS} --non-interactive --color never`,
    ],
    {
      packages: ci.deploySetup.packages,
      tags: [DEPLOY_RUNNER_TAG],
      variables: withEnv(ci.env.deploy),
      resource_group: group,
      environment: { name: `foundation/${stack}`, deployment_tier: "production" },
    },
  );

  if (ci.smoke) {
    jobs[`smoke:${stack}`] = pulumiJob(
      inputs,
      "verify",
      [`deploy:${stack}`],
      [{ if: DEFAULT_BRANCH_PUSH }],
      "preview",
      [ci.smoke],
      {
        ...previewTags,
        variables: withEnv({}),
        environment: { name: `foundation/${stack}`, deployment_tier: "production", action: "verify" },
      },
    );
  }

  jobs[`drift:${stack}`] = pulumiJob(
    inputs,
    "drift",
    [],
    [{ if: SCHEDULE }],
    "preview",
    [
      `pulumi refresh --stack ${stack} --preview-only --diff --non-interactive --color never`,
      "status=0",
      `pulumi preview --stack ${stack} --refresh --expect-no-changes --json --non-interactive > drift-${stack}.json || status=$?`,
      `node -r ./tools/register.js tools/pipeline/drift.ts --stack ${stack} --file drift-${stack}.json --exit-code "$status"`,
    ],
    {
      ...previewTags,
      variables: withEnv(ci.env.preview),
      // A refresh preview can take the state lock in older CLIs; never run it beside an apply of the stack.
      resource_group: group,
      artifacts: { when: "always", paths: [`drift-${stack}.json`], expire_in: "30 days" },
    },
  );
  return jobs;
}

/**
 * The verify stage's images, each by the digest of its multi-arch index (amd64 and arm64), so a re-tag changes
 * nothing that runs; re-pin deliberately with `docker buildx imagetools inspect <image>:<tag>`.
 */
export const VERIFY_IMAGES = {
  /** The Docker CLI of the docker-in-docker jobs (27.5.1). */
  dockerCli: "docker:27.5.1-cli@sha256:851f91d241214e7c6db86513b270d58776379aacc5eb9c4a87e5b47115e3065c",
  /** The docker-in-docker service (27.5.1). */
  dind: "docker:27.5.1-dind@sha256:aa3df78ecf320f5fafdce71c659f1629e96e9de0968305fe1de670e0ca9176ce",
  /** The base of the image the docker-in-docker job builds (3.21). */
  alpine: "alpine:3.21@sha256:48b0309ca019d89d40f670aa1bc06e426dc0931948452e8491e3d65087abc07d",
} as const;

/** What `uname -m` prints on each architecture. */
const MACHINE: Readonly<Record<VerifiedPool["architecture"], string>> = { arm64: "aarch64", amd64: "x86_64" };

/** A verify job waits for the lab's deploy, which the aws and group deploys (pools, records) come before. */
const VERIFY_NEEDS = ["deploy:lab"];

/** The longest a verify job may take, an instance's start included. */
const VERIFY_TIMEOUT = "20 minutes";

/** A shell line that fails the job with `message`, naming the runner, unless `condition` holds. */
function check(runner: string, condition: string, message: string): string {
  return `${condition} || { echo "runner ${runner}: ${message}" >&2; exit 1; }`;
}

/**
 * Proves the job runs on `runner`: GitLab hands every job the runner's description, which the runner records start
 * with the runner's name (`runnerRecords` in components/runner/model.ts).
 */
function onRunner(runner: string): string[] {
  return [
    `echo "runner ${runner}: job $CI_JOB_NAME on the runner described as: $CI_RUNNER_DESCRIPTION (tags $CI_RUNNER_TAGS)"`,
    check(
      runner,
      `case "$CI_RUNNER_DESCRIPTION" in "${runner}: "*) true ;; *) false ;; esac`,
      "this job ran on another runner",
    ),
  ];
}

/** The cache entry a runner's verify job writes (`push`) and its cache job reads back (`pull`), once per pipeline. */
function verifyCache(runner: string, policy: "push" | "pull"): Record<string, unknown> {
  return { key: `verify-${runner}-$CI_PIPELINE_ID`, paths: ["verify-cache/"], policy };
}

function cacheWrite(runner: string): string[] {
  return ["mkdir -p verify-cache", `echo "$CI_PIPELINE_ID ${runner}" > verify-cache/${runner}`];
}

/** The later job that reads the cache back: the S3 cache round trip through the runner's own cache settings. */
function cacheJob(runner: VerifiedRunner): Job {
  return {
    stage: "verify",
    image: NODE_IMAGE,
    tags: [...runner.tags],
    needs: [`verify:${runner.name}`],
    rules: [{ if: DEFAULT_BRANCH_PUSH }],
    timeout: VERIFY_TIMEOUT,
    variables: { GIT_STRATEGY: "none" },
    cache: [verifyCache(runner.name, "pull")],
    script: [
      ...onRunner(runner.name),
      check(
        runner.name,
        `test "$(cat verify-cache/${runner.name} 2>/dev/null)" = "$CI_PIPELINE_ID ${runner.name}"`,
        `the file verify:${runner.name} wrote to the S3 cache did not come back`,
      ),
      `echo "runner ${runner.name}: the S3 cache round trip works"`,
    ],
  };
}

/** Hello, the machine's architecture, and the cache write, on one pool. */
function poolJob(pool: VerifiedPool): Job {
  const machine = MACHINE[pool.architecture];
  return {
    stage: "verify",
    image: NODE_IMAGE,
    tags: [...pool.tags],
    needs: VERIFY_NEEDS,
    rules: [{ if: DEFAULT_BRANCH_PUSH }],
    timeout: VERIFY_TIMEOUT,
    variables: { GIT_STRATEGY: "none" },
    cache: [verifyCache(pool.name, "push")],
    script: [
      ...onRunner(pool.name),
      check(pool.name, `test "$(uname -m)" = ${machine}`, `expected an ${machine} instance, got $(uname -m)`),
      ...cacheWrite(pool.name),
      `echo "runner ${pool.name}: hello from an ${machine} instance"`,
    ],
  };
}

/**
 * Docker-in-docker on a privileged pool: `docker info` against the service, then a build for the pool's own platform
 * whose `RUN` step checks the machine, and the image's architecture read back
 * (https://docs.gitlab.com/ci/docker/using_docker_build/#use-the-docker-executor-with-docker-in-docker).
 */
function dindJob(pool: VerifiedPool): Job {
  const machine = MACHINE[pool.architecture];
  const image = `verify-${pool.name}:$CI_PIPELINE_ID`;
  return {
    stage: "verify",
    image: VERIFY_IMAGES.dockerCli,
    services: [{ name: VERIFY_IMAGES.dind, alias: "docker" }],
    tags: [...pool.tags],
    needs: VERIFY_NEEDS,
    rules: [{ if: DEFAULT_BRANCH_PUSH }],
    timeout: VERIFY_TIMEOUT,
    variables: {
      GIT_STRATEGY: "none",
      // The service writes its TLS client certificates to /certs/client, the volume privileged pools share.
      DOCKER_HOST: "tcp://docker:2376",
      DOCKER_TLS_CERTDIR: "/certs",
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: "/certs/client",
    },
    script: [
      ...onRunner(pool.name),
      check(pool.name, "docker info", "docker info failed: the docker-in-docker service is not reachable"),
      `printf 'FROM %s\\nRUN test "$(uname -m)" = %s\\n' "${VERIFY_IMAGES.alpine}" "${machine}" > Dockerfile`,
      check(
        pool.name,
        `docker build --platform linux/${pool.architecture} --tag ${image} .`,
        `docker build for linux/${pool.architecture} failed`,
      ),
      check(
        pool.name,
        // Double quotes inside $(...) are the shell's own; single ones would make the YAML serializer and Prettier
        // quote the line differently, and the committed file fail the format check.
        `test "$(docker image inspect --format "{{.Architecture}}" ${image})" = ${pool.architecture}`,
        `the built image is not linux/${pool.architecture}`,
      ),
      `echo "runner ${pool.name}: docker-in-docker builds linux/${pool.architecture} images"`,
    ],
  };
}

/**
 * The deploy runner's dry run: DNS and HTTPS to GitLab, NTP to the lab's time server, and SSH out when the host
 * firewall lets it go anywhere (tools/pipeline/egress-check.ts); no credential, no deploy, the pinned job image the
 * runner accepts.
 */
function deployJob(inputs: RunnerInventory): Job {
  const { deploy, egress } = inputs;
  const args = [
    `--runner ${deploy.name}`,
    '--dns "$CI_SERVER_HOST"',
    '--https "$CI_SERVER_URL"',
    `--ntp ${egress.ntpServer}`,
    // With SSH let out only to the fleet's subnets there is no fixed address to try; the fleet's jobs prove it.
    ...(egress.sshAnywhere ? ['--tcp "$CI_SERVER_HOST:22"'] : []),
  ];
  return {
    ...nodeJob(
      "verify",
      VERIFY_NEEDS,
      [{ if: DEFAULT_BRANCH_PUSH }],
      [
        ...onRunner(deploy.name),
        `node -r ./tools/register.js tools/pipeline/egress-check.ts ${args.join(" ")}`,
        ...cacheWrite(deploy.name),
      ],
    ),
    tags: [...deploy.tags],
    timeout: VERIFY_TIMEOUT,
    cache: [npmCache("pull"), verifyCache(deploy.name, "push")],
  };
}

/**
 * The verify stage: after `deploy:lab` (and so after every runner change: the pools and records come from the aws and
 * group deploys it waits for), one tagged job per runner and pool proves it does its job, and a later job per runner
 * reads back what the first wrote to the S3 cache. A failed check fails the pipeline; job names and output name the
 * runner. Privileged pools also build an image with docker-in-docker; unprivileged ones get no such job.
 */
export function verifyJobs(inventory: RunnerInventory): Record<string, Job> {
  const { deploy } = inventory;
  if (!deploy.tags.includes(DEPLOY_RUNNER_TAG)) {
    throw new Error(
      `Pulumi.group.yaml: foundation:runners.deploy.tags has no "${DEPLOY_RUNNER_TAG}", the tag every deploy job asks for; add it`,
    );
  }
  if (!imageAllowed(deploy.allowedImages, NODE_IMAGE)) {
    throw new Error(
      `Pulumi.group.yaml: foundation:runners.deploy.allowedImages does not allow the job image ${NODE_IMAGE}; allow it by digest, e.g. "node:20-bookworm-slim@sha256:*"`,
    );
  }
  const jobs: Record<string, Job> = {};
  jobs[`verify:${deploy.name}`] = deployJob(inventory);
  jobs[`verify:${deploy.name}:cache`] = cacheJob(deploy);
  for (const pool of inventory.pools) {
    jobs[`verify:${pool.name}`] = poolJob(pool);
    if (pool.privileged) jobs[`verify:${pool.name}:dind`] = dindJob(pool);
    jobs[`verify:${pool.name}:cache`] = cacheJob(pool);
  }
  return jobs;
}

/** The order of a job's keys in the file: what and where first, then when, with what, and what it does. */
const KEY_ORDER: readonly (keyof Job)[] = [
  "stage",
  "image",
  "services",
  "tags",
  "needs",
  "rules",
  "timeout",
  "resource_group",
  "environment",
  "id_tokens",
  "variables",
  "cache",
  "script",
  "artifacts",
];

function ordered(job: Job): Job {
  return Object.fromEntries(KEY_ORDER.filter((k) => job[k] !== undefined).map((k) => [k, job[k]])) as unknown as Job;
}

/**
 * Every job: checks first, then stack jobs by stage and, within a stage, in graph order; the runners' verify jobs close
 * the verify stage.
 */
export function pipelineJobs(inputs: PipelineInputs): Record<string, Job> {
  const perStack = stackOrder().map((stack) => stackJobs(inputs, stack));
  const all: Record<string, Job> = { ...checkJobs() };
  for (const stage of STAGES) {
    for (const jobs of perStack) {
      for (const [name, job] of Object.entries(jobs)) if (job.stage === stage) all[name] = job;
    }
    if (stage === "verify") Object.assign(all, verifyJobs(inputs.runners));
  }
  return Object.fromEntries(Object.entries(all).map(([name, job]) => [name, ordered(job)]));
}

/** The pipeline as a plain object, in the order it is written. */
export function pipelineObject(inputs: PipelineInputs): Record<string, unknown> {
  const jobs = pipelineJobs(inputs);
  return {
    include: [{ template: "Jobs/SAST.gitlab-ci.yml" }, { template: "Jobs/Secret-Detection.gitlab-ci.yml" }],
    workflow: { rules: [{ if: MR }, { if: SCHEDULE }, { if: DEFAULT_BRANCH_PUSH }] },
    stages: [...STAGES],
    variables: {
      PULUMI_VERSION: inputs.pulumiVersion,
      // GitLab 18.0+: run the SAST and Secret Detection template jobs in merge request pipelines too.
      AST_ENABLE_MR_PIPELINES: "true",
    },
    ...jobs,
  };
}

const HEADER = [
  " Generated by `npm run pipeline` (tools/pipeline/gitlab-ci.ts) from stacks/graph.ts; do not edit by hand.",
  " What runs when, and with which role: docs/pipeline.md.",
].join("\n");

/** Renders `.gitlab-ci.yml`. Pure: the same inputs give the same bytes. */
export function renderPipeline(inputs: PipelineInputs): string {
  const doc = new Document(pipelineObject(inputs), { aliasDuplicateObjects: false });
  doc.commentBefore = HEADER;
  return doc.toString({ lineWidth: 0 });
}

/** Resolves a relative import to a project `.ts` file, or undefined for packages and non-TypeScript files. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, "index.ts")]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * The `rules:changes` globs for `stack`: one `dir/*` per directory of a project file its program reaches through
 * relative imports from `stacks/<stack>/` (every file below the directory for {@link RUNTIME_DATA_DIRS}), plus its config file and the
 * files every stack depends on.
 */
export function stackSources(root: string, stack: StackName): string[] {
  const seen = new Set<string>();
  const queue = ["index.ts", "config.ts", "outputs.ts"].map((f) => join(root, "stacks", stack, f));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, false);
    for (const ref of info.importedFiles) {
      const target = resolveImport(file, ref.fileName);
      if (target !== undefined) queue.push(target);
    }
  }
  const dirs = [...new Set([...seen].map((f) => relative(root, dirname(f)).split("\\").join("/")))].sort();
  return [
    ...SHARED_SOURCES,
    `Pulumi.${stack}.yaml`,
    ...dirs.map((d) => (RUNTIME_DATA_DIRS.has(d) ? `${d}/**/*` : `${d}/*`)),
  ];
}

/** Reads the inputs of {@link renderPipeline} from the repository at `root`. */
export function pipelineInputs(root: string): PipelineInputs {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const pulumiVersion = pkg.dependencies["@pulumi/pulumi"];
  if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(pulumiVersion ?? "")) {
    throw new Error(`package.json: @pulumi/pulumi must be pinned to an exact version for the CLI to match it`);
  }
  const aws = parse(readFileSync(join(root, "Pulumi.aws.yaml"), "utf8")) as {
    config?: Record<string, { audience?: unknown } | undefined>;
  };
  const audience = aws.config?.["foundation:gitlabOidc"]?.audience;
  if (typeof audience !== "string" || audience === "") {
    throw new Error("Pulumi.aws.yaml: foundation:gitlabOidc.audience is missing; the CI jobs pin it as id_tokens aud");
  }
  const sources = Object.fromEntries(stackOrder().map((s) => [s, stackSources(root, s)])) as Record<
    StackName,
    string[]
  >;
  return { pulumiVersion, audience, sources, runners: readRunnerInventory(root) };
}

/** The repository root. */
export const ROOT = join(__dirname, "..", "..");

/** Path of the pipeline this script maintains. */
export const PIPELINE_FILE = join(ROOT, ".gitlab-ci.yml");

if (require.main === module) {
  writeFileSync(PIPELINE_FILE, renderPipeline(pipelineInputs(ROOT)));
}
