/**
 * Every namespace the stacks create has a default-deny NetworkPolicy, which Cilium enforces: a pod receives only what
 * a policy of its namespace admits (components/kubernetes/platform/common.ts `defaultDenyPolicySpec`). Checked on the
 * offline plan of the lab (both runner placements) and of eve-skill-farm.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackFileFor } from "../tools/engine/workspace";
import { PlanStack, toDocument } from "../tools/plan/document";
import { PlanMemo, planStacks } from "../tools/plan/engine";

/** The upstream stacks are planned once for every plan of this file (read-only). */
const memo: PlanMemo = new Map();

const root = join(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-default-deny-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Metadata {
  readonly name?: string;
  readonly namespace?: string;
}

/** The namespaces a stack creates, each with whether a default-deny policy lives in it. */
function defaultDenied(stack: PlanStack): Record<string, boolean> {
  const namespaces = stack.resources
    .filter((r) => r.type === "kubernetes:core/v1:Namespace")
    .map((r) => (r.inputs.metadata as Metadata).name as string);
  const denying = new Set(
    stack.resources
      .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
      .filter((r) => {
        const spec = r.inputs.spec as { podSelector: object; policyTypes: string[]; ingress?: unknown[] };
        return (
          JSON.stringify(spec.podSelector) === "{}" &&
          spec.policyTypes.includes("Ingress") &&
          spec.ingress === undefined
        );
      })
      .map((r) => (r.inputs.metadata as Metadata).namespace),
  );
  return Object.fromEntries(namespaces.map((namespace) => [namespace, denying.has(namespace)]));
}

describe("every namespace the stacks create", () => {
  it("has a default-deny policy: lab with the runner VM, and eve-skill-farm", async () => {
    const document = toDocument(await planStacks({ root, stacks: ["lab", "eve-skill-farm"], memo }), true);
    const stack = (name: string) => document.stacks.find((s) => s.name === name) as PlanStack;
    expect(defaultDenied(stack("lab"))).toEqual({
      "metallb-system": true,
      traefik: true,
      "csi-proxmox": true,
      "external-secrets": true,
      "external-dns": true,
      "cert-manager": true,
      "etcd-backup": true,
    });
    expect(defaultDenied(stack("eve-skill-farm"))).toEqual({ "eve-skill-farm": true });
  });

  it("has a default-deny policy: lab with the runner manager in the cluster", async () => {
    const file = join(scratch, "Pulumi.lab.cluster.yaml");
    const example = readFileSync(join(root, "Pulumi.lab.yaml"), "utf8");
    writeFileSync(
      file,
      stackFileFor(example, [{ path: "foundation:runnerManager.placement", value: "cluster", reason: "test" }], {
        ownStack: true,
      }),
    );
    const document = toDocument(await planStacks({ root, stacks: ["lab"], configFiles: { lab: file }, memo }), true);
    const lab = document.stacks.find((s) => s.name === "lab") as PlanStack;
    expect(defaultDenied(lab)).toMatchObject({ "gitlab-runner": true });
    expect(Object.values(defaultDenied(lab)).every(Boolean)).toBe(true);
  });
});
