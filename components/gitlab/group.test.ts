import * as tls from "@pulumi/tls";
import { record, Recording } from "../../tools/plan/testing";
import { Secret } from "../../tools/plan/values";
import { DeployKey } from "./deploy-key";
import { GitlabGroup, GitlabGroupArgs, labelSlug } from "./group";
import { GroupLabel } from "./group-label";
import { GroupVariable } from "./group-variable";
import { STANDARD_LABELS } from "./standard-labels";
import { GitlabDouble, startGitlabDouble } from "./testing/gitlab-double";
import { loadProvider, withGitlabEnv } from "./testing/helpers";
import { UserRunner } from "./user-runner";

const T = {
  label: "pulumi-nodejs:dynamic/gitlab:GroupLabel",
  variable: "pulumi-nodejs:dynamic/gitlab:GroupVariable",
  runner: "pulumi-nodejs:dynamic/gitlab:UserRunner",
  deployKey: "pulumi-nodejs:dynamic/gitlab:DeployKey",
  group: "foundation:gitlab:Group",
  privateKey: "tls:index/privateKey:PrivateKey",
};

/** A token that must never reach inputs, state or the serialized providers. */
const OPERATOR_TOKEN = "glpat-operator-token-never-in-state";

const args: GitlabGroupArgs = {
  groupPath: "mson",
  labels: [
    { name: "type::bug", color: "#D9534F", description: "Broken." },
    { name: "area::aws", color: "#F9D0C4", description: "AWS." },
  ],
  variables: [
    { key: "AWS_REGION", value: "eu-central-1", description: "Region." },
    { key: "AWS_DEPLOY_ROLE_ARN", value: "arn:aws:iam::111122223333:role/deploy", protected: true },
    {
      key: "AWS_DEPLOY_ROLE_ARN",
      value: "arn:aws:iam::111122223333:role/deploy-prod",
      protected: true,
      environmentScope: "production",
    },
  ],
  runners: [
    { name: "aws-arm64", tagList: ["aws-arm64"], maximumTimeout: 3600 },
    { name: "proxmox-local", tagList: ["proxmox-local"], accessLevel: "ref_protected", description: "Proxmox VM" },
  ],
  deployKey: { projectPath: "mson/gitops" },
};

async function plan(overrides: Partial<GitlabGroupArgs> = {}): Promise<Recording> {
  const saved = process.env.GITLAB_TOKEN;
  process.env.GITLAB_TOKEN = OPERATOR_TOKEN;
  try {
    return await record(() => {
      const group = new GitlabGroup(
        "group",
        { ...args, ...overrides },
        { providers: { tls: new tls.Provider("tls") } },
      );
      return {
        runnerTokens: group.runnerTokens,
        deployPrivateKey: group.deployPrivateKey,
        deployPublicKey: group.deployPublicKey,
      };
    });
  } finally {
    if (saved === undefined) delete process.env.GITLAB_TOKEN;
    else process.env.GITLAB_TOKEN = saved;
  }
}

