import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replacementPaths } from "./diff";
import { PlanDocument, PlanResource, PlanStack, toDocument } from "./document";
import { PlanMemo, planStacks } from "./engine";
import { classifyPlans, holdsSecret, renderMarkdownDiff, renderProperty, riskReasons, valueAt } from "./markdown";

/** The upstream stacks are planned once for every plan of this file (read-only). */
const memo: PlanMemo = new Map();

const PROVIDER = "urn:pulumi:aws::foundation::pulumi:providers:aws::aws";

function resource(type: string, name: string, extra: Partial<PlanResource> = {}): PlanResource {
  return {
    urn: `urn:pulumi:aws::foundation::${type}::${name}`,
    type,
    name,
    parent: null,
    custom: true,
    protect: false,
    retainOnDelete: false,
    provider: PROVIDER,
    dependencies: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    inputs: {},
    ...extra,
  };
}

function stack(name: string, resources: PlanResource[], extra: Partial<PlanStack> = {}): PlanStack {
  return { name, phases: [1], needs: [], resources, outputs: {}, violations: [], ...extra };
}

function doc(...stacks: PlanStack[]): PlanDocument {
  return { version: 1, stacks };
}

const bucket = resource("aws:s3/bucket:Bucket", "state-bucket", {
  protect: true,
  inputs: { bucket: "mson-foundation-state-example", forceDestroy: false },
});
const role = resource("aws:iam/role:Role", "deploy", {
  inputs: { name: "foundation-deploy", tags: { Owner: "platform", "kubernetes.io/name": "x" } },
});
const key = resource("aws:kms/key:Key", "state-kms", { inputs: { description: "state" } });
const secretHolder = resource("aws:secretsmanager/secretVersion:SecretVersion", "credentials", {
  inputs: { secretString: "[secret]", versionStages: ["AWSCURRENT"] },
});

