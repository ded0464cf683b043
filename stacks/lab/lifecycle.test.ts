/**
 * Day-two changes of the lab cluster as the offline plan's diff shows them (tools/plan/diff.ts): a config change or a
 * Kubernetes upgrade is an in-place update of each node's MachineConfigApply and never a VM replacement, and a Talos
 * upgrade is one TalosUpgrade per node, chained through the health gates, control planes first.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackFileFor } from "../../tools/engine/workspace";
import { diffPlans, ResourceChange } from "../../tools/plan/diff";
import { PlanDocument, toDocument } from "../../tools/plan/document";
import { PlanMemo, planStacks } from "../../tools/plan/engine";

/** The upstream stacks are planned once for every plan of this file (read-only). */
const memo: PlanMemo = new Map();

const root = join(__dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-lifecycle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const NODES = ["talos-cp-1", "talos-cp-2", "talos-cp-3", "talos-w-1", "talos-w-2"];
const APPLY = "pulumi-nodejs:dynamic/talos:MachineConfigApply";
const UPGRADE = "pulumi-nodejs:dynamic/talos:Upgrade";
const HEALTHY = "pulumi-nodejs:dynamic/talos:NodeHealthy";
const VM = "proxmoxve:index/vmLegacy:VmLegacy";

/** The lab plan with `edits` to the sample config (`talos.talosVersion` and the like under `foundation:`). */
async function planLab(edits: Record<string, unknown> = {}): Promise<PlanDocument> {
  const example = readFileSync(join(root, "Pulumi.lab.yaml"), "utf8");
  const file = join(scratch, `Pulumi.lab.${Object.keys(edits).join("-") || "sample"}.yaml`);
  const changes = Object.entries(edits).map(([path, value]) => ({ path: `foundation:${path}`, value, reason: "test" }));
  writeFileSync(file, stackFileFor(example, changes, { ownStack: true }));
  return toDocument(await planStacks({ root, stacks: ["lab"], configFiles: { lab: file }, memo }), false);
}

let before: PlanDocument;
beforeAll(async () => {
  before = await planLab();
});

/** The lab's changes from the sample to `after`, by resource name. */
function changesTo(after: PlanDocument): Map<string, ResourceChange> {
  const diff = diffPlans(before, after).find((d) => d.stack === "lab");
  return new Map((diff?.changes ?? []).map((c) => [c.urn.slice(c.urn.lastIndexOf("::") + 2), c]));
}

function opsOf(changes: Map<string, ResourceChange>, type: string): [string, string][] {
  return [...changes].filter(([, c]) => c.type === type).map(([name, c]) => [name, c.op]);
}

describe("the lab cluster's day-two changes in the offline plan", () => {
  it("applies a new Kubernetes version to each node in place and replaces no VM", async () => {
    const changes = changesTo(await planLab({ "talos.kubernetesVersion": "1.36.4" }));
    expect(opsOf(changes, APPLY)).toEqual(NODES.map((node) => [`lab-${node}-apply`, "update"]));
    for (const node of NODES) {
      expect(changes.get(`lab-${node}-apply`)?.paths).toEqual(["inputs.configSha256", "inputs.kubernetesVersion"]);
    }
    expect(opsOf(changes, HEALTHY)).toEqual(NODES.map((node) => [`lab-${node}-healthy`, "update"]));
    expect(opsOf(changes, UPGRADE)).toEqual([]);
    expect(opsOf(changes, VM)).toEqual([]);
    expect([...changes.values()].filter((c) => c.op === "replace")).toEqual([]);
  });

  it("applies new nameservers to each node in place, and only updates the VMs' cloud-init DNS", async () => {
    const changes = changesTo(await planLab({ "network.nameservers": ["192.168.10.1", "192.168.10.2"] }));
    expect(opsOf(changes, APPLY)).toEqual(NODES.map((node) => [`lab-${node}-apply`, "update"]));
    for (const node of NODES) {
      expect(changes.get(`lab-${node}-apply`)?.paths).toEqual(["inputs.configSha256"]);
      expect(changes.get(`lab-${node}`)).toMatchObject({ op: "update", paths: ["inputs.initialization.dns.servers"] });
    }
    expect([...changes.values()].filter((c) => c.op === "replace")).toEqual([]);
  });

  it("upgrades Talos with one upgrade per node, in order, each after the previous node's health gate", async () => {
    const after = await planLab({ "talos.talosVersion": "v1.13.10" });
    const changes = changesTo(after);
    expect(opsOf(changes, UPGRADE)).toEqual(NODES.map((node) => [`lab-${node}-upgrade`, "update"]));
    for (const node of NODES) {
      expect(changes.get(`lab-${node}-upgrade`)?.paths).toEqual(["inputs.image", "inputs.talosVersion"]);
    }
    expect(opsOf(changes, VM)).toEqual([]);
    expect([...changes.values()].filter((c) => c.op === "replace")).toEqual([]);
    const resources = after.stacks.find((s) => s.name === "lab")?.resources ?? [];
    const urn = (name: string) => resources.find((r) => r.name === name)?.urn as string;
    const dependenciesOf = (name: string) => resources.find((r) => r.name === name)?.dependencies ?? [];
    let gate = urn("lab-api-ready");
    for (const node of NODES) {
      expect(dependenciesOf(`lab-${node}-upgrade`)).toContain(gate);
      expect(dependenciesOf(`lab-${node}-apply`)).toContain(urn(`lab-${node}-upgrade`));
      expect(dependenciesOf(`lab-${node}-healthy`)).toContain(urn(`lab-${node}-apply`));
      gate = urn(`lab-${node}-healthy`);
    }
  });

  it("replaces the VMs of a new worker size, which their protection stops", async () => {
    const after = await planLab({ "talos.worker": { cores: 6, memoryMiB: 8192, diskGiB: 64 } });
    const changes = changesTo(after);
    expect(opsOf(changes, VM)).toEqual([
      ["lab-talos-w-1", "replace"],
      ["lab-talos-w-2", "replace"],
    ]);
    expect(changes.get("lab-talos-w-1")?.replaceReasons).toEqual(["inputs.cpu.cores"]);
    const resources = after.stacks.find((s) => s.name === "lab")?.resources ?? [];
    const talosVms = resources.filter((r) => r.type === VM && r.name.startsWith("lab-talos-"));
    expect(talosVms.map((vm) => [vm.name, vm.protect])).toEqual(NODES.map((node) => [`lab-${node}`, true]));
  });
});
