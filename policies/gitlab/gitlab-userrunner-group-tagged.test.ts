import { runResourcePolicy, UNKNOWN } from "../testing";
import { gitlabUserRunnerGroupTagged } from "./gitlab-userrunner-group-tagged";

const RUNNER = {
  groupPath: "mson",
  runnerType: "group_type",
  tagList: ["aws", "arm64"],
  runUntagged: false,
  locked: false,
  accessLevel: "not_protected",
  description: "aws-arm64 fleet",
  paused: false,
  rotation: "",
};
const run = (changes: Record<string, unknown>) =>
  runResourcePolicy(gitlabUserRunnerGroupTagged, {
    type: "pulumi-nodejs:dynamic/gitlab:UserRunner",
    name: "runner-aws",
    props: { ...RUNNER, ...changes },
  });

describe("gitlab-userrunner-group-tagged", () => {
  it("passes a tagged group runner, with or without runUntagged", async () => {
    expect(await run({})).toEqual([]);
    expect(await run({ runUntagged: true })).toEqual([]);
  });

  it.each(["project_type", "instance_type"])("fails a %s runner", async (runnerType) => {
    expect(await run({ runnerType })).toEqual([
      `runner 'aws-arm64 fleet' is of type "${runnerType}"; register it as a group_type runner`,
    ]);
  });

  it("fails a runner without tags", async () => {
    expect(await run({ tagList: [] })).toEqual([
      "runner 'aws-arm64 fleet' has no tags; give it the tags of the jobs it is for",
    ]);
  });

  it("fails a runner without tags that runs untagged jobs, saying why it is worse", async () => {
    expect(await run({ tagList: [], runUntagged: true, description: "" })).toEqual([
      "runner runner-aws has no tags and runs untagged jobs, so it takes every job of the group; give it tags and set runUntagged to false",
    ]);
  });

  it("skips a runner type unknown at preview, still checking the tags", async () => {
    expect(await run({ runnerType: UNKNOWN })).toEqual([]);
    expect(await run({ runnerType: UNKNOWN, tagList: [] })).toEqual([
      "runner 'aws-arm64 fleet' has no tags; give it the tags of the jobs it is for",
    ]);
  });
});