describe("GitlabGroup", () => {
  it("registers labels, variables, runners and the deploy key under the component", async () => {
    const rec = await plan();
    // Registration order across component children is not fixed; the set is.
    expect([...rec.summary()].sort()).toEqual(
      [
        "pulumi:pulumi:Stack::foundation-test",
        "pulumi:providers:tls::tls",
        // Dynamic resources use the engine's default provider of their package.
        "pulumi:providers:pulumi-nodejs::default",
        `${T.group}::group`,
        `${T.label}::group-label-type-bug`,
        `${T.label}::group-label-area-aws`,
        `${T.variable}::group-var-AWS_REGION`,
        `${T.variable}::group-var-AWS_DEPLOY_ROLE_ARN`,
        `${T.variable}::group-var-AWS_DEPLOY_ROLE_ARN-production`,
        `${T.runner}::group-runner-aws-arm64`,
        `${T.runner}::group-runner-proxmox-local`,
        `${T.privateKey}::group-deploy-ssh`,
        `${T.deployKey}::group-deploy-key`,
      ].sort(),
    );
    const component = rec.named("group", T.group).urn;
    for (const r of rec.resources.filter((x) => x.type.startsWith("pulumi-nodejs:") || x.type === T.privateKey)) {
      expect(r.parent).toBe(component);
    }
  });

  it("makes one label per entry of the standard set by default, kept in GitLab when dropped", async () => {
    const rec = await plan({ labels: undefined });
    const labels = rec.ofType(T.label);
    expect(labels).toHaveLength(STANDARD_LABELS.length);
    expect(labels.every((l) => l.retainOnDelete)).toBe(true);
    expect(rec.inputsOf("group-label-priority-1")).toEqual({
      groupPath: "mson",
      name: "priority::1",
      color: "#B60205",
      description: "Drop everything: an outage or a security exposure.",
      promote: true,
      __provider: expect.any(String),
    });
  });

  it("passes variables with secret values, raw sent explicitly, and protected where asked", async () => {
    const rec = await plan();
    expect(rec.isSecretInput("group-var-AWS_REGION", "value")).toBe(true);
    expect(rec.named("group-var-AWS_REGION").additionalSecretOutputs).toEqual(["value"]);
    const { __provider: _provider, ...inputs } = rec.inputsOf("group-var-AWS_DEPLOY_ROLE_ARN-production");
    expect(inputs).toEqual({
      groupPath: "mson",
      key: "AWS_DEPLOY_ROLE_ARN",
      value: "arn:aws:iam::111122223333:role/deploy-prod",
      masked: false,
      protected: true,
      raw: true,
      variableType: "env_var",
      environmentScope: "production",
      description: "",
    });
  });

  it("creates runner records whose token is a secret output, and exports the tokens as a secret", async () => {
    const rec = await plan();
    const { __provider: _provider, ...inputs } = rec.inputsOf("group-runner-proxmox-local");
    expect(inputs).toEqual({
      groupPath: "mson",
      runnerType: "group_type",
      tagList: ["proxmox-local"],
      runUntagged: false,
      locked: false,
      accessLevel: "ref_protected",
      description: "Proxmox VM",
      paused: false,
      rotation: "",
      resourceName: "group-runner-proxmox-local",
    });
    expect(rec.named("group-runner-aws-arm64").additionalSecretOutputs).toEqual(["token"]);
    expect(rec.outputs.runnerTokens).toBeInstanceOf(Secret);
  });

  it("makes an ED25519 key pair, registers its public half, and exports the private half as a secret", async () => {
    const rec = await plan();
    expect(rec.inputsOf("group-deploy-ssh", T.privateKey)).toEqual({ algorithm: "ED25519" });
    const { __provider: _provider, ...inputs } = rec.inputsOf("group-deploy-key", T.deployKey);
    expect(inputs).toEqual({
      projectPath: "mson/gitops",
      title: "flux (managed by Pulumi)",
      key: expect.stringMatching(/^ssh-ed25519 /),
      canPush: false,
    });
    expect(rec.named("group-deploy-key", T.deployKey).dependencies).toEqual([
      rec.named("group-deploy-ssh", T.privateKey).urn,
    ]);
    expect(rec.outputs.deployPrivateKey).toBeInstanceOf(Secret);
    expect(rec.outputs.deployPublicKey).toEqual(expect.stringMatching(/^ssh-ed25519 /));
  });

  it("keeps the GitLab token out of every input and every serialized provider", async () => {
    const rec = await plan();
    const dynamic = rec.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/gitlab:"));
    expect(dynamic).toHaveLength(2 + 3 + 2 + 1);
    for (const resource of dynamic) {
      expect(JSON.stringify(rec.inputsOf(resource.name, resource.type))).not.toContain(OPERATOR_TOKEN);
      expect(Object.keys(resource.inputs)).not.toContain("token");
    }
    expect(JSON.stringify(rec.resources.map((r) => r.inputs))).not.toContain(OPERATOR_TOKEN);
  });

  it.each<[string, Partial<GitlabGroupArgs>, string]>([
    ["a bad group path", { groupPath: "/mson/" }, "groupPath '/mson/' must be the group's full path"],
    [
      "labels whose resource names collide",
      {
        labels: [
          { name: "area::a b", color: "#000000", description: "x" },
          { name: "area::a-b", color: "#000000", description: "x" },
        ],
      },
      "labels: 'area::a b' and 'area::a-b' would both be named 'area-a-b'; rename one",
    ],
    [
      "a variable defined twice in one scope",
      { variables: [args.variables![0], args.variables![0]] },
      "variables[1]: 'AWS_REGION' with environment scope '*' is defined twice; keep one or give them different " +
        "environment scopes",
    ],
    ["a bad variable key", { variables: [{ key: "AWS-REGION", value: "x" }] }, "variables[0].key 'AWS-REGION' must"],
    [
      "a runner that can never run a job",
      { runners: [{ name: "idle", tagList: [] }] },
      "runners[0] 'idle': no tags and runUntagged false means it never runs a job; add tagList entries or set " +
        "runUntagged: true",
    ],
    [
      "a runner name used twice",
      { runners: [args.runners![0], args.runners![0]] },
      "runners[1].name 'aws-arm64' is used twice; rename one",
    ],
    [
      "a short runner timeout",
      { runners: [{ name: "x", tagList: ["x"], maximumTimeout: 60 }] },
      "runners[0].maximumTimeout 60 must be a whole number of seconds, at least 600",
    ],
    [
      "a deploy key on a group",
      { deployKey: { projectPath: "mson" } },
      "deployKey.projectPath 'mson' must be the project's full path",
    ],
  ])("rejects %s", async (_case, overrides, message) => {
    await expect(plan(overrides)).rejects.toThrow(`GitlabGroup 'group': ${message}`);
  });

  it("slugs label names for resource names", () => {
    expect(labelSlug("type::bug")).toBe("type-bug");
    expect(labelSlug("Status::In Review")).toBe("status-in-review");
  });
});

