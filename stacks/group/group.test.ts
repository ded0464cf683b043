import { join } from "node:path";
import { planStacks } from "../../tools/plan/engine";
import { readProjectFile, readStackConfig } from "../../tools/plan/stack-files";
import { record, Recording, configEditor } from "../../tools/plan/testing";
import { present, reveal, Secret } from "../../tools/plan/values";
import { STANDARD_LABELS } from "../../components/gitlab/standard-labels";
import { renderGitopsSeed } from "../../components/kubernetes/flux/seed";
import { groupProgram } from "./index";

const root = join(__dirname, "..", "..");
const sample = readStackConfig(root, readProjectFile(root), "group");
const AWS_REF = "organization/foundation/aws";

/** What the aws stack exports in the plan of its sample config. */
let awsExports: Record<string, unknown>;
beforeAll(async () => {
  const [aws] = await planStacks({ root, stacks: ["aws"] });
  awsExports = aws.outputs;
});

/**
 * The sample config with the read token its comment tells an operator to add after `pulumi stack init` (a secret
 * cannot be in the committed example before the stack's key exists).
 */
const withToken: Record<string, string> = {
  ...sample.config,
  "foundation:variables": JSON.stringify([
    {
      key: "FOUNDATION_GITLAB_READ_TOKEN",
      value: "glpat-test-read-token-0123456789",
      protected: false,
      description: "read_api token of the group stack's previews",
    },
  ]),
};
const secretKeys = [...sample.secretKeys, "foundation:variables"];

/** The config above with one key's JSON value edited. */
const edited = configEditor(withToken);

function run(config: Record<string, string> = withToken, aws: Record<string, unknown> = awsExports) {
  return record(() => groupProgram(), {
    stack: "group",
    config,
    secretKeys,
    stackReferences: { [AWS_REF]: aws },
  });
}

const pools = () => reveal(awsExports.runnerPools) as { name: string; tags: string[] }[];

