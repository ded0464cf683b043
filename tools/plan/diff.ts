/**
 * Compares two plan documents: per stack, the resources to create, update and delete by URN, and for updates the
 * input property paths that changed. Replacement detection needs provider schemas and stays with `pulumi preview`.
 */
import { PlanDocument, PlanResource } from "./document";

/** One change to one resource. */
export interface ResourceChange {
  readonly op: "create" | "update" | "delete";
  readonly urn: string;
  readonly type: string;
  /** Changed input paths, for updates (`inputs.tags.Owner`, `inputs.rules[0].id`). */
  readonly paths: string[];
}

/** The changes to one stack. */
export interface StackDiff {
  readonly stack: string;
  readonly changes: ResourceChange[];
}

/** Input paths whose values differ between `before` and `after`, in sorted order. */
export function changedPaths(before: unknown, after: unknown, path: string): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const bothObjects = before !== null && after !== null && typeof before === "object" && typeof after === "object";
  if (!bothObjects || Array.isArray(before) !== Array.isArray(after)) return [path];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [path];
    return before.flatMap((item, i) => changedPaths(item, after[i], `${path}[${i}]`));
  }
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return keys.flatMap((key) => changedPaths(b[key], a[key], `${path}.${key}`));
}

function resourceChanges(before: PlanResource, after: PlanResource): string[] {
  const paths = changedPaths(before.inputs, after.inputs, "inputs");
  for (const field of ["parent", "provider", "protect", "retainOnDelete"] as const) {
    if (before[field] !== after[field]) paths.push(field);
  }
  return paths;
}

/** The diff from `before` to `after`, stack by stack, in `after`'s stack order then any removed stacks. */
export function diffPlans(before: PlanDocument, after: PlanDocument): StackDiff[] {
  const names = [
    ...after.stacks.map((s) => s.name),
    ...before.stacks.map((s) => s.name).filter((n) => !after.stacks.some((s) => s.name === n)),
  ];
  return names.map((stack) => {
    const old = new Map((before.stacks.find((s) => s.name === stack)?.resources ?? []).map((r) => [r.urn, r]));
    const next = after.stacks.find((s) => s.name === stack)?.resources ?? [];
    const changes: ResourceChange[] = [];
    for (const r of next) {
      const prior = old.get(r.urn);
      if (!prior) changes.push({ op: "create", urn: r.urn, type: r.type, paths: [] });
      else {
        const paths = resourceChanges(prior, r);
        if (paths.length) changes.push({ op: "update", urn: r.urn, type: r.type, paths });
      }
      old.delete(r.urn);
    }
    for (const r of old.values()) changes.push({ op: "delete", urn: r.urn, type: r.type, paths: [] });
    return { stack, changes };
  });
}

const SYMBOL = { create: "+", update: "~", delete: "-" } as const;

/** Renders a diff as plain text, one line per change and a count per stack. */
export function renderDiff(diffs: readonly StackDiff[]): string {
  const lines: string[] = [];
  for (const diff of diffs) {
    const by = (op: ResourceChange["op"]) => diff.changes.filter((c) => c.op === op).length;
    lines.push(`Stack ${diff.stack}: ${by("create")} to create, ${by("update")} to update, ${by("delete")} to delete`);
    for (const c of diff.changes) {
      lines.push(`  ${SYMBOL[c.op]} ${c.op} ${c.urn}${c.paths.length ? ` (${c.paths.join(", ")})` : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}
