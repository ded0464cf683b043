/** A complete, valid runner model for tests (here and in the components and stacks that consume the model). */
import type { RunnerTokens } from "./config-toml";
import type { RunnerModel } from "./model";

/** A model with the deploy runner and two pools (arm64 spot, amd64 on-demand). */
export function sampleRunnerModel(): RunnerModel {
  return {
    gitlabUrl: "https://gitlab.example.com",
    global: { concurrent: 44, checkInterval: 3, shutdownTimeout: 3600 },
    deploy: {
      name: "proxmox-deploy",
      tags: ["deploy"],
      runUntagged: false,
      protectedOnly: true,
      locked: true,
      limit: 2,
      privileged: false,
      pullPolicy: ["always"],
      allowedImages: ["registry.gitlab.example.com/platform/node@sha256:*"],
      allowedServices: ["registry.gitlab.example.com/platform/node@sha256:*"],
    },
    pools: [
      {
        name: "arm64-spot",
        tags: ["aws-arm64"],
        architecture: "arm64",
        instanceTypes: ["c7g.xlarge", "m7g.xlarge", "c6g.xlarge"],
        // Privileged (docker-in-docker): one job per instance, then the instance is gone.
        capacityPerInstance: 1,
        maxInstances: 10,
        maxUseCount: 1,
        idle: { periods: ["* 7-19 * * mon-fri"], timezone: "Europe/Berlin", idleCount: 2, idleTime: "20m0s" },
        runUntagged: true,
        protectedOnly: false,
        spot: true,
        privileged: true,
      },
      {
        name: "amd64-ondemand",
        tags: ["aws-amd64"],
        architecture: "amd64",
        instanceTypes: ["c7i.large"],
        capacityPerInstance: 1,
        maxInstances: 20,
        maxUseCount: 0,
        idle: { periods: ["* * * * *"], timezone: "UTC", idleCount: 0, idleTime: "10m" },
        runUntagged: false,
        protectedOnly: true,
        spot: false,
      },
    ],
    fleet: {
      region: "eu-central-1",
      awsProfile: "runner",
      awsConfigFile: "/root/.aws/config",
      autoscalingGroupNames: {
        "arm64-spot": "foundation-runner-arm64-spot",
        "amd64-ondemand": "foundation-runner-amd64",
      },
      username: "ec2-user",
      useExternalAddress: true,
    },
    cache: {
      bucketName: "foundation-runner-cache",
      region: "eu-central-1",
      kmsKeyId: "alias/foundation-runner-cache",
    },
  };
}

/** Tokens for {@link sampleRunnerModel}'s runners. */
export const SAMPLE_TOKENS: RunnerTokens = {
  "proxmox-deploy": "glrt-deploy00000000000000",
  "arm64-spot": "glrt-arm64spot00000000000",
  "amd64-ondemand": "glrt-amd64od000000000000",
};
