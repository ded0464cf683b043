import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./cli";
import { PlanDocument } from "./document";
import { PlanMemo, PolicyEvaluator } from "./engine";
import { renderMarkdownDiff } from "./markdown";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-plan-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The program runs of this file's plans, shared by every test that plans the same stack with the same config. */
const memo: PlanMemo = new Map();

async function run(argv: string[], policies?: PolicyEvaluator, shared: PlanMemo | undefined = memo) {
  let stdout = "";
  let stderr = "";
  const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t) };
  const code = await main(argv, io, { root, policies, memo: shared });
  return { code, stdout, stderr };
}

let fullJson: ReturnType<typeof run> | undefined;

/** `--json` of every stack with the sample configs, planned once for the tests that only read it. */
function fullJsonPlan(): ReturnType<typeof run> {
  fullJson ??= run(["--json"]);
  return fullJson;
}

/** A stack file without the stack's declared policy exceptions. */
function withoutPolicyConfig(text: string): string {
  return text.replace(/^  foundation:policyConfig:\n(?:(?: {4}.*)?\n)*/m, "  foundation:policyConfig: {}\n");
}

function writeConfig(stack: string, edit: (text: string) => string): string {
  const file = join(scratch, `Pulumi.${stack}.${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, edit(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")));
  return file;
}

describe("npm run plan", () => {
  it("prints every stack in graph order with its tree, counts and outputs", async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const headers = stdout.split("\n").filter((l) => l.startsWith("Stack "));
    expect(headers).toEqual([
      "Stack aws (phase 1; reads none)",
      "Stack group (phase 2; reads aws)",
      "Stack lab (phases 1, 4, 5; reads aws, group)",
      "Stack eve-skill-farm (phase 5; reads lab)",
    ]);
    expect(stdout).toContain("    │  │  ├─ aws:s3/bucket:Bucket  state-bucket  (protected)");
    expect(stdout).toContain("  147 resources: 124 custom, 23 components, 16 protected");
    expect(stdout).toContain('    url: "https://eve.lab.example.com/"');
  });

  it("follows the JSON contract and prints the same bytes every time", async () => {
    const first = await fullJsonPlan();
    // Run the programs again, not the memo: the bytes must not depend on anything but the config.
    const second = await run(["--json"], undefined, undefined);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const doc = JSON.parse(first.stdout) as PlanDocument;
    expect(doc.version).toBe(1);
    expect(doc.stacks.map((s) => [s.name, s.phases, s.needs])).toEqual([
      ["aws", [1], []],
      ["group", [2], ["aws"]],
      ["lab", [1, 4, 5], ["aws", "group"]],
      ["eve-skill-farm", [5], ["lab"]],
    ]);
    const bucket = doc.stacks[0].resources.find((r) => r.type === "aws:s3/bucket:Bucket");
    expect(bucket).toEqual({
      urn: "urn:pulumi:aws::foundation::foundation:aws:StateBackend$foundation:aws:PrivateBucket$aws:s3/bucket:Bucket::state-bucket",
      type: "aws:s3/bucket:Bucket",
      name: "state-bucket",
      parent: "urn:pulumi:aws::foundation::foundation:aws:StateBackend$foundation:aws:PrivateBucket::state-bucket",
      custom: true,
      protect: true,
      retainOnDelete: false,
      provider: "urn:pulumi:aws::foundation::pulumi:providers:aws::aws",
      dependencies: [],
      replaceOnChanges: [],
      deleteBeforeReplace: false,
      inputs: { bucket: "mson-foundation-state-example", forceDestroy: false },
    });
    // Every Talos VM says what replaces it and in which order, so the review note can call a replacement one.
    const talosVms = doc.stacks[2].resources.filter(
      (r) => r.type === "proxmoxve:index/vmLegacy:VmLegacy" && r.name.startsWith("lab-talos-"),
    );
    expect(talosVms.map((r) => [r.name, r.replaceOnChanges.length > 0])).toEqual(
      ["cp-1", "cp-2", "cp-3", "w-1", "w-2"].map((n) => [`lab-talos-${n}`, true]),
    );
    expect(doc.stacks.every((s) => Array.isArray(s.violations) && s.violations.length === 0)).toBe(true);
  });

  it("plans only the selected stacks, after their upstream stacks", async () => {
    const { code, stdout } = await run(["--json", "--stack", "lab"]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as PlanDocument;
    expect(doc.stacks.map((s) => s.name)).toEqual(["lab"]);
    expect(doc.stacks[0].outputs).toEqual({
      domain: "lab.example.com",
      proxmoxEndpoint: "https://pve.example.com:8006",
      gitlabUrl: "https://gitlab.example.com",
      runnerManagerPlacement: "vm",
      kubernetesEndpoint: "https://192.168.10.10:6443",
      kubeconfig: "[secret]",
      talosconfig: "[secret]",
      ingressClassName: "traefik",
      ingressNamespace: "traefik",
      ingressPodLabels: { "app.kubernetes.io/name": "traefik" },
      storageClassName: "proxmox-csi",
      clusterSecretStoreName: "aws-secrets-manager",
      clusterIssuerName: "letsencrypt",
      // Read from the aws stack through the lab's own reference.
      secretsPrefix: "lab/",
    });
  });

  it("plans group alone before the aws stack exists: no AWS variables, no pool records", async () => {
    const file = writeConfig("group", (t) => t.replace("    aws: organization/foundation/aws", "    aws: false"));
    const { code, stdout } = await run(["--json", "--stack", "group", "--config", `group=${file}`]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as PlanDocument;
    expect(doc.stacks.map((s) => s.name)).toEqual(["group"]);
    const [group] = doc.stacks;
    const named = (type: string) => group.resources.filter((r) => r.type === type).map((r) => r.name);
    expect(named("pulumi:pulumi:StackReference")).toEqual([]);
    expect(named("pulumi-nodejs:dynamic/gitlab:UserRunner")).toEqual(["group-runner-proxmox-deploy"]);
    expect(named("pulumi-nodejs:dynamic/gitlab:GroupVariable")).toEqual([]);
    expect(group.outputs.ciVariables).toEqual({});
  });

  it("reuses a program run only for the same stack, config and upstream outputs", async () => {
    const own: PlanMemo = new Map();
    const plan = async (...argv: string[]) => (await run(["--json", ...argv], undefined, own)).stdout;
    const group = await plan("--stack", "group");
    expect(own.size).toBe(2);
    expect(await plan("--stack", "group")).toBe(group);
    expect(own.size).toBe(2);
    const edited = writeConfig("group", (t) => t.replace("aws: organization/foundation/aws", "aws: false"));
    await plan("--stack", "group", "--config", `group=${edited}`);
    expect(own.size).toBe(3);
    const awsEdited = writeConfig("aws", (t) => t.replace("cacheExpirationDays: 14", "cacheExpirationDays: 7"));
    await plan("--stack", "group", "--config", `aws=${awsEdited}`);
    // A new aws config is a new aws run; its outputs are the same, so the group run is the one already made.
    expect(own.size).toBe(4);
  });

  it("feeds each stack's outputs to the references of the stacks after it", async () => {
    const doc = JSON.parse((await run(["--json", "--stack", "group"])).stdout) as PlanDocument;
    expect(doc.stacks[0].outputs.ciVariables).toEqual({
      AWS_REGION: "eu-central-1",
      FOUNDATION_DEPLOY_ROLE_ARN: "arn:aws:iam::123456789012:role/foundation/foundation-deploy",
      FOUNDATION_PREVIEW_ROLE_ARN: "arn:aws:iam::123456789012:role/foundation/foundation-preview",
      FOUNDATION_SECRETS_PROVIDER: "awskms://alias/foundation-state?region=eu-central-1&awssdk=v2",
      PULUMI_BACKEND_URL: "s3://mson-foundation-state-example?region=eu-central-1&awssdk=v2",
    });
  });

  it.each([
    [
      ["--stack", "prod"],
      'error: --stack: unknown stack "prod"; Foundation\'s stacks are "aws", "group", "lab", "eve-skill-farm"\n',
    ],
    [["--config", "aws"], "error: --config aws: expected STACK=FILE\n"],
    [["--frobnicate"], "error: Unknown option '--frobnicate'"],
  ])("refuses bad arguments %p with exit status 2", async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.startsWith(message)).toBe(true);
  });

  it("refuses bad config with exit status 2, naming the stack and the key, without a stack trace", async () => {
    const file = writeConfig("lab", (t) =>
      t.replace("endpoint: https://pve.example.com:8006", "endpoint: pve.example.com"),
    );
    const { code, stdout, stderr } = await run(["--config", `lab=${file}`]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      'error: stack "lab" has 1 configuration problem; no resource was registered:\n' +
        '  - foundation:proxmox.endpoint: must be an https:// URL without a trailing slash, query or credentials, e.g. https://gitlab.example.com; got the string "pve.example.com"\n',
    );
  });

  it.each([
    [
      "a missing required key",
      (t: string) => t.replace(/ *sshUsername: root\n/, ""),
      "  - foundation:proxmox.sshUsername: required key is missing. Fix: pulumi config set --stack lab --path 'foundation:proxmox.sshUsername' <value>",
    ],
    [
      "a wrong type",
      (t: string) => t.replace("insecure: false", "insecure: maybe"),
      '  - foundation:proxmox.insecure: expected boolean, got the string "maybe"',
    ],
    [
      "an unknown key",
      (t: string) => t.replace("foundation:proxmox:", "foundation:proxmx:"),
      "  - foundation:proxmx: unknown key. Did you mean 'foundation:proxmox'?",
    ],
  ])("refuses %s", async (_label, edit, line) => {
    const { code, stderr } = await run(["--stack", "lab", "--config", `lab=${writeConfig("lab", edit)}`]);
    expect(code).toBe(2);
    expect(stderr).toContain(line);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("prints the stack trace of a failure only with --debug", async () => {
    const file = writeConfig("aws", (t) => t.replace("foundation:region: eu-central-1", "foundation:region: 42"));
    const { stderr } = await run(["--stack", "aws", "--config", `aws=${file}`, "--debug"]);
    expect(stderr).toMatch(/\n\s+at /);
  });

  it("exits 1 when a mandatory policy is violated, and reports it", async () => {
    const policies: PolicyEvaluator = async (plan) =>
      plan.name === "aws"
        ? [{ policy: "s3-bucket-example", enforcementLevel: "mandatory", urn: null, message: "planted violation" }]
        : [];
    const { code, stdout, stderr } = await run(["--stack", "aws"], policies);
    expect(code).toBe(1);
    expect(stdout).toContain("    [mandatory] s3-bucket-example: planted violation");
    expect(stderr).toBe("1 mandatory policy violation(s)\n");
  });

  it("runs a policy pack over the stacks asked for, with each stack's enforcement overrides", async () => {
    const pack = join(__dirname, "testdata", "pack");
    // The group stack leaves its labels unprotected (they are retained instead); the fixture pack knows none of the
    // real pack's policies, so the stack's declared exceptions go.
    const plain = writeConfig("group", withoutPolicyConfig);
    const advisory = await run(["--json", "--stack", "group", "--config", `group=${plain}`, "--policy-pack", pack]);
    expect(advisory.code).toBe(0);
    const doc = JSON.parse(advisory.stdout) as PlanDocument;
    expect(doc.stacks.map((s) => [s.name, s.violations])).toEqual([
      [
        "group",
        [
          {
            policy: "pulumi-resource-stateful-protected",
            enforcementLevel: "advisory",
            urn: null,
            message: "A stack protects every custom resource.\na custom resource is not protected",
          },
        ],
      ],
    ]);
    const strict = writeConfig("group", (t) =>
      withoutPolicyConfig(t).replace(
        "foundation:policyEnforcement: {}",
        "foundation:policyEnforcement: { pulumi-resource-stateful-protected: mandatory }",
      ),
    );
    const mandatory = await run(["--stack", "group", "--config", `group=${strict}`, "--policy-pack", pack]);
    expect(mandatory.code).toBe(1);
    expect(mandatory.stdout).toContain(
      "    [mandatory] pulumi-resource-stateful-protected: A stack protects every custom resource.",
    );
  });

  it("exits 1 on a hole the real pack closes, and lets a stack lower that policy only with a current exception", async () => {
    const pack = join(root, "policies");
    // The lab's DNS, secrets and etcd backup writer users hold access keys; the stack's declared exception is all
    // that allows them.
    const open = writeConfig("aws", withoutPolicyConfig);
    const blocked = await run(["--json", "--stack", "aws", "--config", `aws=${open}`, "--policy-pack", pack]);
    expect([blocked.code, blocked.stderr]).toEqual([1, "3 mandatory policy violation(s)\n"]);
    const violations = (JSON.parse(blocked.stdout) as PlanDocument).stacks[0].violations;
    // Each key's name ends in its rotation mark (YYYY-MM).
    const keyOf = (urn: string | null) =>
      urn
        ?.split("::")
        .pop()
        ?.replace(/-\d{4}-\d{2}$/, "");
    expect(violations.map((v) => [v.policy, v.enforcementLevel, keyOf(v.urn)])).toEqual([
      ["iam-accesskey-no-user-keys", "mandatory", "lab-dns"],
      ["iam-accesskey-no-user-keys", "mandatory", "lab-secrets"],
      ["iam-accesskey-no-user-keys", "mandatory", "lab-etcd-backup-writer"],
    ]);

    const lowered = (extra: string) =>
      writeConfig("aws", (t) =>
        withoutPolicyConfig(t)
          .replace(
            "foundation:policyEnforcement: {}",
            "foundation:policyEnforcement: { iam-accesskey-no-user-keys: advisory }",
          )
          .replace("foundation:policyExceptions: {}", `foundation:policyExceptions: ${extra}`),
      );
    const bare = await run(["--stack", "aws", "--config", `aws=${lowered("{}")}`, "--policy-pack", pack]);
    expect([bare.code, bare.stdout, bare.stderr]).toEqual([
      2,
      "",
      'error: stack "aws": foundation:policyEnforcement.iam-accesskey-no-user-keys: lowers a mandatory policy to ' +
        "advisory without a declared exception; fix what it reports, or declare " +
        "foundation:policyExceptions.iam-accesskey-no-user-keys with a reason and a reviewBy date\n",
    ]);
    const reviewBy = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const excepted = lowered(
      `{ iam-accesskey-no-user-keys: { reason: "ExternalDNS and External Secrets run outside AWS.", reviewBy: "${reviewBy}" } }`,
    );
    const allowed = await run(["--stack", "aws", "--config", `aws=${excepted}`, "--policy-pack", pack]);
    expect([allowed.code, allowed.stderr]).toEqual([0, ""]);
    expect(allowed.stdout).toContain("    [advisory] iam-accesskey-no-user-keys:");
  });

  it("refuses an override for a policy the pack does not have, with or without the pack", async () => {
    const typo = writeConfig("eve-skill-farm", (t) =>
      t.replace(
        "foundation:policyEnforcement: {}",
        "foundation:policyEnforcement: { pulumi-resource-stateful-protect: mandatory }",
      ),
    );
    const offline = await run(["--stack", "eve-skill-farm", "--config", `eve-skill-farm=${typo}`]);
    expect([offline.code, offline.stdout, offline.stderr]).toEqual([
      2,
      "",
      'error: stack "eve-skill-farm" has 1 configuration problem; no resource was registered:\n' +
        "  - foundation:policyEnforcement.pulumi-resource-stateful-protect: no policy of the pack is named " +
        "'pulumi-resource-stateful-protect'; did you mean 'pulumi-resource-stateful-protected'?\n",
    ]);
    // A pack other than the repository's (here the fixture) checks the names against its own policies.
    const other = writeConfig("eve-skill-farm", (t) =>
      t.replace(
        "foundation:policyEnforcement: {}",
        "foundation:policyEnforcement: { kubernetes-ingress-tls: mandatory }",
      ),
    );
    const pack = join(__dirname, "testdata", "pack");
    const packed = await run([
      "--stack",
      "eve-skill-farm",
      "--config",
      `eve-skill-farm=${other}`,
      "--policy-pack",
      pack,
    ]);
    expect([packed.code, packed.stderr]).toEqual([
      2,
      'error: stack "eve-skill-farm": foundation:policyEnforcement.kubernetes-ingress-tls: no such policy in the pack\n',
    ]);
  });

  it("diffs against an earlier plan: one changed lab value is exactly one update", async () => {
    const before = join(scratch, "before.json");
    writeFileSync(before, (await fullJsonPlan()).stdout);
    const file = writeConfig("lab", (t) => t.replace("https://pve.example.com:8006", "https://pve2.example.com:8006"));
    const { code, stdout } = await run(["--diff", before, "--config", `lab=${file}`]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        "Stack aws: 0 to create, 0 to update, 0 to replace, 0 to delete",
        "Stack group: 0 to create, 0 to update, 0 to replace, 0 to delete",
        "Stack lab: 0 to create, 1 to update, 0 to replace, 0 to delete",
        "  ~ update urn:pulumi:lab::foundation::pulumi:providers:proxmoxve::proxmox (inputs.endpoint)",
        "Stack eve-skill-farm: 0 to create, 0 to update, 0 to replace, 0 to delete",
        "",
      ].join("\n"),
    );
  });

  it("renders the review diff as markdown: the renderer's output for the same two plans", async () => {
    const before = join(scratch, "aws-before.json");
    writeFileSync(before, (await run(["--stack", "aws", "--json"])).stdout);
    const file = writeConfig("aws", (t) => t.replace("cacheExpirationDays: 14", "cacheExpirationDays: 7"));
    const after = JSON.parse((await run(["--stack", "aws", "--json", "--config", `aws=${file}`])).stdout);
    const { code, stdout } = await run([
      "--stack",
      "aws",
      "--config",
      `aws=${file}`,
      "--diff",
      before,
      "--format",
      "markdown",
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe(renderMarkdownDiff(JSON.parse(readFileSync(before, "utf8")) as PlanDocument, after));
    expect(stdout).toContain("### Stack `aws`: 0 to create, 1 to update, 0 to replace, 0 to delete");
    expect(stdout).toContain("  - `inputs.rules[0].expiration.days`: `14` → `7`");
  });

  it.each([
    [["--format", "html"], "error: --format html: expected text or markdown\n"],
    [["--format", "markdown"], "error: --format markdown renders a diff: give the earlier plan with --diff OLD.json\n"],
    [
      ["--format", "markdown", "--diff", "x.json", "--show-secrets"],
      "error: --format markdown is the review note: it goes without --json and --show-secrets\n",
    ],
  ])("refuses %j", async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("exits 2 with the message of a renderer that throws inside apply, with and without a policy pack", () => {
    // A real process: the failure used to end the process with status 0 and no output, or hang with a pack.
    const project = join(__dirname, "testdata", "throwing");
    const message =
      'error: stack "aws": error serializing property "prefix": cannot render the user-data of lab: the renderer ' +
      "refused its input\n";
    const cli = (...extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          "-r",
          join(root, "tools", "register.js"),
          "-e",
          `require(${JSON.stringify(join(__dirname, "cli.ts"))}).runProcess(process.argv.slice(1), ${JSON.stringify(project)})`,
          "--",
          "--stack",
          "aws",
          ...extra,
        ],
        { cwd: root, encoding: "utf8", timeout: 60_000 },
      );
    for (const result of [cli(), cli("--policy-pack", join(__dirname, "testdata", "pack"))]) {
      expect([result.status, result.stdout, result.stderr]).toEqual([2, "", message]);
    }
  });

  it("refuses a --diff file that is not a plan, naming the first field that is wrong", async () => {
    const cases: Array<[unknown, string]> = [
      [{ stacks: [] }, "version: Invalid input: expected 1"],
      [
        { version: 1, stacks: [{ name: "aws" }] },
        "stacks[0].resources: Invalid input: expected array, received undefined",
      ],
      [
        {
          version: 1,
          stacks: [{ name: "aws", resources: [{ urn: "aws-bucket", type: "aws:s3/bucket:Bucket", inputs: {} }] }],
        },
        'stacks[0].resources[0].urn: Invalid string: must start with "urn:pulumi:"',
      ],
    ];
    for (const [doc, problem] of cases) {
      const bogus = join(scratch, "bogus.json");
      writeFileSync(bogus, JSON.stringify(doc));
      const { code, stdout, stderr } = await run(["--stack", "aws", "--diff", bogus]);
      expect([code, stdout, stderr]).toEqual([
        2,
        "",
        `error: --diff ${bogus}: not a plan document: ${problem}; give the output of npm run -s plan -- --json\n`,
      ]);
    }
  });

  it("diffs a plan of one stack against a plan of every stack without deleting the others", async () => {
    const full = join(scratch, "full.json");
    writeFileSync(full, (await fullJsonPlan()).stdout);
    const { code, stdout } = await run(["--stack", "aws", "--json", "--diff", full]);
    expect(code).toBe(0);
    const diff = (JSON.parse(stdout) as { diff: Array<{ stack: string; changes: unknown[] }> }).diff;
    expect(diff).toEqual([{ stack: "aws", changes: [] }]);
  });

  it("refuses a --config for a stack the run does not plan, instead of ignoring it", async () => {
    const file = writeConfig("group", (text) => text);
    const { code, stdout, stderr } = await run(["--stack", "aws", "--config", `group=${file}`]);
    expect([code, stdout, stderr]).toEqual([
      2,
      "",
      `error: --config group=${file}: stack "group" is not planned (--stack aws plans aws); ` +
        "add --stack group or drop the --config\n",
    ]);
    // Upstream of a planned stack, the file is read.
    const upstream = await run(["--stack", "lab", "--config", `group=${file}`]);
    expect(upstream.code).toBe(0);
  });

  it("refuses a stack file that is not one: a misspelled config key, a list, a config that is not a mapping", async () => {
    const cases: Array<[(text: string) => string, (file: string) => string]> = [
      [
        (t) => t.replace(/^config:/m, "confg:"),
        (f) => `stack "group": ${f}: unknown top-level key 'confg'; did you mean 'config'?`,
      ],
      [
        (t) => `${t}\nsecrets: {}\n`,
        (f) =>
          `stack "group": ${f}: unknown top-level key 'secrets'; a stack file holds config, secretsprovider, ` +
          "encryptedkey, encryptionsalt, environment",
      ],
      [() => "- config\n", (f) => `stack "group": ${f} is not a stack file: expected a mapping with a config key`],
      [() => "config: [a, b]\n", (f) => `stack "group": ${f}: config must be a mapping of keys to values`],
    ];
    for (const [edit, message] of cases) {
      const file = writeConfig("group", edit);
      const { code, stdout, stderr } = await run(["--stack", "group", "--config", `group=${file}`]);
      expect([code, stdout, stderr]).toEqual([2, "", `error: ${message(file)}\n`]);
    }
  });

  it("refuses a --policy-pack that is not a policy pack, before starting anything", async () => {
    const missing = join(scratch, "no-such-pack");
    const notPack = join(root, "docs");
    for (const [dir, message] of [
      [missing, `--policy-pack ${missing}: no such directory; give the pack's directory, e.g. policies`],
      [notPack, `--policy-pack ${notPack}: not a policy pack (no PulumiPolicy.yaml); give the pack's directory`],
    ]) {
      const { code, stdout, stderr } = await run(["--stack", "aws", "--policy-pack", dir]);
      expect([code, stdout, stderr]).toEqual([2, "", `error: ${message}\n`]);
    }
  });
});
