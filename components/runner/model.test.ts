import type { Architecture } from "./instance-types";
import {
  assertValidRunnerModel,
  requiredConcurrency,
  RunnerModel,
  RunnerPool,
  runnerRecords,
  validateRunnerModel,
} from "./model";
import { sampleRunnerModel } from "./testing";

type Mutation = (model: RunnerModel) => RunnerModel;

const withPool =
  (index: number, change: Partial<RunnerPool>): Mutation =>
  (model) => ({
    ...model,
    pools: model.pools.map((pool, i) => (i === index ? { ...pool, ...change } : pool)),
  });

describe("validateRunnerModel", () => {
  test("accepts the sample model", () => {
    expect(validateRunnerModel(sampleRunnerModel())).toEqual([]);
  });

  test.each<[string, Mutation]>([
    ["concurrent exactly the required sum", (m) => ({ ...m, global: { ...m.global, concurrent: 32 } })],
    ["concurrent above the required sum", (m) => ({ ...m, global: { ...m.global, concurrent: 60 } })],
    ["an arm64 pool of a1 and *gd types", withPool(0, { instanceTypes: ["a1.xlarge", "m7gd.xlarge"] })],
    ["an on-demand pool with one type", withPool(1, { instanceTypes: ["m7i.large"], spot: false })],
    ["an amd64 spot pool with two x86 types", withPool(1, { spot: true, instanceTypes: ["m7i.large", "m7a.large"] })],
    ["an untagged pool that runs untagged jobs", withPool(0, { tags: [], runUntagged: true })],
    ["maxUseCount 0 (no limit) on an unprivileged pool", withPool(1, { maxUseCount: 0 })],
    [
      "deploy images pinned by an exact digest",
      (m) => ({ ...m, deploy: { ...m.deploy, allowedImages: [`node@sha256:${"a".repeat(64)}`] } }),
    ],
  ])("accepts %s", (_name, mutate) => {
    expect(validateRunnerModel(mutate(sampleRunnerModel()))).toEqual([]);
  });

  test.each<[string, Mutation, string[]]>([
    [
      "concurrent below the pools' capacity",
      (m) => ({ ...m, global: { ...m.global, concurrent: 31 } }),
      [
        "global.concurrent: 31 is below 32, the sum of every pool's maxInstances × capacityPerInstance plus the deploy runner's limit; raise concurrent to at least 32 or shrink the pools",
      ],
    ],
    [
      "concurrent 0",
      (m) => ({ ...m, global: { ...m.global, concurrent: 0 } }),
      ["global.concurrent: 0 must be an integer of at least 1 (0 stops the runner)"],
    ],
    [
      "an x86 type in an arm64 pool",
      withPool(0, { instanceTypes: ["c7g.xlarge", "m7i.xlarge"] }),
      [
        'pools[0] (arm64-spot).instanceTypes: "m7i.xlarge" is an amd64 (x86) type but the pool is arm64; use a Graviton type (a1, or a family ending in g, gd, gn or gen, e.g. c7g.large)',
      ],
    ],
    [
      "a Graviton type in an amd64 pool",
      withPool(1, { instanceTypes: ["c7g.large"] }),
      [
        'pools[1] (amd64-ondemand).instanceTypes: "c7g.large" is a Graviton (arm64) type but the pool is amd64; use an x86 type (e.g. c7i.large, m7a.large) or make the pool arm64',
      ],
    ],
    [
      "a spot pool with one type",
      withPool(0, { instanceTypes: ["c7g.xlarge"] }),
      [
        "pools[0] (arm64-spot).instanceTypes: a spot pool needs at least two instance types so one type's capacity shortage does not stop the pool; add another arm64 type",
      ],
    ],
    [
      "a malformed instance type",
      withPool(0, { instanceTypes: ["c7g", "m7g.large"] }),
      ['pools[0] (arm64-spot).instanceTypes: "c7g" is not an EC2 instance type; use <family>.<size>, e.g. c7g.large'],
    ],
    [
      "a duplicated instance type",
      withPool(0, { instanceTypes: ["c7g.large", "c7g.large"] }),
      ["pools[0] (arm64-spot).instanceTypes: lists a type twice; list each type once"],
    ],
    [
      "maxInstances 0",
      withPool(1, { maxInstances: 0 }),
      ["pools[1] (amd64-ondemand).maxInstances: 0 must be an integer of at least 1; 0 (unlimited) cannot be budgeted"],
    ],
    [
      "idle capacity above the pool's capacity",
      withPool(0, {
        idle: { periods: ["* 7-19 * * mon-fri"], timezone: "Europe/Berlin", idleCount: 11, idleTime: "20m" },
      }),
      [
        "pools[0] (arm64-spot).idle.idleCount: 11 idle jobs exceed the pool's capacity of 10 (maxInstances × capacityPerInstance); lower idleCount or raise maxInstances",
      ],
    ],
    [
      "a bad idle schedule",
      withPool(0, {
        idle: { periods: ["* 7-19 * *"], timezone: "Mars/Olympus", idleCount: 1, idleTime: "20 minutes" },
      }),
      [
        'pools[0] (arm64-spot).idle.periods: "* 7-19 * *" is not a five-field cron expression (minute hour day month weekday)',
        'pools[0] (arm64-spot).idle.timezone: "Mars/Olympus" is not an IANA time zone; use e.g. "Europe/Berlin" or "UTC"',
        'pools[0] (arm64-spot).idle.idleTime: "20 minutes" is not a Go duration; use e.g. "20m0s" or "1h"',
      ],
    ],
    [
      "a pool without an autoscaling group",
      (m) => ({ ...m, fleet: { ...m.fleet, autoscalingGroupNames: { "arm64-spot": "foundation-runner-arm64-spot" } } }),
      [
        'fleet.autoscalingGroupNames: no autoscaling group for pool "amd64-ondemand"; pass the aws stack\'s group name for it',
      ],
    ],
    [
      "a deploy runner for unprotected refs",
      (m) => ({ ...m, deploy: { ...m.deploy, protectedOnly: false } }),
      ["deploy.protectedOnly: the deploy runner must run protected refs only; set it to true"],
    ],
    [
      "a deploy runner that runs untagged jobs",
      (m) => ({ ...m, deploy: { ...m.deploy, runUntagged: true } }),
      ["deploy.tags: deploy jobs must select the deploy runner by tag; give it a tag and set runUntagged false"],
    ],
    [
      "a deploy runner that any project of the group could use",
      (m) => ({ ...m, deploy: { ...m.deploy, locked: false } }),
      [
        "deploy.locked: the deploy runner must be locked to the foundation project, or any project of the group could use it; set it to true",
      ],
    ],
    [
      "a privileged deploy runner",
      (m) => ({ ...m, deploy: { ...m.deploy, privileged: true } }),
      [
        "deploy.privileged: a privileged job container is root on the host that holds every runner token; set it to false (docker-in-docker jobs belong on a pool)",
      ],
    ],
    [
      "a deploy runner that takes any image",
      (m) => ({ ...m, deploy: { ...m.deploy, allowedImages: ["**"], allowedServices: ["docker:*-dind"] } }),
      [
        'deploy.allowedImages: "**" is not pinned by digest; allow only images named with @sha256:, e.g. "node:20-bookworm-slim@sha256:*"',
        'deploy.allowedServices: "docker:*-dind" is not pinned by digest; allow only images named with @sha256:, e.g. "node:20-bookworm-slim@sha256:*"',
      ],
    ],
    [
      "a deploy runner sharing a tag with a pool",
      (m) => ({ ...m, deploy: { ...m.deploy, tags: ["deploy", "aws-arm64"] } }),
      [
        'deploy.tags: "aws-arm64" is also a tag of runner "arm64-spot", so its jobs could land there and deploy jobs here; give the deploy runner tags of its own',
      ],
    ],
    [
      "a privileged pool that runs several jobs on one instance",
      withPool(0, { capacityPerInstance: 2 }),
      [
        "pools[0] (arm64-spot).privileged: a privileged job is root on its instance and could watch the jobs after it; give a privileged pool maxUseCount 1 and capacityPerInstance 1, so each instance runs one job and is gone",
      ],
    ],
    [
      "a deploy runner without a limit",
      (m) => ({ ...m, deploy: { ...m.deploy, limit: 0 } }),
      ["deploy.limit: 0 must be an integer of at least 1; 0 (unlimited) cannot be budgeted"],
    ],
    [
      "an empty allowed_images list",
      (m) => ({ ...m, deploy: { ...m.deploy, allowedImages: [] } }),
      ['deploy.allowedImages: an empty list allows every image; list the images jobs may use, e.g. ["**"]'],
    ],
    [
      "allowed pull policies disjoint from the pull policy",
      (m) => ({ ...m, deploy: { ...m.deploy, allowedPullPolicies: ["never"] } }),
      ["deploy.allowedPullPolicies: shares no policy with pullPolicy, so every job would fail; allow one of always"],
    ],
    [
      "a tagless pool that refuses untagged jobs",
      withPool(1, { tags: [] }),
      ["pools[1] (amd64-ondemand).tags: a runner without tags that refuses untagged jobs never runs a job; add a tag"],
    ],
    [
      "two runners with one name",
      withPool(1, { name: "arm64-spot" }),
      ['runner names: "arm64-spot" is used more than once; give every runner and pool its own name'],
    ],
    [
      "a pool name that is not a DNS label",
      (m) => ({
        ...withPool(0, { name: "ARM_spot" })(m),
        fleet: { ...m.fleet, autoscalingGroupNames: { ...m.fleet.autoscalingGroupNames, ARM_spot: "asg" } },
      }),
      ['pools[0] (ARM_spot).name: "ARM_spot" is not a DNS label; use lowercase letters, digits and dashes'],
    ],
    [
      "an http GitLab URL",
      (m) => ({ ...m, gitlabUrl: "http://gitlab.example.com" }),
      ['gitlabUrl: "http://gitlab.example.com" must be an https URL, e.g. https://gitlab.example.com'],
    ],
    [
      "static credentials without a key",
      (m) => ({ ...m, fleet: { ...m.fleet, useStaticCredentials: true } }),
      ["fleet.keyPath: static credentials need the private key's path; set keyPath or useStaticCredentials false"],
    ],
    ["no pools", (m) => ({ ...m, pools: [] }), ["pools: define at least one autoscaled pool"]],
    [
      "an unknown architecture",
      withPool(1, { architecture: "x86" as Architecture }),
      ['pools[1] (amd64-ondemand).architecture: "x86" is not supported; use arm64 or amd64'],
    ],
  ])("rejects %s", (_name, mutate, messages) => {
    expect(validateRunnerModel(mutate(sampleRunnerModel()))).toEqual(messages);
  });

  test("assertValidRunnerModel lists every problem in one error", () => {
    const model = withPool(0, { instanceTypes: ["m7i.xlarge"] })(sampleRunnerModel());
    expect(() => assertValidRunnerModel(model)).toThrow(
      new Error(
        [
          "invalid runner model:",
          '  - pools[0] (arm64-spot).instanceTypes: "m7i.xlarge" is an amd64 (x86) type but the pool is arm64; use a Graviton type (a1, or a family ending in g, gd, gn or gen, e.g. c7g.large)',
          "  - pools[0] (arm64-spot).instanceTypes: a spot pool needs at least two instance types so one type's capacity shortage does not stop the pool; add another arm64 type",
        ].join("\n"),
      ),
    );
  });
});