describe("dynamic resources as registered", () => {
  it("merge additionalSecretOutputs into the caller's options without dropping them", async () => {
    const rec = await record(() => {
      new UserRunner(
        "r",
        { groupPath: "mson", tagList: ["x"], description: "r" },
        { protect: true, additionalSecretOutputs: ["runnerId"] },
      );
      new GroupVariable("v", { groupPath: "mson", key: "K", value: "v" }, { retainOnDelete: true });
    });
    expect(rec.named("r").type).toBe(T.runner);
    expect(rec.named("r").protect).toBe(true);
    expect([...rec.named("r").additionalSecretOutputs].sort()).toEqual(["runnerId", "token"]);
    expect(rec.named("v").retainOnDelete).toBe(true);
    expect(rec.named("v").additionalSecretOutputs).toEqual(["value"]);
  });
});

describe("serialized providers against the GitLab double", () => {
  let double: GitlabDouble;

  beforeEach(async () => {
    double = await startGitlabDouble();
    double.addGroup("mson");
    double.addProject("mson", "gitops");
  });

  afterEach(() => double.close());

  /** The serialized provider of each GitLab resource type, as it would be stored in state. */
  async function providers() {
    const rec = await record(() => {
      new GroupLabel("l", { groupPath: "mson", name: "type::bug", color: "#D9534F" });
      new GroupVariable("v", { groupPath: "mson", key: "K", value: "v" });
      new UserRunner("r", { groupPath: "mson", tagList: ["x"], description: "r" });
      new DeployKey("k", { projectPath: "mson/gitops", title: "flux", key: "ssh-ed25519 AAAA" });
    });
    const load = (name: string) => {
      const text = String(rec.named(name).inputs.__provider);
      expect(text).not.toContain(double.token);
      return loadProvider(text);
    };
    return { label: load("l"), variable: load("v"), runner: load("r"), key: load("k") };
  }

  it("read the connection from the environment when they run, not when they were built", async () => {
    const { label } = await providers();
    const saved = { url: process.env.GITLAB_URL, token: process.env.GITLAB_TOKEN, ci: process.env.CI_SERVER_URL };
    delete process.env.GITLAB_URL;
    delete process.env.GITLAB_TOKEN;
    delete process.env.CI_SERVER_URL;
    try {
      await expect(
        label.create({ groupPath: "mson", name: "type::bug", color: "#D9534F", description: "", promote: false }),
      ).rejects.toThrow("GitLab connection: set GITLAB_URL (or CI_SERVER_URL) and GITLAB_TOKEN");
    } finally {
      Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)));
    }
    expect(double.requests).toHaveLength(0);
  });

  it("run create, update, read and delete of every resource over HTTP", async () => {
    const p = await providers();
    await withGitlabEnv(double, async () => {
      const labelInputs = { groupPath: "mson", name: "type::bug", color: "#D9534F", description: "", promote: false };
      const label = await p.label.create(labelInputs);
      await p.label.update!(label.id, label.outs, { ...labelInputs, color: "#000000" });
      expect(await p.label.read!(label.id, label.outs)).toMatchObject({ id: label.id, props: { color: "#000000" } });
      await p.label.delete!(label.id, label.outs);

      const variableInputs = {
        groupPath: "mson",
        key: "K",
        value: "v1",
        masked: false,
        protected: false,
        raw: true,
        variableType: "env_var",
        environmentScope: "*",
        description: "",
      };
      const variable = await p.variable.create(variableInputs);
      await p.variable.update!(variable.id, variable.outs, { ...variableInputs, value: "v2" });
      expect(await p.variable.read!(variable.id, variable.outs)).toMatchObject({ props: { value: "v2" } });
      await p.variable.delete!(variable.id, variable.outs);

      const runnerInputs = {
        groupPath: "mson",
        runnerType: "group_type",
        tagList: ["x"],
        runUntagged: false,
        locked: false,
        accessLevel: "not_protected",
        description: "r",
        paused: false,
        rotation: "",
      };
      const runner = await p.runner.create(runnerInputs);
      expect(runner.outs.token).toBe(double.state.runnerTokens.get(Number(runner.id)));
      await p.runner.update!(runner.id, runner.outs, { ...runnerInputs, paused: true });
      expect(await p.runner.read!(runner.id, runner.outs)).toMatchObject({ props: { paused: true } });
      await p.runner.delete!(runner.id, runner.outs);

      const keyInputs = {
        projectPath: "mson/gitops",
        title: "flux",
        key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI",
        canPush: false,
      };
      const key = await p.key.create(keyInputs);
      await p.key.update!(key.id, key.outs, { ...keyInputs, canPush: true });
      expect(await p.key.read!(key.id, key.outs)).toMatchObject({ props: { canPush: true } });
      await p.key.delete!(key.id, key.outs);
    });
    expect(double.state.labels).toEqual([]);
    expect(double.state.variables.get("mson")).toEqual([]);
    expect(double.state.runners.size).toBe(0);
    expect(double.state.deployKeys.get("mson/gitops")).toEqual([]);
    expect(double.requests.every((r) => r.authenticated)).toBe(true);
    // The one failure is the lookup that makes sure the variable does not exist before creating it.
    expect(double.requests.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.route} ${r.status}`)).toEqual([
      "GET groups/mson/variables/K 404",
    ]);
  });
});
