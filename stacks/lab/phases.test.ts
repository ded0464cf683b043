/**
 * The lab's two shapes (docs/lab.md, "Two shapes"): the runner VM alone, without `foundation:talos`,
 * `foundation:flux` and `foundation:platform`, and the full lab with its cluster. Planned through the CLI the way
 * `npm run -s plan -- --stack lab --config lab=FILE` does, in process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseDocument } from "yaml";
import { main } from "../../tools/plan/cli";
import { PlanMemo } from "../../tools/plan/engine";
import { PlanDocument, PlanResource } from "../../tools/plan/document";
import { loadConfig } from "../configuration";
import { labConfigSchema } from "./config";
import { recordLab, sampleLabConfig, upstreamOutputs } from "./testing";

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-lab-phases-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const CLUSTER_KEYS = ["foundation:talos", "foundation:flux", "foundation:platform"];

/** `Pulumi.lab.yaml` with `keys` removed and `edits` (paths under `config`) set, written to a scratch file. */
function labFile(name: string, keys: readonly string[], edits: Record<string, unknown> = {}): string {
  const doc = parseDocument(readFileSync(join(root, "Pulumi.lab.yaml"), "utf8"));
  for (const key of keys) doc.deleteIn(["config", ...key.split(".")]);
  for (const [path, value] of Object.entries(edits)) doc.setIn(["config", ...path.split(".")], value);
  const file = join(scratch, `Pulumi.lab.${name}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}

/** The upstream stacks are planned once for every plan of this file (read-only). */
const memo: PlanMemo = new Map();

async function plan(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { root, memo });
  return { code, stdout, stderr };
}

/** The lab stack of a `--json --show-secrets` plan. */
async function labPlan(...config: string[]): Promise<PlanDocument["stacks"][number]> {
  const run = await plan(["--stack", "lab", "--json", "--show-secrets", ...config.flatMap((c) => ["--config", c])]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as PlanDocument).stacks[0];
}

const summary = (resources: readonly PlanResource[]) => resources.map((r) => `${r.type}::${r.name}`).sort();

/** The runner VM's resources, by URN: the component, everything under it, and the Proxmox provider they use. */
function runnerVm(resources: readonly PlanResource[]): PlanResource[] {
  const component = resources.find((r) => r.type === "foundation:proxmox:RunnerVm");
  if (component === undefined) throw new Error("no runner VM in the plan");
  const proxmox = resources.filter((r) => r.type === "pulumi:providers:proxmoxve");
  return [...proxmox, component, ...resources.filter((r) => r.parent === component.urn)].sort((a, b) =>
    a.urn.localeCompare(b.urn),
  );
}

const withoutCluster = labFile("runner-vm", CLUSTER_KEYS);

let full: PlanDocument["stacks"][number];
let phase1: PlanDocument["stacks"][number];
beforeAll(async () => {
  [full, phase1] = await Promise.all([labPlan(), labPlan(`lab=${withoutCluster}`)]);
});

describe("the lab without its cluster", () => {
  it("registers the runner VM, its firewall and the monitoring VM, nothing of the cluster (20 resources)", () => {
    expect(summary(phase1.resources)).toEqual(
      [
        "pulumi:pulumi:Stack::foundation-lab",
        "foundation:stack:DestroyGuard::lab-destroy-guard",
        "pulumi:pulumi:StackReference::aws-outputs",
        "pulumi:pulumi:StackReference::group-outputs",
        // The engine's default provider of the stack references.
        "pulumi:providers:pulumi::default",
        "pulumi:providers:proxmoxve::proxmox",
        // The Grafana admin password's; no tls provider, which only the cluster uses.
        "pulumi:providers:random::random",
        "foundation:proxmox:RunnerVm::runner",
        "proxmoxve:download/file:File::runner-image",
        "proxmoxve:index/fileLegacy:FileLegacy::runner-user-data",
        "proxmoxve:index/vmLegacy:VmLegacy::runner-vm",
        "proxmoxve:firewall/rulesLegacy:RulesLegacy::runner-firewall-rules",
        "proxmoxve:firewall/optionsLegacy:OptionsLegacy::runner-firewall",
        "foundation:monitoring:MonitoringVm::monitoring",
        "random:index/randomPassword:RandomPassword::monitoring-grafana-admin",
        "proxmoxve:download/file:File::monitoring-image",
        "proxmoxve:index/fileLegacy:FileLegacy::monitoring-user-data",
        "proxmoxve:index/vmLegacy:VmLegacy::monitoring-vm",
        "proxmoxve:firewall/rulesLegacy:RulesLegacy::monitoring-firewall-rules",
        "proxmoxve:firewall/optionsLegacy:OptionsLegacy::monitoring-firewall",
      ].sort(),
    );
  });

  it("with monitoring external, registers the runner VM alone: no random provider either (12 resources)", async () => {
    const file = labFile("runner-vm-external", [...CLUSTER_KEYS, "foundation:monitoring.vm"], {
      "foundation:monitoring.placement": "external",
      "foundation:runnerManager.vm.firewall.monitoringCidrs": ["192.168.10.0/24"],
    });
    const lab = await labPlan(`lab=${file}`);
    expect(summary(lab.resources)).toEqual(
      [
        "pulumi:pulumi:Stack::foundation-lab",
        "foundation:stack:DestroyGuard::lab-destroy-guard",
        "pulumi:pulumi:StackReference::aws-outputs",
        "pulumi:pulumi:StackReference::group-outputs",
        "pulumi:providers:pulumi::default",
        "pulumi:providers:proxmoxve::proxmox",
        "foundation:proxmox:RunnerVm::runner",
        "proxmoxve:download/file:File::runner-image",
        "proxmoxve:index/fileLegacy:FileLegacy::runner-user-data",
        "proxmoxve:index/vmLegacy:VmLegacy::runner-vm",
        "proxmoxve:firewall/rulesLegacy:RulesLegacy::runner-firewall-rules",
        "proxmoxve:firewall/optionsLegacy:OptionsLegacy::runner-firewall",
      ].sort(),
    );
  });

  it("exports only the outputs that exist without the cluster", () => {
    expect(phase1.outputs).toEqual({
      gitlabUrl: "https://gitlab.example.com",
      proxmoxEndpoint: "https://pve.example.com:8006",
      runnerManagerPlacement: "vm",
    });
  });

  it("reads of the upstream stacks only the values the runner manager is shaped by", async () => {
    await upstreamOutputs(); // planned first: the group stack's own reads of aws are not the lab's
    const details = jest.spyOn(pulumi.StackReference.prototype, "getOutputDetails");
    try {
      const config = Object.fromEntries(
        Object.entries(sampleLabConfig().config).filter(([key]) => !CLUSTER_KEYS.includes(key)),
      );
      await recordLab(config);
      expect(details.mock.calls.map(([name]) => name).sort()).toEqual([
        "dockerRunners",
        "gitlabUrl",
        "region",
        "runnerFleet",
        "runnerPools",
      ]);
    } finally {
      details.mockRestore();
    }
  });
});

describe("adding the cluster", () => {
  it("leaves the runner VM as it was: the same URNs, parents, providers, dependencies and inputs", () => {
    const before = runnerVm(phase1.resources);
    expect(before.map((r) => r.name).sort()).toEqual([
      "proxmox",
      "runner",
      "runner-firewall",
      "runner-firewall-rules",
      "runner-image",
      "runner-user-data",
      "runner-vm",
    ]);
    expect(runnerVm(full.resources)).toEqual(before);
  });

  it("leaves the monitoring VM as it was too", () => {
    const monitoring = (resources: readonly PlanResource[]) => {
      const component = resources.find((r) => r.type === "foundation:monitoring:MonitoringVm");
      return resources.filter((r) => r === component || r.parent === component?.urn);
    };
    expect(monitoring(phase1.resources)).toHaveLength(7);
    expect(monitoring(full.resources)).toEqual(monitoring(phase1.resources));
  });

  it("only adds resources: every resource of the runner VM alone is in the full plan", () => {
    const fullUrns = new Set(full.resources.map((r) => r.urn));
    expect(phase1.resources.map((r) => r.urn).filter((urn) => !fullUrns.has(urn))).toEqual([]);
    expect(full.resources).toHaveLength(138);
  });
});

describe("refusals", () => {
  /** The problems the config has, one line each. */
  function problemsOf(config: Record<string, string>): string[] {
    try {
      loadConfig("lab", labConfigSchema, config);
      return [];
    } catch (err) {
      return (err as Error).message.split("\n").slice(1);
    }
  }
  const sample = sampleLabConfig().config;
  const without = (...keys: string[]) => Object.fromEntries(Object.entries(sample).filter(([k]) => !keys.includes(k)));

  it("accepts none of the three blocks, with the in-cluster manager's settings kept for later", () => {
    expect(problemsOf(without(...CLUSTER_KEYS))).toEqual([]);
  });

  it.each([
    [
      "flux missing",
      without("foundation:flux"),
      [
        "  - foundation:flux: is required with foundation:talos and foundation:platform: the cluster takes " +
          "foundation:talos, foundation:flux and foundation:platform together; add it (Pulumi.lab.yaml shows every " +
          "key), or remove foundation:talos and foundation:platform to build the runner VM alone",
      ],
    ],
    [
      "talos alone",
      without("foundation:flux", "foundation:platform"),
      [
        "  - foundation:flux: is required with foundation:talos: the cluster takes foundation:talos, foundation:flux " +
          "and foundation:platform together; add it (Pulumi.lab.yaml shows every key), or remove foundation:talos to " +
          "build the runner VM alone",
        "  - foundation:platform: is required with foundation:talos: the cluster takes foundation:talos, " +
          "foundation:flux and foundation:platform together; add it (Pulumi.lab.yaml shows every key), or remove " +
          "foundation:talos to build the runner VM alone",
      ],
    ],
    [
      "the in-cluster manager without the cluster",
      {
        ...without(...CLUSTER_KEYS),
        "foundation:runnerManager": JSON.stringify({
          ...JSON.parse(sample["foundation:runnerManager"]),
          placement: "cluster",
        }),
      },
      [
        "  - foundation:runnerManager.placement: 'cluster' runs the manager in the lab's cluster, and this config has " +
          "none (no foundation:talos, foundation:flux or foundation:platform); keep 'vm' until the cluster is up, " +
          "then move it (docs/runbooks/runner-migration.md)",
      ],
    ],
  ])("refuses %s, naming the key", (_label, config, problems) => {
    expect(problemsOf(config)).toEqual(problems);
  });

  it("refuses the plan with exit status 2 before registering anything", async () => {
    const run = await plan(["--stack", "lab", "--config", `lab=${labFile("no-flux", ["foundation:flux"])}`]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      'stack "lab" has 1 configuration problem; no resource was registered:\n  - foundation:flux: is required with',
    );
  });

  it("refuses eve-skill-farm on a lab without its cluster, saying what the lab needs", async () => {
    const run = await plan(["--stack", "eve-skill-farm", "--config", `lab=${withoutCluster}`]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'error: stack "eve-skill-farm": "lab" (organization/foundation/lab) has no output "domain", which it exports ' +
        "only with its cluster: set foundation:talos, foundation:flux and foundation:platform in its config " +
        '(docs/lab.md, "Adding the cluster"), then run `pulumi up --stack lab` before this stack\n',
    );
  });
});
