import { runStackPolicy, UNKNOWN } from "../testing";
import { gitlabUserRunnerDeployIsolated } from "./gitlab-userrunner-deploy-isolated";

const TYPE = "pulumi-nodejs:dynamic/gitlab:UserRunner";
const DEPLOY = {
  groupPath: "mson",
  runnerType: "group_type",
  tagList: ["deploy"],
  runUntagged: false,
  locked: true,
  accessLevel: "ref_protected",
  description: "proxmox-deploy: deployments from protected refs",
};
const POOL = {
  ...DEPLOY,
  tagList: ["arm64"],
  locked: false,
  accessLevel: "not_protected",
  description: "arm64: arm64 spot autoscaled pool",
};
const DEPLOY_URN = "urn:pulumi:test::foundation::pulumi-nodejs:dynamic/gitlab:UserRunner::group-runner-proxmox-deploy";
const run = (deploy: Record<string, unknown>, pool: Record<string, unknown> = {}) =>
  runStackPolicy(gitlabUserRunnerDeployIsolated, [
    { type: TYPE, name: "group-runner-proxmox-deploy", props: { ...DEPLOY, ...deploy } },
    { type: TYPE, name: "group-runner-arm64", props: { ...POOL, ...pool } },
  ]);

describe("gitlab-userrunner-deploy-isolated", () => {
  it("passes a locked deploy runner with tags of its own beside an unlocked pool", async () => {
    expect(await run({})).toEqual([]);
  });

  it("fails a deploy runner that is not locked", async () => {
    expect(await run({ locked: false })).toEqual([
      `runner 'proxmox-deploy: deployments from protected refs' runs protected refs but is not locked to its project; set locked to true (${DEPLOY_URN})`,
    ]);
  });

  it("fails a deploy runner that shares a tag with another runner", async () => {
    expect(await run({}, { tagList: ["arm64", "deploy"] })).toEqual([
      `runner 'proxmox-deploy: deployments from protected refs' runs protected refs and shares 'deploy' with runner 'arm64: arm64 spot autoscaled pool'; give it tags of its own (${DEPLOY_URN})`,
    ]);
  });

  it("leaves runners for unprotected refs alone, and values unknown at preview", async () => {
    expect(await run({ accessLevel: "not_protected", locked: false, tagList: ["arm64"] })).toEqual([]);
    expect(await run({ accessLevel: UNKNOWN, locked: false })).toEqual([]);
  });
});