describe("the group stack with the sample config and the read token", () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await run();
  });

  it("registers the labels, variables, runner records, deploy key and project protection, and nothing else", () => {
    const count = (type: string) => rec.ofType(type).length;
    expect(count("pulumi:pulumi:StackReference")).toBe(1);
    expect(count("pulumi:providers:tls")).toBe(1);
    expect(count("foundation:gitlab:Group")).toBe(1);
    expect(count("tls:index/privateKey:PrivateKey")).toBe(1);
    expect(count("pulumi-nodejs:dynamic/gitlab:DeployKey")).toBe(1);
    expect(count("pulumi-nodejs:dynamic/gitlab:UserRunner")).toBe(1 + pools().length);
    expect(count("pulumi-nodejs:dynamic/gitlab:GroupVariable")).toBe(6);
    // The standard set, one added label (area::eve-skill-farm), none dropped.
    expect(count("pulumi-nodejs:dynamic/gitlab:GroupLabel")).toBe(STANDARD_LABELS.length + 1);
    // The engine's default providers of the stack reference and of the dynamic resources.
    expect(count("pulumi:providers:pulumi")).toBe(1);
    expect(count("pulumi:providers:pulumi-nodejs")).toBe(1);
    // The Foundation project's protection: its component, two protected branches, the push rule, one approval rule.
    expect(count("foundation:gitlab:ProjectProtection")).toBe(1);
    // The GitOps repository: its component, the project, the seed, and its protected main branch.
    expect(count("foundation:gitlab:GitopsRepository")).toBe(1);
    expect(count("pulumi-nodejs:dynamic/gitlab:Project")).toBe(1);
    expect(count("pulumi-nodejs:dynamic/gitlab:RepositorySeed")).toBe(1);
    expect(count("pulumi-nodejs:dynamic/gitlab:ProtectedBranch")).toBe(2 + 1);
    // The stack, the five singletons and two above, the protection, the GitOps repository, then the per-runner,
    // per-variable and per-label resources.
    expect(rec.resources).toHaveLength(1 + 5 + 2 + 5 + 4 + 1 + pools().length + 6 + STANDARD_LABELS.length + 1);
  });

  it("creates the GitOps project protected and retained, seeds ./clusters/lab, and adds the key once it exists", async () => {
    const project = rec.named("gitops-project", "pulumi-nodejs:dynamic/gitlab:Project");
    expect(project).toMatchObject({ protect: true, retainOnDelete: true });
    expect(rec.inputsOf("gitops-project")).toMatchObject({ projectPath: "mson/gitops", defaultBranch: "main" });
    const seed = rec.inputsOf("gitops-seed");
    expect(seed).toMatchObject({ projectPath: "mson/gitops", branch: "main" });
    expect(seed.files).toEqual(renderGitopsSeed({ path: "./clusters/lab" }));
    expect(rec.named("gitops-branch-main")).toMatchObject({ protect: true });
    expect(rec.inputsOf("gitops-branch-main")).toMatchObject({
      projectPath: "mson/gitops",
      name: "main",
      pushAccessLevel: 40,
      mergeAccessLevel: 40,
      unprotectAccessLevel: 40,
      allowForcePush: false,
    });
    expect(rec.named("group-deploy-key").dependencies).toContain(project.urn);
  });

  it("makes one runner record for the deploy runner and one per aws pool, with their server-side attributes", () => {
    const runners = rec.ofType("pulumi-nodejs:dynamic/gitlab:UserRunner").map((r) => reveal(r.inputs));
    expect(runners.map((r) => (r as { description: string }).description.split(":")[0])).toEqual([
      "proxmox-deploy",
      ...pools().map((p) => p.name),
    ]);
    expect(rec.inputsOf("group-runner-proxmox-deploy")).toMatchObject({
      runnerType: "group_type",
      groupPath: "mson",
      tagList: ["deploy"],
      runUntagged: false,
      accessLevel: "ref_protected",
      maximumTimeout: 3600,
      rotation: "2026-12",
    });
    expect(rec.inputsOf("group-runner-arm64")).toMatchObject({
      tagList: pools()[0].tags,
      accessLevel: "not_protected",
    });
  });

  it("publishes the aws stack's outputs as variables, the deploy role protected, every value secret", () => {
    const variables = rec.ofType("pulumi-nodejs:dynamic/gitlab:GroupVariable");
    for (const variable of variables) expect(variable.inputs.value).toBeInstanceOf(Secret);
    const byKey = Object.fromEntries(variables.map((v) => [reveal(v.inputs.key) as string, reveal(v.inputs)]));
    expect(byKey.FOUNDATION_DEPLOY_ROLE_ARN).toMatchObject({
      value: reveal(awsExports.deployRoleArn),
      protected: true,
      masked: false,
      raw: true,
    });
    expect(byKey.FOUNDATION_PREVIEW_ROLE_ARN).toMatchObject({
      value: reveal(awsExports.previewRoleArn),
      protected: false,
    });
    expect(byKey.PULUMI_BACKEND_URL).toMatchObject({ value: reveal(awsExports.stateBackendUrl) });
    expect(byKey.FOUNDATION_GITLAB_READ_TOKEN).toMatchObject({
      value: "glpat-test-read-token-0123456789",
      masked: true,
      protected: false,
      environmentScope: "*",
    });
  });

  it("registers a read-only deploy key on the GitOps project from an ED25519 key made here", () => {
    expect(rec.inputsOf("group-deploy-ssh")).toEqual({ algorithm: "ED25519" });
    expect(rec.inputsOf("group-deploy-key")).toMatchObject({ projectPath: "mson/gitops", canPush: false });
  });

  it("exports tokens and the private key as secrets, and shows neither in clear anywhere else", () => {
    expect(rec.outputs.runnerTokens).toBeInstanceOf(Secret);
    expect(rec.outputs.gitopsDeployPrivateKey).toBeInstanceOf(Secret);
    expect(Object.keys(reveal(rec.outputs.runnerTokens) as object).sort()).toEqual(
      ["proxmox-deploy", ...pools().map((p) => p.name)].sort(),
    );
    const shown = JSON.stringify(present({ outputs: rec.outputs, inputs: rec.resources.map((r) => r.inputs) }, false));
    expect(shown).not.toContain("glrt-");
    expect(shown).not.toContain("PRIVATE KEY");
    expect(shown).not.toContain("glpat-test-read-token");
    expect(reveal(rec.outputs.gitopsRepositoryUrl)).toBe("ssh://git@gitlab.example.com/mson/gitops.git");
  });
});

