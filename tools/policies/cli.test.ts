import Ajv from "ajv";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Violation } from "../plan/engine";
import { PolicyPackSession, startPolicyPack } from "../plan/policy-pack";
import { main, renderViolations, USAGE } from "./cli";
import { CodeQualityFinding } from "./codequality";
import { POLICIES } from "../../policies/pack";
import { CODE_QUALITY_SCHEMA } from "./testing";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-policies-"));
const PROGRAM = "tools/policies/testdata/defects";

let pack: PolicyPackSession;
beforeAll(async () => {
  pack = await startPolicyPack(join(root, "policies"));
}, 30_000);
afterAll(() => {
  pack.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  // One pack process serves every test; `check` closes the session it is given, so it gets one that stays open.
  const startPack = () => Promise.resolve({ ...pack, close: () => undefined });
  const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t) };
  const code = await main(argv, io, { cwd: root, startPack });
  return { code, stdout, stderr };
}

const URN = (type: string, name: string) => `urn:pulumi:check::defects::${type}::${name}`;

describe("npm run policies", () => {
  it("serves every policy of the pack over the analyzer protocol", () => {
    expect(pack.policyNames).toEqual(POLICIES.map((policy) => policy.name));
  });

  it("prints the pack's metadata as JSON", async () => {
    const { code, stdout } = await run("--json");
    expect(code).toBe(0);
    const metadata = JSON.parse(stdout) as { name: string; enforcementLevel: string; policies: object[] };
    expect(metadata.name).toBe("foundation");
    expect(metadata.enforcementLevel).toBe("advisory");
    expect(metadata.policies).toHaveLength(POLICIES.length);
    expect(metadata.policies[0]).toEqual({
      name: "aws-resource-standard-tags",
      description: "Taggable AWS resources carry the standard tags Project, Stack, Owner, CostCenter and ManagedBy.",
      area: "aws",
      enforcementLevel: "advisory",
      severity: "low",
      remediation: POLICIES[0].remediationSteps,
      url: "https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html",
    });
  });

  it("lists the policies for people without --json", async () => {
    const { code, stdout } = await run();
    expect(code).toBe(0);
    expect(stdout).toContain(
      "kms-key-rotation-enabled  [aws, medium, advisory]\n  Symmetric KMS keys have automatic key rotation",
    );
    expect(stdout).toContain("iam-policy-no-wildcard-admin  [aws, critical, mandatory]\n");
    const mandatory = POLICIES.filter((p) => p.enforcementLevel === "mandatory").length;
    expect(
      stdout.endsWith(
        `${POLICIES.length} policies, ${mandatory} mandatory; a stack lowers a mandatory one only with a declared ` +
          "exception (foundation:policyExceptions)\n",
      ),
    ).toBe(true);
  });

  describe("check", () => {
    // Node loads a program once per process, so one run of `check` answers every question of this block: it applies
    // the example stack config, which raises one policy to mandatory, and writes the Code Quality report too.
    const report = join(scratch, "check-codequality.json");
    let result: { code: number; stdout: string; stderr: string };
    let violations: Violation[];
    beforeAll(async () => {
      const config = `${PROGRAM}/Pulumi.mandatory.yaml`;
      result = await run("check", "--program", PROGRAM, "--config", config, "--json", "--codequality", report);
      violations = (JSON.parse(result.stdout) as { violations: Violation[] }).violations;
    });
    const messages = (policy: string) =>
      violations.filter((v) => v.policy === policy).map((v) => [v.urn, v.message.split("\n")[1]]);

    it("catches every planted defect, and nothing the program does right", () => {
      expect([...new Set(violations.map((v) => v.policy))].sort()).toEqual([
        "aws-resource-standard-tags",
        "gitlab-userrunner-deploy-isolated",
        "iam-policy-no-self-escalation",
        "iam-role-oidc-no-cross-segment-wildcard",
        "iam-role-oidc-subject-pinned",
        "iam-role-permissions-boundary",
        "kms-key-rotation-enabled",
        "kubernetes-container-image-pinned",
        "kubernetes-container-no-privilege-escalation",
        "kubernetes-container-nonroot",
        "kubernetes-container-readonly-rootfs",
        "kubernetes-container-resources",
        "kubernetes-deployment-probes",
        "kubernetes-namespace-network-policy",
        "kubernetes-pod-privileged-namespace",
        "s3-bucket-controls-attached",
        "s3-bucket-public-access-block",
      ]);
    });

    it("applies the pack's enforcement and the stack config's raise, and exits 1 on the mandatory violations", () => {
      expect(result.code).toBe(1);
      const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy);
      expect(result.stderr).toMatch(new RegExp(`\\n${mandatory.length} mandatory policy violation\\(s\\)\\n$`));
      expect([...new Set(mandatory)].sort()).toEqual([
        "gitlab-userrunner-deploy-isolated",
        "iam-policy-no-self-escalation",
        "iam-role-oidc-no-cross-segment-wildcard",
        "iam-role-oidc-subject-pinned",
        "iam-role-permissions-boundary",
        "kms-key-rotation-enabled",
        "kubernetes-container-no-privilege-escalation",
        "kubernetes-container-nonroot",
        "kubernetes-pod-privileged-namespace",
        "s3-bucket-controls-attached",
        "s3-bucket-public-access-block",
      ]);
      const advisory = violations.filter((v) => v.enforcementLevel === "advisory").map((v) => v.policy);
      expect([...new Set(advisory)].sort()).toEqual([
        "aws-resource-standard-tags",
        "kubernetes-container-image-pinned",
        "kubernetes-container-readonly-rootfs",
        "kubernetes-container-resources",
        "kubernetes-deployment-probes",
        "kubernetes-namespace-network-policy",
      ]);
    });

    it("finds the deploy role that can widen itself, and the deploy runner others can reach", () => {
      expect(messages("iam-policy-no-self-escalation").map(([urn]) => urn)).toEqual([
        URN("aws:iam/role:Role", "self-admin"),
      ]);
      expect(messages("gitlab-userrunner-deploy-isolated")).toEqual([
        [
          URN("pulumi-nodejs:dynamic/gitlab:UserRunner", "deploy"),
          "runner 'proxmox-deploy' runs protected refs but is not locked to its project; set locked to true",
        ],
        [
          URN("pulumi-nodejs:dynamic/gitlab:UserRunner", "deploy"),
          "runner 'proxmox-deploy' runs protected refs and shares 'deploy' with runner 'proxmox-docker'; give it tags of its own",
        ],
      ]);
    });

    it("finds the open S3 bucket", () => {
      expect(messages("s3-bucket-public-access-block")).toEqual([
        [
          URN("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "open-access"),
          "public access block open-access leaves blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets off; set all four to true",
        ],
      ]);
      expect(messages("s3-bucket-controls-attached")).toEqual([
        [
          URN("aws:s3/bucket:Bucket", "open"),
          "bucket defects-open has no encryption configuration; add an aws.s3.BucketServerSideEncryptionConfiguration with SSE-KMS",
        ],
        [
          URN("aws:s3/bucket:Bucket", "open"),
          "bucket defects-open has no bucket policy; add an aws.s3.BucketPolicy that denies requests without TLS",
        ],
      ]);
    });

    it("finds the KMS key that does not rotate", () => {
      expect(messages("kms-key-rotation-enabled")).toEqual([
        [URN("aws:kms/key:Key", "unrotated"), "KMS key unrotated does not rotate; set enableKeyRotation to true"],
      ]);
    });

    it("finds the OIDC role whose trust admits any project", () => {
      expect(messages("iam-role-oidc-subject-pinned")).toEqual([
        [
          URN("aws:iam/role:Role", "any-project"),
          "role any-project-preview admits sub 'project_path:*', which names no explicit project; use project_path:<group>/<project>:… with the full path and no wildcard",
        ],
      ]);
    });

    it("finds the privileged container running nginx:latest", () => {
      const web = URN("kubernetes:apps/v1:Deployment", "web");
      expect(messages("kubernetes-container-image-pinned")).toEqual([
        [
          web,
          "Deployment apps/web: container nginx image 'nginx:latest' uses the tag 'latest'; pin a version tag or a digest",
        ],
      ]);
      expect(messages("kubernetes-pod-privileged-namespace")).toEqual([
        [
          web,
          "Deployment apps/web needs privileged container nginx but namespace apps is not declared in this stack; declare it with pod-security.kubernetes.io/enforce: privileged",
        ],
      ]);
    });

    it("writes a Code Quality report with GitLab's required fields", () => {
      expect(result.stderr).toMatch(
        new RegExp(`^wrote ${violations.length} finding\\(s\\) to .*check-codequality.json\\n`),
      );
      const findings = JSON.parse(readFileSync(report, "utf8")) as CodeQualityFinding[];
      expect(new Ajv().compile(CODE_QUALITY_SCHEMA)(findings)).toBe(true);
      expect(findings.map((f) => f.check_name)).toEqual(violations.map((v) => v.policy));
      expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
      expect(findings.find((f) => f.check_name === "kms-key-rotation-enabled")).toEqual({
        description:
          "[mandatory] Symmetric KMS keys have automatic key rotation enabled. KMS key unrotated does not rotate; set enableKeyRotation to true",
        check_name: "kms-key-rotation-enabled",
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        severity: "major",
        location: { path: "tools/policies/testdata/defects/index.ts", lines: { begin: 1 } },
      });
    });

    it("prints violations for people without --json", () => {
      expect(renderViolations(violations.filter((v) => v.policy === "kms-key-rotation-enabled"))).toBe(
        `[mandatory] kms-key-rotation-enabled  ${URN("aws:kms/key:Key", "unrotated")}\n` +
          "  Symmetric KMS keys have automatic key rotation enabled.\n" +
          "  KMS key unrotated does not rotate; set enableKeyRotation to true\n" +
          "1 violation(s)\n",
      );
    });

    it("exits 2 when the program fails, with its error", async () => {
      const broken = join(scratch, "broken.js");
      writeFileSync(broken, 'throw new Error("the program broke");\n');
      expect(await run("check", "--program", broken)).toEqual({
        code: 2,
        stdout: "",
        stderr: "error: the program broke\n",
      });
    });
  });

  describe("--codequality over a plan document", () => {
    const plan = (enforcementLevel: "advisory" | "mandatory") => {
      const file = join(scratch, `plan-${enforcementLevel}.json`);
      const violation = {
        policy: "s3-bucket-tls-only",
        enforcementLevel,
        urn: "urn:pulumi:aws::foundation::aws:s3/bucketPolicy:BucketPolicy::state-policy",
        message:
          "S3 bucket policies deny every request that is not made over TLS.\nbucket policy state-policy does not deny",
      };
      const stacks = [
        { name: "aws", phases: [1], needs: [], resources: [], outputs: {}, violations: [violation] },
        { name: "group", phases: [2], needs: ["aws"], resources: [], outputs: {}, violations: [] },
      ];
      writeFileSync(file, JSON.stringify({ version: 1, stacks }));
      return file;
    };

    it("writes the plan's violations, located in their stack's program", async () => {
      const out = join(scratch, "plan-codequality.json");
      const { code } = await run("--codequality", out, "--plan", plan("advisory"));
      expect(code).toBe(0);
      const report = JSON.parse(readFileSync(out, "utf8")) as CodeQualityFinding[];
      expect(new Ajv().compile(CODE_QUALITY_SCHEMA)(report)).toBe(true);
      expect(report.map((f) => [f.check_name, f.severity, f.location])).toEqual([
        ["s3-bucket-tls-only", "critical", { path: "stacks/aws/index.ts", lines: { begin: 1 } }],
      ]);
    });

    it("exits 1 when the plan has a mandatory violation, after writing the report", async () => {
      const out = join(scratch, "plan-mandatory-codequality.json");
      const { code, stderr } = await run("--codequality", out, "--plan", plan("mandatory"));
      expect(code).toBe(1);
      expect(stderr).toContain("1 mandatory policy violation(s)\n");
      expect(JSON.parse(readFileSync(out, "utf8"))).toHaveLength(1);
    });

    it("reads plan.json by default and says how to make it when it is missing", async () => {
      const { code, stderr } = await run("--codequality", join(scratch, "none.json"));
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^error: --plan .*\/plan\.json: cannot read a plan document \(ENOENT.*\); write one with npm run -s plan -- --json --policy-pack policies > plan\.json, or use check --program\n/,
      );
    });

    it("refuses a file that is not a plan document", async () => {
      const notPlan = join(scratch, "not-plan.json");
      writeFileSync(notPlan, JSON.stringify({ violations: [] }));
      const { code, stderr } = await run("--codequality", join(scratch, "x.json"), "--plan", notPlan);
      expect(code).toBe(2);
      expect(stderr).toBe(
        `error: --plan ${notPlan}: not a plan document (expected "version": 1 and "stacks")\n${USAGE}`,
      );
    });
  });

  it.each([
    [["lint"], "unknown command 'lint'; the commands are check and config"],
    [["config"], "config needs --stack with one of Foundation's stacks: aws, group, lab, eve-skill-farm"],
    [
      ["config", "--stack", "prod"],
      "config needs --stack with one of Foundation's stacks: aws, group, lab, eve-skill-farm; got 'prod'",
    ],
    [["config", "--stack", "aws", "--plan", "plan.json"], "--plan does not go with config"],
    [["check"], "check needs --program PATH"],
    [["check", "--program", PROGRAM, "--plan", "plan.json"], "--plan reads a plan document; it does not go with check"],
    [["--program", PROGRAM], "--program goes with check"],
    [["--plan", "plan.json"], "--plan goes with --codequality"],
    [
      ["check", "--program", "tools/policies/testdata/nowhere"],
      `--program ${root}/tools/policies/testdata/nowhere: no such file or directory`,
    ],
    [
      ["check", "--program", "tools/policies/testdata"],
      `--program ${root}/tools/policies/testdata: the directory has no index.ts`,
    ],
  ])("exits 2 for %j", async (argv, message) => {
    expect(await run(...argv)).toEqual({ code: 2, stdout: "", stderr: `error: ${message}\n${USAGE}` });
  });

  describe("config", () => {
    it("prints a stack's enforcement and declared exceptions as a --policy-pack-config document", async () => {
      const { code, stdout } = await run("config", "--stack", "group");
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual({
        "gitlab-groupvariable-secret-protected": { unprotectedKeys: ["FOUNDATION_GITLAB_READ_TOKEN"] },
      });
    });

    it("names only policies the pack has, with properties its schemas accept", async () => {
      for (const stack of ["aws", "group", "lab", "eve-skill-farm"]) {
        const document = JSON.parse((await run("config", "--stack", stack)).stdout) as Record<string, object>;
        for (const [name, settings] of Object.entries(document)) {
          const policy = POLICIES.find((p) => p.name === name);
          expect(policy).not.toBeUndefined();
          const { enforcementLevel: _level, ...properties } = settings as Record<string, unknown>;
          const valid = new Ajv({ strict: false }).validate(
            { type: "object", additionalProperties: false, ...policy?.configSchema },
            properties,
          );
          expect(valid).toBe(true);
        }
      }
    });
  });

  it("exits 2 for an unknown option, with node's message", async () => {
    const { code, stderr } = await run("--jsno");
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: Unknown option '--jsno'/);
  });
});