describe("renderMarkdownDiff on fixture plans", () => {
  it("lists a created resource and counts it in the summary", () => {
    const topic = resource("aws:sns/topic:Topic", "alerts", { inputs: { name: "alerts" } });
    const md = renderMarkdownDiff(doc(stack("aws", [role])), doc(stack("aws", [role, topic])));
    expect(md).toContain("**1 to create, 0 to update, 0 to replace, 0 to delete** in 1 of 1 stacks;");
    expect(md).toContain("### Stack `aws`: 1 to create, 0 to update, 0 to replace, 0 to delete\n\n");
    expect(md).toContain("- `+` create `aws:sns/topic:Topic` **alerts**\n");
    expect(md).not.toContain("[!warning]");
  });

  it("shows an update with each changed property, old and new value, dotted keys included", () => {
    const changed = {
      ...role,
      inputs: { name: "foundation-deploy", tags: { Owner: "platform-team", "kubernetes.io/name": "y" } },
    };
    const md = renderMarkdownDiff(doc(stack("aws", [role])), doc(stack("aws", [changed])));
    expect(md).toContain(
      [
        "- `~` update `aws:iam/role:Role` **deploy**",
        '  - `inputs.tags.Owner`: `"platform"` → `"platform-team"`',
        '  - `inputs.tags.kubernetes.io/name`: `"x"` → `"y"`',
      ].join("\n"),
    );
    expect(md).toContain("**0 to create, 1 to update, 0 to replace, 0 to delete**");
  });

  it("calls out the replacement of a protected stateful resource at the top, with the property that forces it", () => {
    const renamed = { ...bucket, inputs: { ...bucket.inputs, bucket: "mson-foundation-state-renamed" } };
    const md = renderMarkdownDiff(doc(stack("aws", [bucket])), doc(stack("aws", [renamed])));
    const top = md.indexOf("> [!warning]");
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(md.indexOf("### Stack"));
    expect(md).toContain("> - `aws`: replace `aws:s3/bucket:Bucket` **state-bucket** (protected, stateful type)\n");
    expect(md).toContain(
      [
        "- `+-` replace `aws:s3/bucket:Bucket` **state-bucket** (protected), forced by `inputs.bucket`",
        '  - `inputs.bucket`: `"mson-foundation-state-example"` → `"mson-foundation-state-renamed"`',
      ].join("\n"),
    );
    expect(md).toContain("**0 to create, 0 to update, 1 to replace, 0 to delete**");
  });

  it("lists a deletion, and calls out the deletion of a stateful type even when it is not protected", () => {
    const md = renderMarkdownDiff(doc(stack("aws", [role, key])), doc(stack("aws", [role])));
    expect(md).toContain("- `-` delete `aws:kms/key:Key` **state-kms**\n");
    expect(md).toContain("> - `aws`: delete `aws:kms/key:Key` **state-kms** (stateful type)\n");
    expect(md).toContain("**0 to create, 0 to update, 0 to replace, 1 to delete**");
  });

  it("does not call out the deletion of an ordinary resource", () => {
    const md = renderMarkdownDiff(doc(stack("aws", [role, key])), doc(stack("aws", [key])));
    expect(md).toContain("- `-` delete `aws:iam/role:Role` **deploy**\n");
    expect(md).not.toContain("[!warning]");
  });

  it("masks a secret change without printing either value", () => {
    const madeSecret = resource("aws:ssm/parameter:Parameter", "token", { inputs: { value: "hunter2-plain" } });
    const after = { ...madeSecret, inputs: { value: "[secret]" } };
    const md = renderMarkdownDiff(doc(stack("aws", [madeSecret])), doc(stack("aws", [after])));
    expect(md).toContain("- `~` update `aws:ssm/parameter:Parameter` **token**\n  - `inputs.value` (secret changed)\n");
    expect(md).not.toContain("hunter2-plain");
    expect(md).toContain("_Secret values are masked in the plan");
  });

  it("cannot see a change from one secret value to another, and says so under the stack", () => {
    const md = renderMarkdownDiff(doc(stack("aws", [secretHolder])), doc(stack("aws", [secretHolder])));
    expect(md).toContain(
      "### Stack `aws`: 0 to create, 0 to update, 0 to replace, 0 to delete\n\nNo resource changes.",
    );
    expect(md).toContain(
      "_Secret values are masked in the plan, so a change from one secret value to another does not show here; " +
        "the stack's `pulumi preview` job is the authority._",
    );
  });

  it("treats a change of provider as a replacement", () => {
    const moved = { ...role, provider: "urn:pulumi:aws::foundation::pulumi:providers:aws::aws-us-east-1" };
    const md = renderMarkdownDiff(doc(stack("aws", [role])), doc(stack("aws", [moved])));
    expect(md).toContain("- `+-` replace `aws:iam/role:Role` **deploy**, forced by `provider`\n");
    expect(md).toContain(
      '  - `provider`: `"urn:pulumi:aws::foundation::pulumi:providers:aws::aws"` → ' +
        '`"urn:pulumi:aws::foundation::pulumi:providers:aws::aws-us-east-1"`',
    );
  });

  it("renders policy violations per stack and counts them in the summary", () => {
    const violations = [
      {
        policy: "aws-s3-bucket-protected",
        enforcementLevel: "mandatory" as const,
        urn: bucket.urn,
        message: "Protect\nit.",
      },
      { policy: "stack-tags", enforcementLevel: "advisory" as const, urn: null, message: "Tag it." },
    ];
    const md = renderMarkdownDiff(doc(stack("aws", [bucket])), doc(stack("aws", [bucket], { violations })));
    expect(md).toContain("policy violations: 1 mandatory, 1 advisory.");
    expect(md).toContain(
      [
        "Policy violations: 2.",
        "",
        `- **mandatory** \`aws-s3-bucket-protected\`: Protect it. (\`${bucket.urn}\`)`,
        "- **advisory** `stack-tags`: Tag it.",
      ].join("\n"),
    );
  });

  it("leaves out a stack the new plan does not have: it was not planned this time, not deleted", () => {
    const md = renderMarkdownDiff(doc(stack("aws", []), stack("group", [role])), doc(stack("aws", [])));
    expect(md).toContain("**0 to create, 0 to update, 0 to replace, 0 to delete** in 0 of 1 stacks");
    expect(md).not.toContain("Stack `group`");
  });

  it("is the same text for the same documents", () => {
    const before = doc(stack("aws", [role, key]));
    const after = doc(stack("aws", [bucket, role]));
    expect(renderMarkdownDiff(before, after)).toBe(renderMarkdownDiff(before, after));
  });

  it("keeps values with backticks readable as inline code", () => {
    const before = resource("aws:iam/role:Role", "quoted", { inputs: { description: "a" } });
    const after = { ...before, inputs: { description: "run `make`" } };
    expect(renderMarkdownDiff(doc(stack("aws", [before])), doc(stack("aws", [after])))).toContain(
      '  - `inputs.description`: `"a"` → `` "run `make`" ``',
    );
  });
});

describe("replacementPaths", () => {
  it.each([
    ["aws:s3/bucket:Bucket", ["inputs.bucket", "inputs.tags.Owner"], ["inputs.bucket"]],
    ["aws:s3/bucket:Bucket", ["inputs.forceDestroy"], []],
    ["aws:kms/alias:Alias", ["inputs.name"], ["inputs.name"]],
    ["aws:kms/alias:Alias", ["inputs.targetKeyId"], []],
    ["aws:iam/role:Role", ["inputs.name", "inputs.path"], ["inputs.name", "inputs.path"]],
    ["aws:iam/role:Role", ["inputs.nameSuffix"], []],
    ["aws:autoscaling/group:Group", ["inputs.name", "inputs.maxSize"], ["inputs.name"]],
    ["aws:organizations/account:Account", ["inputs.email"], ["inputs.email"]],
    ["aws:ec2/vpc:Vpc", ["inputs.cidrBlock"], ["inputs.cidrBlock"]],
    ["aws:ec2/vpc:Vpc", ["inputs.tags.Owner"], []],
    ["aws:ec2/vpc:Vpc", ["provider", "parent"], ["provider"]],
    [
      "kubernetes:apps/v1:Deployment",
      ["inputs.spec.selector.matchLabels.app"],
      ["inputs.spec.selector.matchLabels.app"],
    ],
    ["kubernetes:apps/v1:Deployment", ["inputs.spec.replicas"], []],
    ["foundation:unknown:Type", ["inputs.anything"], []],
  ])("%s %j -> %j", (type, paths, expected) => {
    expect(replacementPaths({ type, replaceOnChanges: [] }, paths)).toEqual(expected);
  });

  it("a changed path under the resource's replaceOnChanges forces a replacement, other paths do not", () => {
    const vm = { type: "proxmoxve:index/vmLegacy:VmLegacy", replaceOnChanges: ["initialization.userDataFileId"] };
    expect(replacementPaths(vm, ["inputs.initialization.userDataFileId", "inputs.cpu.cores"])).toEqual([
      "inputs.initialization.userDataFileId",
    ]);
    expect(replacementPaths({ ...vm, replaceOnChanges: ["*"] }, ["inputs.cpu.cores"])).toEqual(["inputs.cpu.cores"]);
  });
});

