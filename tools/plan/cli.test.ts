import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./cli";
import { PlanDocument } from "./document";
import { PolicyEvaluator } from "./engine";
import { renderMarkdownDiff } from "./markdown";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-plan-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(argv: string[], policies?: PolicyEvaluator) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { root, policies });
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
    expect(stdout).toContain("  96 resources: 83 custom, 13 components, 14 protected");
    expect(stdout).toContain('    url: "https://eve.lab.example.com/"');
  });

  it("follows the JSON contract and prints the same bytes every time", async () => {
    const first = await fullJsonPlan();
    const second = await run(["--json"]);
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
    // The group stack protects no custom resource (its labels are retained, not protected); the fixture pack knows none
    // of the real pack's policies, so the stack's declared exceptions go.
    const plain = writeConfig("group", withoutPolicyConfig);
    const advisory = await run(["--json", "--stack", "group", "--config", `group=${plain}`, "--policy-pack", pack]);
    expect(advisory.code).toBe(0);
    const doc = JSON.parse(advisory.stdout) as PlanDocument;
    expect(doc.stacks.map((s) => [s.name, s.violations])).toEqual([
      [
        "group",
        [
          {
            policy: "stack-protects-a-custom-resource",
            enforcementLevel: "advisory",
            urn: null,
            message: "A stack protects at least one custom resource.\nno custom resource is protected",
          },
        ],
      ],
    ]);
    const strict = writeConfig("group", (t) =>
      withoutPolicyConfig(t).replace(
        "foundation:policyEnforcement: {}",
        "foundation:policyEnforcement: { stack-protects-a-custom-resource: mandatory }",
      ),
    );
    const mandatory = await run(["--stack", "group", "--config", `group=${strict}`, "--policy-pack", pack]);
    expect(mandatory.code).toBe(1);
    expect(mandatory.stdout).toContain(
      "    [mandatory] stack-protects-a-custom-resource: A stack protects at least one custom resource.",
    );
  });

  it("refuses an enforcement override for a policy the pack does not have", async () => {
    const typo = writeConfig("eve-skill-farm", (t) =>
      t.replace(
        "foundation:policyEnforcement: {}",
        "foundation:policyEnforcement: { stack-protect-a-custom-resource: mandatory }",
      ),
    );
    const pack = join(__dirname, "testdata", "pack");
    const { code, stderr } = await run([
      "--stack",
      "eve-skill-farm",
      "--config",
      `eve-skill-farm=${typo}`,
      "--policy-pack",
      pack,
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "error: stack \"eve-skill-farm\": foundation:policyEnforcement.stack-protect-a-custom-resource: no such policy in the pack; did you mean 'stack-protects-a-custom-resource'?\n",
    );
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
    const open = writeConfig("lab", (t) => t.replace("adminCidrs: [192.168.10.0/24]", "adminCidrs: [0.0.0.0/0]"));
    const message =
      'error: stack "lab": error serializing property "sourceRaw": invalid runner VM user-data:\n' +
      '  - firewall.adminCidrs: "0.0.0.0/0" opens the port to every address; name the networks that need it\n';
    const cli = (...extra: string[]) =>
      spawnSync(
        process.execPath,
        [
          "-r",
          join(root, "tools", "register.js"),
          join(__dirname, "cli.ts"),
          "--stack",
          "lab",
          "--config",
          `lab=${open}`,
          ...extra,
        ],
        {
          cwd: root,
          encoding: "utf8",
          timeout: 60_000,
        },
      );
    for (const result of [cli(), cli("--policy-pack", join(__dirname, "testdata", "pack"))]) {
      expect([result.status, result.stdout, result.stderr]).toEqual([2, "", message]);
    }
  });

  it("refuses a --diff file that is not a plan", async () => {
    const bogus = join(scratch, "bogus.json");
    writeFileSync(bogus, JSON.stringify({ stacks: [] }));
    const { code, stderr } = await run(["--diff", bogus]);
    expect(code).toBe(2);
    expect(stderr).toBe(`error: --diff ${bogus}: not a plan document (expected "version": 1 and "stacks")\n`);
  });
});
