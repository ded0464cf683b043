/**
 * The plan's public forms (docs/architecture.md, "The offline plan contract"): the JSON document and the human tree. Both are pure functions of the
 * planned stacks, with object keys sorted, so the same input prints the same bytes.
 */
import { z } from "zod";
import { StackPlan, Violation } from "./engine";
import { RecordedResource } from "./monitor";
import { present } from "./values";

/** One resource in the JSON document. */
export interface PlanResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly custom: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly provider: string | null;
  readonly dependencies: string[];
  /** Input property paths whose change replaces the resource (the `replaceOnChanges` option). */
  readonly replaceOnChanges: string[];
  /** The `deleteBeforeReplace` option: a replacement deletes the old resource before creating the new one. */
  readonly deleteBeforeReplace: boolean;
  readonly inputs: Record<string, unknown>;
}

/** One stack in the JSON document. */
export interface PlanStack {
  readonly name: string;
  readonly phases: readonly number[];
  readonly needs: readonly string[];
  readonly resources: PlanResource[];
  readonly outputs: Record<string, unknown>;
  readonly violations: Violation[];
}

/** The JSON document `npm run plan -- --json` prints. */
export interface PlanDocument {
  readonly version: 1;
  readonly stacks: PlanStack[];
}

/**
 * The shape an earlier plan must have for `--diff`: what the diff and the review note read of it. Loose, so a plan
 * printed by an older version with fewer fields still diffs.
 */
export const planDocumentSchema = z.looseObject({
  version: z.literal(1),
  stacks: z.array(
    z.looseObject({
      name: z.string(),
      resources: z.array(
        z.looseObject({
          urn: z.string().startsWith("urn:pulumi:"),
          type: z.string(),
          protect: z.boolean().optional(),
          provider: z.string().nullable().optional(),
          inputs: z.record(z.string(), z.unknown()),
        }),
      ),
      outputs: z.record(z.string(), z.unknown()).optional(),
      violations: z.array(z.unknown()).optional(),
    }),
  ),
});

/** Inputs that are the engine's business, not the reader's: a dynamic resource's serialized provider code. */
const HIDDEN_INPUTS = new Set(["__provider"]);

function resourceOf(resource: RecordedResource, showSecrets: boolean): PlanResource {
  const inputs: Record<string, unknown> = {};
  for (const key of Object.keys(resource.inputs).sort()) {
    if (!HIDDEN_INPUTS.has(key)) inputs[key] = present(resource.inputs[key], showSecrets);
  }
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    parent: resource.parent,
    custom: resource.custom,
    protect: resource.protect,
    retainOnDelete: resource.retainOnDelete,
    provider: resource.provider,
    dependencies: resource.dependencies,
    replaceOnChanges: [...resource.replaceOnChanges].sort(),
    deleteBeforeReplace: resource.deleteBeforeReplace,
    inputs,
  };
}

/** Builds the JSON document; secrets are `"[secret]"` unless `showSecrets`. */
export function toDocument(plans: readonly StackPlan[], showSecrets: boolean): PlanDocument {
  return {
    version: 1,
    stacks: plans.map((plan) => ({
      name: plan.name,
      phases: plan.phases,
      needs: plan.needs,
      resources: plan.resources.map((r) => resourceOf(r, showSecrets)),
      outputs: present(plan.outputs, showSecrets) as Record<string, unknown>,
      violations: plan.violations,
    })),
  };
}

function counts(stack: PlanStack): string {
  const custom = stack.resources.filter((r) => r.custom).length;
  const protectedCount = stack.resources.filter((r) => r.protect).length;
  return (
    `${stack.resources.length} resources: ${custom} custom, ${stack.resources.length - custom} components` +
    `, ${protectedCount} protected`
  );
}

/** Renders the `pulumi preview`-like tree of every stack. */
export function renderTree(document: PlanDocument): string {
  const lines: string[] = [];
  for (const stack of document.stacks) {
    const needs = stack.needs.length ? stack.needs.join(", ") : "none";
    lines.push(
      `Stack ${stack.name} (phase${stack.phases.length > 1 ? "s" : ""} ${stack.phases.join(", ")}; reads ${needs})`,
    );
    const children = new Map<string | null, PlanResource[]>();
    for (const r of stack.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const walk = (parent: string | null, indent: string): void => {
      const kids = children.get(parent) ?? [];
      kids.forEach((r, i) => {
        const last = i === kids.length - 1;
        const branch = parent === null ? "  + " : `${indent}${last ? "└─ " : "├─ "}`;
        lines.push(`${branch}${r.type}  ${r.name}${r.protect ? "  (protected)" : ""}`);
        walk(r.urn, parent === null ? "    " : `${indent}${last ? "   " : "│  "}`);
      });
    };
    walk(null, "");
    lines.push(`  ${counts(stack)}`);
    lines.push("  Outputs:");
    for (const key of Object.keys(stack.outputs)) lines.push(`    ${key}: ${JSON.stringify(stack.outputs[key])}`);
    if (stack.violations.length === 0) lines.push("  Policy violations: none");
    else {
      lines.push(`  Policy violations: ${stack.violations.length}`);
      for (const v of stack.violations) {
        lines.push(`    [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? ` (${v.urn})` : ""}`);
      }
    }
    lines.push("");
  }
  return lines.join("\n");
}