describe("riskReasons", () => {
  it.each([
    [{ ...role }, []],
    [{ ...role, protect: true }, ["protected"]],
    [{ ...role, retainOnDelete: true }, ["retained on delete"]],
    [key, ["stateful type"]],
    [bucket, ["protected", "stateful type"]],
  ])("%#", (r, expected) => {
    expect(riskReasons(r)).toEqual(expected);
  });
});

describe("valueAt", () => {
  const r = resource("x:y:Z", "r", {
    inputs: { tags: { "kubernetes.io/name": "a", kubernetes: { io: "b" } }, rules: [{ id: "r0" }, { id: "r1" }] },
  });
  it.each([
    ["inputs.tags.kubernetes.io/name", "a"],
    ["inputs.tags.kubernetes.io", "b"],
    ["inputs.rules[1].id", "r1"],
    ["inputs.rules[2].id", undefined],
    ["inputs.missing", undefined],
    ["provider", PROVIDER],
    ["protect", false],
  ])("%s", (path, expected) => {
    expect(valueAt(r, path)).toEqual(expected);
  });
});

describe("renderProperty and holdsSecret", () => {
  it.each([
    ["a plain change", "inputs.a", 1, 2, "`inputs.a`: `1` → `2`"],
    ["an added property", "inputs.a", undefined, "x", '`inputs.a` added: `"x"`'],
    ["a removed property", "inputs.a", "x", undefined, '`inputs.a` removed (was `"x"`)'],
    ["a secret on both sides", "inputs.a", "[secret]", "[secret]", "`inputs.a` (secret changed)"],
    ["a secret made plain", "inputs.a", { k: "[secret]" }, "plain", "`inputs.a` (secret changed)"],
    ["an added secret", "inputs.a", undefined, ["[secret]"], "`inputs.a` (secret changed)"],
    ["a long value", "inputs.a", "p".repeat(200), "q", `\`inputs.a\`: \`"${"p".repeat(118)}…\` → \`"q"\``],
  ])("%s", (_label, path, before, after, expected) => {
    expect(renderProperty(path, before, after)).toBe(expected);
  });

  it.each([
    ["[secret]", true],
    [{ a: [{ b: "[secret]" }] }, true],
    ["secret", false],
    [{ a: null }, false],
  ])("holdsSecret(%j) = %s", (value, expected) => {
    expect(holdsSecret(value)).toBe(expected);
  });
});

describe("a lab config change against the previous plan", () => {
  const root = join(__dirname, "..", "..");
  const scratch = mkdtempSync(join(tmpdir(), "foundation-markdown-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("shows exactly the one update of the Proxmox provider's endpoint", async () => {
    const before = toDocument(await planStacks({ root, memo }), false);
    const file = join(scratch, "Pulumi.lab.yaml");
    const original = readFileSync(join(root, "Pulumi.lab.yaml"), "utf8");
    const edited = original.replace(
      "endpoint: https://pve.example.com:8006",
      "endpoint: https://pve2.example.com:8006",
    );
    expect(edited).not.toBe(original);
    writeFileSync(file, edited);
    const after = toDocument(await planStacks({ root, configFiles: { lab: file }, memo }), false);

    const changes = classifyPlans(before, after).flatMap((s) => s.changes.map((c) => ({ stack: s.stack, ...c })));
    expect(changes.map((c) => [c.stack, c.kind, c.type, c.paths])).toEqual([
      ["lab", "update", "pulumi:providers:proxmoxve", ["inputs.endpoint"]],
    ]);
    const md = renderMarkdownDiff(before, after);
    expect(md).toContain("**0 to create, 1 to update, 0 to replace, 0 to delete** in 1 of 4 stacks;");
    expect(md).toContain(
      [
        "### Stack `lab`: 0 to create, 1 to update, 0 to replace, 0 to delete",
        "",
        "- `~` update `pulumi:providers:proxmoxve` **proxmox**",
        '  - `inputs.endpoint`: `"https://pve.example.com:8006"` → `"https://pve2.example.com:8006"`',
        "",
      ].join("\n"),
    );
    expect(md.match(/^- `/gm)).toHaveLength(1);
  });
});
