import { runResourcePolicy, UNKNOWN } from "../testing";
import { gitlabDeployKeyReadOnly } from "./gitlab-deploykey-read-only";

const run = (changes: Record<string, unknown>) =>
  runResourcePolicy(gitlabDeployKeyReadOnly, {
    type: "pulumi-nodejs:dynamic/gitlab:DeployKey",
    name: "gitops-deploy-key",
    props: { projectPath: "mson/gitops", title: "flux lab", key: "ssh-ed25519 AAAA", canPush: false, ...changes },
  });

describe("gitlab-deploykey-read-only", () => {
  it("passes a read-only key", async () => {
    expect(await run({})).toEqual([]);
  });

  it.each([
    ["canPush true", { canPush: true }],
    ["canPush unset", { canPush: undefined }],
  ])("fails %s", async (_case, changes) => {
    expect(await run(changes)).toEqual(["deploy key 'flux lab' can push; set canPush to false"]);
  });

  it("skips canPush unknown at preview", async () => {
    expect(await run({ canPush: UNKNOWN })).toEqual([]);
  });
});
