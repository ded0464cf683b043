import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeUrn, driftedResources, driftReport, main, parseDigest, PreviewDigest } from "./drift";

const fixture = join(__dirname, "testdata", "preview-drift.json");
const digest = JSON.parse(readFileSync(fixture, "utf8")) as PreviewDigest;
const VM =
  "urn:pulumi:lab::foundation::foundation:proxmox:RunnerVm$proxmoxve:VM/virtualMachine:VirtualMachine::runner-vm";
const USER_DATA =
  "urn:pulumi:lab::foundation::foundation:proxmox:RunnerVm$proxmoxve:Storage/file:File::runner-vm-user-data";
const FIREWALL = "urn:pulumi:lab::foundation::proxmoxve:Network/firewallRules:FirewallRules::runner-vm-firewall";
const ALIAS = "urn:pulumi:lab::foundation::proxmoxve:Network/firewallAlias:FirewallAlias::manager";

const scratch = mkdtempSync(join(tmpdir(), "foundation-drift-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("driftedResources", () => {
  it("keeps only changing steps, one per URN, a replacement once with its reasons", () => {
    expect(driftedResources(digest)).toEqual([
      { kind: "update", urn: VM, properties: ["memory.dedicated", "tags[2]"] },
      { kind: "replace", urn: USER_DATA, properties: ["sourceRaw"] },
      { kind: "create", urn: FIREWALL, properties: [] },
      { kind: "delete", urn: ALIAS, properties: [] },
    ]);
  });

  it("falls back to diffReasons when Pulumi gives no detailed diff", () => {
    expect(driftedResources({ steps: [{ op: "update", urn: VM, diffReasons: ["tags"], detailedDiff: null }] })).toEqual(
      [{ kind: "update", urn: VM, properties: ["tags"] }],
    );
  });

  it("finds nothing in a preview of unchanged resources and data-source reads", () => {
    expect(
      driftedResources({
        steps: [
          { op: "same", urn: VM },
          { op: "read", urn: ALIAS },
        ],
      }),
    ).toEqual([]);
    expect(driftedResources({})).toEqual([]);
  });
});

describe("driftReport", () => {
  it("names the stack and every drifted resource with what differs", () => {
    expect(driftReport("lab", digest, 255)).toBe(
      [
        "stack lab has drifted: 4 resources differ from the program",
        '  update proxmoxve:VM/virtualMachine:VirtualMachine "runner-vm" (changed outside Pulumi, would be updated): ' +
          "memory.dedicated, tags[2]",
        `    ${VM}`,
        '  replace proxmoxve:Storage/file:File "runner-vm-user-data" (changed outside Pulumi, would be replaced): ' +
          "sourceRaw",
        `    ${USER_DATA}`,
        '  create proxmoxve:Network/firewallRules:FirewallRules "runner-vm-firewall" (missing, would be created)',
        `    ${FIREWALL}`,
        '  delete proxmoxve:Network/firewallAlias:FirewallAlias "manager" (not in the program, would be deleted)',
        `    ${ALIAS}`,
        "Review with: pulumi preview --stack lab --refresh --diff",
      ].join("\n"),
    );
  });

  it("passes a clean preview that exited 0", () => {
    expect(driftReport("aws", { steps: [{ op: "same", urn: VM }], changeSummary: { same: 1 } }, 0)).toBeUndefined();
  });

  it("fails a preview that exited non-zero without changes, with Pulumi's errors", () => {
    const failed = {
      steps: [],
      diagnostics: [{ message: "error: AccessDenied", severity: "error" }, { message: "i" }],
    };
    expect(driftReport("group", failed, 255)).toBe(
      "stack group: pulumi preview failed (exit 255) without proposing changes\n  error: AccessDenied",
    );
  });

  it("passes the member-account providers' role step, which changes no resource, and only that", () => {
    const provider = "urn:pulumi:aws::foundation::pulumi:providers:aws::aws-ci";
    const roleStep = { op: "update", urn: provider, detailedDiff: { "assumeRoles[0].roleArn": { kind: "update" } } };
    expect(driftReport("aws", { steps: [roleStep, { op: "same", urn: VM }] }, 255)).toBeUndefined();
    const regionStep = { op: "update", urn: provider, detailedDiff: { region: { kind: "update" } } };
    expect(driftedResources({ steps: [roleStep, regionStep] })).toEqual([
      { kind: "update", urn: provider, properties: ["region"] },
    ]);
    // With an error beside it, the preview failed for another reason.
    const failed = { steps: [roleStep], diagnostics: [{ message: "error: AccessDenied", severity: "error" }] };
    expect(driftReport("aws", failed, 255)).toBe(
      "stack aws: pulumi preview failed (exit 255) without proposing changes\n  error: AccessDenied",
    );
  });

  it("fails when Pulumi printed no JSON at all", () => {
    expect(driftReport("aws", parseDigest("error: failed to load credentials"), 255)).toBe(
      "stack aws: pulumi preview printed no JSON preview (exit 255); see the job log for its error",
    );
  });
});

describe("describeUrn", () => {
  it.each([
    [VM, 'proxmoxve:VM/virtualMachine:VirtualMachine "runner-vm"'],
    ["urn:pulumi:aws::foundation::pulumi:providers:aws::aws", 'pulumi:providers:aws "aws"'],
    ["not-a-urn", "not-a-urn"],
  ])("%s", (urn, expected) => expect(describeUrn(urn)).toBe(expected));
});

describe("drift CLI", () => {
  const run = (argv: string[]) => {
    let stdout = "";
    let stderr = "";
    const code = main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  };

  it("exits 1 with the report on drift", () => {
    const result = run(["--stack", "lab", "--file", fixture, "--exit-code", "255"]);
    expect(result.code).toBe(1);
    expect(result.stderr.startsWith("stack lab has drifted: 4 resources differ from the program\n")).toBe(true);
  });

  it("exits 0 when the stack matches its program", () => {
    const file = join(scratch, "clean.json");
    writeFileSync(file, JSON.stringify({ steps: [{ op: "same", urn: VM }], changeSummary: { same: 1 } }));
    expect(run(["--stack", "aws", "--file", file])).toEqual({ code: 0, stdout: "stack aws: no drift\n", stderr: "" });
  });

  it("exits 2 on bad arguments", () => {
    expect(run(["--stack", "aws"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: --stack NAME and --file FILE are required\n",
    });
    expect(run(["--stack", "aws", "--file", fixture, "--exit-code", "x"]).stderr).toBe(
      'error: --exit-code "x" is not a number\n',
    );
  });
});