describe("requiredConcurrency", () => {
  test("sums every pool's maxInstances × capacityPerInstance and the deploy runner's limit", () => {
    // 2 (deploy) + 10 × 1 (arm64-spot) + 20 × 1 (amd64-ondemand)
    expect(requiredConcurrency(sampleRunnerModel())).toBe(32);
  });
});

describe("runnerRecords", () => {
  test("carries the server-side settings of every runner, in config order", () => {
    expect(runnerRecords(sampleRunnerModel())).toEqual([
      {
        name: "proxmox-deploy",
        kind: "deploy",
        description: "proxmox-deploy: deployments from protected refs",
        tagList: ["deploy"],
        runUntagged: false,
        locked: true,
        accessLevel: "ref_protected",
      },
      {
        name: "arm64-spot",
        kind: "autoscaler",
        description: "arm64-spot: arm64 spot autoscaled pool",
        tagList: ["aws-arm64"],
        runUntagged: true,
        locked: false,
        accessLevel: "not_protected",
      },
      {
        name: "amd64-ondemand",
        kind: "autoscaler",
        description: "amd64-ondemand: amd64 on-demand autoscaled pool",
        tagList: ["aws-amd64"],
        runUntagged: false,
        locked: false,
        accessLevel: "ref_protected",
      },
    ]);
  });
});
