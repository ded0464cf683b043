import { GitlabApi } from "./api";
import {
  checkDeployKey,
  createDeployKey,
  deleteDeployKey,
  DeployKeyInputs,
  deployKeyProvider,
  keyMaterial,
  readDeployKey,
  updateDeployKey,
} from "./deploy-key";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { apiFor, fakeClock } from "./testing/helpers";

let double: GitlabDouble;
let api: GitlabApi;

const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFoundationTestKeyMaterial0123456789abcdefgh\n";
const flux: DeployKeyInputs = { projectPath: "mson/gitops", title: "flux", key: PUBLIC_KEY, canPush: false };

beforeEach(async () => {
  double = await startGitlabDouble();
  double.addGroup("mson");
  double.addProject("mson", "gitops");
  api = apiFor(double);
});

afterEach(() => double.close());

const keys = () => double.state.deployKeys.get("mson/gitops") ?? [];

it("keyMaterial drops the comment and line end", () => {
  expect(keyMaterial("ssh-ed25519 AAAA comment here\n")).toBe("ssh-ed25519 AAAA");
});

describe("create", () => {
  it("adds a read-only deploy key with the key material alone", async () => {
    const { id, outs } = await createDeployKey(api, flux);
    expect(outs).toEqual({ ...flux, keyId: Number(id), adopted: false });
    expect(double.requestsTo("POST", "projects/mson/gitops/deploy_keys")[0].body).toEqual({
      title: "flux",
      key: keyMaterial(PUBLIC_KEY),
      can_push: false,
    });
  });

  it("takes over the same key already on the project, fixing its title and push access", async () => {
    double.state.deployKeys.set("mson/gitops", [
      { id: 42, title: "old", key: `${keyMaterial(PUBLIC_KEY)} someone@laptop`, can_push: true },
    ]);
    const { id, outs } = await createDeployKey(api, flux);
    expect(id).toBe("42");
    expect(outs.adopted).toBe(true);
    expect(keys()).toEqual([
      { id: 42, title: "flux", key: `${keyMaterial(PUBLIC_KEY)} someone@laptop`, can_push: false },
    ]);
    expect(double.requestsTo("POST", "projects/mson/gitops/deploy_keys")).toHaveLength(0);
  });

  it("after a 504 on a POST GitLab carried out, finds the key instead of failing on the second POST", async () => {
    double.inject({ method: "POST", route: "projects/mson/gitops/deploy_keys", status: 504, after: true, times: 1 });
    const clock = fakeClock();
    const { id } = await createDeployKey(apiFor(double, clock), flux);
    expect(keys().map((k) => String(k.id))).toEqual([id]);
    expect(double.requestsTo("POST", "projects/mson/gitops/deploy_keys")).toHaveLength(1);
    expect(clock.sleeps).toEqual([100]);
  });

  it("names the Maintainer role on 403", async () => {
    double.inject({ route: /deploy_keys/, status: 403, body: { message: "403 Forbidden" } });
    await expect(createDeployKey(api, flux)).rejects.toThrow(
      "DeployKey 'flux' on 'mson/gitops': GitLab refused (403 403 Forbidden); the token in GITLAB_TOKEN needs the " +
        "`api` scope and its user needs the Maintainer role (or higher) in project 'mson/gitops'",
    );
  });
});

describe("read, update, delete", () => {
  it("reads back, reporting a removed key as gone", async () => {
    const { id, outs } = await createDeployKey(api, flux);
    keys()[0].can_push = true;
    await expect(readDeployKey(api, id, outs)).resolves.toEqual({ id, props: { ...outs, canPush: true } });
    keys().length = 0;
    await expect(readDeployKey(api, id, outs)).resolves.toEqual({ id: "", props: {} });
  });

  it("changes title and push access in place", async () => {
    const { id, outs } = await createDeployKey(api, flux);
    await updateDeployKey(api, id, outs, { ...flux, title: "flux-image-automation", canPush: true });
    expect(keys()[0]).toMatchObject({ title: "flux-image-automation", can_push: true });
  });

  it("explains how to recover from a key removed by hand", async () => {
    const { id, outs } = await createDeployKey(api, flux);
    keys().length = 0;
    await expect(updateDeployKey(api, id, outs, { ...flux, canPush: true })).rejects.toThrow(
      `DeployKey 'flux' on 'mson/gitops' (ID ${id}) no longer exists in GitLab; run \`pulumi refresh\``,
    );
  });

  it("deletes, and treats a removed key as deleted", async () => {
    const { id, outs } = await createDeployKey(api, flux);
    await deleteDeployKey(api, id, outs);
    await deleteDeployKey(api, id, outs);
    expect(double.requestsTo("DELETE", `projects/mson/gitops/deploy_keys/${id}`).map((r) => r.status)).toEqual([
      204, 404,
    ]);
  });
});

describe("check and diff", () => {
  it.each<[string, Partial<DeployKeyInputs>, string[]]>([
    ["valid inputs", flux, []],
    ["a group path", { ...flux, projectPath: "mson" }, ["projectPath"]],
    ["a private key", { ...flux, key: "-----BEGIN OPENSSH PRIVATE KEY-----" }, ["key"]],
    ["an empty title", { ...flux, title: "" }, ["title"]],
  ])("%s", (_case, inputs, properties) => {
    expect(checkDeployKey(inputs).map((f) => f.property)).toEqual(properties);
  });

  const olds = { ...flux, keyId: 42, adopted: false };
  it.each<[string, Partial<DeployKeyInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing", {}, { changes: false, replaces: [] }],
    ["only the key's comment", { key: `${keyMaterial(PUBLIC_KEY)} new-comment` }, { changes: false, replaces: [] }],
    ["the title", { title: "x" }, { changes: true, replaces: [] }],
    ["push access", { canPush: true }, { changes: true, replaces: [] }],
    ["the key", { key: "ssh-ed25519 AAAAother" }, { changes: true, replaces: ["key"] }],
    ["the project", { projectPath: "mson/other" }, { changes: true, replaces: ["projectPath"] }],
  ])("a change of %s", async (_case, change, expected) => {
    await expect(deployKeyProvider.diff!("42", olds, { ...flux, ...change })).resolves.toEqual({
      ...expected,
      deleteBeforeReplace: false,
    });
  });
});