describe("the group stack refuses", () => {
  const refused = async (config: Record<string, string>, aws: Record<string, unknown> = awsExports) => {
    try {
      await run(config, aws);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("the program was expected to fail");
  };

  it("a deploy runner named like an aws pool, or sharing a pool's tag", async () => {
    const config = edited<{ deploy: { name: string; tags: string[] }; rotation: object }>("runners", (r) => {
      r.deploy.name = pools()[0].name;
      r.deploy.tags = ["deploy", pools()[0].tags[1]];
      r.rotation = {};
    });
    expect(await refused(config)).toBe(
      'stack "group" has 2 configuration problems; no resource was registered:\n' +
        `  - foundation:runners.deploy.name: '${pools()[0].name}' is also a runner pool of the aws stack ` +
        "(foundation:runnerFleet.pools); rename one\n" +
        `  - foundation:runners.deploy.tags: "${pools()[0].tags[1]}" is also a tag of runner "${pools()[0].name}", ` +
        "so its jobs could land there and deploy jobs here; give the deploy runner tags of its own",
    );
  });

  it("a rotation mark for a runner that does not exist", async () => {
    const config = edited<{ rotation: Record<string, string> }>("runners", (r) => (r.rotation = { "arm-64": "1" }));
    expect(await refused(config)).toContain(
      "  - foundation:runners.rotation.arm-64: no runner is named 'arm-64'; " +
        `runners: proxmox-deploy, ${pools()
          .map((p) => p.name)
          .join(", ")}`,
    );
  });

  it("a deploy runner open to unprotected refs or other projects, privileged, or on images not pinned", async () => {
    const config = edited<{ deploy: Record<string, unknown> }>("runners", (r) => {
      Object.assign(r.deploy, {
        protectedOnly: false,
        locked: false,
        privileged: true,
        image: "node:20",
        allowedImages: ["**"],
      });
    });
    expect(await refused(config)).toBe(
      'stack "group" has 5 configuration problems; no resource was registered:\n' +
        "  - foundation:runners.deploy.protectedOnly: the deploy runner must run protected refs only; set it to true\n" +
        "  - foundation:runners.deploy.locked: the deploy runner must be locked to the foundation project, or any " +
        "project of the group could use it; set it to true\n" +
        "  - foundation:runners.deploy.privileged: a privileged job container is root on the host that holds every " +
        "runner token; set it to false (docker-in-docker jobs belong on a pool)\n" +
        '  - foundation:runners.deploy.image: "node:20" is not pinned by digest, and the runner allows only pinned ' +
        "images; name it with its @sha256: digest\n" +
        '  - foundation:runners.deploy.allowedImages: "**" is not pinned by digest; allow only images named with ' +
        '@sha256:, e.g. "node:20-bookworm-slim@sha256:*"',
    );
  });

  it("a pull policy the runner's allowed pull policies refuse, which would fail every job", async () => {
    const config = edited<{ deploy: { pullPolicy: string[] } }>(
      "runners",
      (r) => (r.deploy.pullPolicy = ["if-not-present"]),
    );
    expect(await refused(config)).toBe(
      'stack "group" has 1 configuration problem; no resource was registered:\n' +
        "  - foundation:runners.deploy.allowedPullPolicies: shares no policy with pullPolicy, so every job would " +
        "fail; allow one of if-not-present",
    );
  });

  it("a masked variable GitLab cannot mask, without repeating its value", async () => {
    const config = edited<{ key: string; value: string }[]>("variables", (v) => {
      v.push({ key: "SHORT_TOKEN", value: "hunt3r" }, { key: "SPACED_TOKEN", value: "two words here" });
    });
    const message = await refused(config);
    for (const [i, key] of [
      [1, "SHORT_TOKEN"],
      [2, "SPACED_TOKEN"],
    ] as const) {
      expect(message).toContain(
        `  - foundation:variables[${i}].value: GitLab masks only values of at least 8 characters on one line, of ` +
          `letters, digits and @ : . ~ _ - + / =, and refuses to create '${key}' masked otherwise; use such a value ` +
          "or set masked: false (https://docs.gitlab.com/ci/variables/#mask-a-cicd-variable)",
      );
    }
    expect(message).not.toContain("hunt3r");
    expect(message).not.toContain("two words");
    const unmasked = edited<{ key: string; value: string; masked?: boolean }[]>("variables", (v) => {
      v.push({ key: "SHORT_FLAG", value: "on", masked: false });
    });
    expect((await run(unmasked)).resources.length).toBeGreaterThan(0);
  });

  it("a variable the stack publishes from the aws stack, and a variable defined twice", async () => {
    const config = edited<{ key: string; value: string }[]>("variables", (v) => {
      v.push({ key: "PULUMI_BACKEND_URL", value: "s3://elsewhere" }, { ...v[0] });
    });
    const message = await refused(config);
    expect(message).toContain(
      "  - foundation:variables[1].key: 'PULUMI_BACKEND_URL' is published from the aws stack's outputs; remove it here",
    );
    expect(message).toContain(
      "  - foundation:variables[2].key: 'FOUNDATION_GITLAB_READ_TOKEN' with environment scope '*' is also " +
        "variables[0]; keep one or give them different environment scopes",
    );
  });

  it("an override of a label the standard set does not have", async () => {
    const config = edited<{ override: { name: string }[] }>("labels", (l) => (l.override = [{ name: "priority::9" }]));
    expect(await refused(config)).toContain(
      "  - foundation:labels: labels.override 'priority::9': not a standard label (did you mean 'priority::1'?); " +
        "add it under add instead",
    );
  });

  it("a GitOps seed path outside the repository or without ./", async () => {
    for (const seedPath of ["clusters/lab", "./clusters/../../etc"]) {
      const config = edited<{ seedPath: string }>("gitops", (g) => (g.seedPath = seedPath));
      expect(await refused(config)).toBe(
        'stack "group" has 1 configuration problem; no resource was registered:\n' +
          (seedPath.startsWith("./")
            ? `  - foundation:gitops.seedPath: must not leave the repository with '..'; got the string "${seedPath}"`
            : "  - foundation:gitops.seedPath: must be a directory inside the repository starting with ./, e.g. " +
              `./clusters/lab; got the string "${seedPath}"`),
      );
    }
    const other = edited<{ seedPath: string }>("gitops", (g) => (g.seedPath = "./clusters/edge"));
    expect(reveal((await run(other)).named("gitops-seed").inputs.files)).toEqual(
      renderGitopsSeed({ path: "./clusters/edge" }),
    );
  });

  it("runner pools from an aws stack that does not match this version's contract", async () => {
    expect(await refused(sample.config, { ...awsExports, runnerPools: [{ name: "arm64" }] })).toMatch(
      /^stack "group": "aws" \(organization\/foundation\/aws\) output "runnerPools" does not match the contract: [^]*; run `pulumi up --stack aws` with this version of Foundation first$/,
    );
  });
});
