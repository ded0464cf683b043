/**
 * Compares two plan documents: per stack, the resources to create, update, replace and delete by URN, and for
 * updates and replacements the input property paths that changed. A change is a replacement the way the engine
 * decides it: a changed property the provider cannot update in place (tools/plan/replacements.ts), a changed path of
 * the resource's `replaceOnChanges`, or a move to another provider.
 */
import { PlanDocument, PlanResource } from "./document";
import { replaceReasons } from "./replacements";

/** What a change does to a resource. */
export type ChangeOp = "create" | "update" | "replace" | "delete";

/** One change to one resource. */
export interface ResourceChange {
  readonly op: ChangeOp;
  readonly urn: string;
  readonly type: string;
  /** Changed input paths, for updates and replacements (`inputs.tags.Owner`, `inputs.rules[0].id`). */
  readonly paths: string[];
  /** For replacements: the changed paths that force it (`inputs.name`, `provider`). */
  readonly replaceReasons: string[];
  /** For replacements: whether the old resource goes first (`deleteBeforeReplace`). */
  readonly deleteBeforeReplace: boolean;
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

/**
 * The paths among `paths` that force a replacement of `after`: a change of provider (the engine replaces a resource
 * that moves to another provider instance), or of an input it cannot update in place. A change of `parent` alone is
 * not one: the URN already encodes the parent's type, so a same-URN parent change is a state update.
 */
export function replacementPaths(
  after: Pick<PlanResource, "type" | "replaceOnChanges">,
  paths: readonly string[],
): string[] {
  const inputs = paths.filter((p) => p.startsWith("inputs.")).map((p) => p.slice("inputs.".length));
  const forced = new Set(replaceReasons(after.type, inputs, after.replaceOnChanges ?? []).map((p) => `inputs.${p}`));
  return paths.filter((p) => p === "provider" || forced.has(p));
}

function resourceChanges(before: PlanResource, after: PlanResource): string[] {
  const paths = changedPaths(before.inputs, after.inputs, "inputs");
  for (const field of ["parent", "provider", "protect", "retainOnDelete"] as const) {
    if (before[field] !== after[field]) paths.push(field);
  }
  return paths;
}

/** The diff from `before` to `after`, stack by stack, for the stacks `after` plans, in its order. */
export function diffPlans(before: PlanDocument, after: PlanDocument): StackDiff[] {
  // Only the stacks planned now: a stack of the earlier plan that was not planned this time (`--stack aws` against
  // a plan of every stack) is unknown, not deleted; a plan never deletes a whole stack.
  return after.stacks.map(({ name: stack }) => {
    const old = new Map((before.stacks.find((s) => s.name === stack)?.resources ?? []).map((r) => [r.urn, r]));
    const next = after.stacks.find((s) => s.name === stack)?.resources ?? [];
    const changes: ResourceChange[] = [];
    for (const r of next) {
      const prior = old.get(r.urn);
      const none = { paths: [], replaceReasons: [], deleteBeforeReplace: false };
      if (!prior) changes.push({ op: "create", urn: r.urn, type: r.type, ...none });
      else {
        const paths = resourceChanges(prior, r);
        const reasons = replacementPaths(r, paths);
        const op = reasons.length > 0 ? "replace" : "update";
        const deleteBeforeReplace = op === "replace" && r.deleteBeforeReplace === true;
        if (paths.length)
          changes.push({ op, urn: r.urn, type: r.type, paths, replaceReasons: reasons, deleteBeforeReplace });
      }
      old.delete(r.urn);
    }
    for (const r of old.values()) {
      changes.push({
        op: "delete",
        urn: r.urn,
        type: r.type,
        paths: [],
        replaceReasons: [],
        deleteBeforeReplace: false,
      });
    }
    return { stack, changes };
  });
}

const SYMBOL = { create: "+", update: "~", replace: "+-", delete: "-" } as const;

/** Renders a diff as plain text, one line per change and a count per stack. */
export function renderDiff(diffs: readonly StackDiff[]): string {
  const lines: string[] = [];
  for (const diff of diffs) {
    const by = (op: ResourceChange["op"]) => diff.changes.filter((c) => c.op === op).length;
    lines.push(
      `Stack ${diff.stack}: ${by("create")} to create, ${by("update")} to update, ${by("replace")} to replace, ` +
        `${by("delete")} to delete`,
    );
    for (const c of diff.changes) {
      const forced = c.op === "replace" ? `; forced by ${c.replaceReasons.join(", ")}` : "";
      const order = c.deleteBeforeReplace ? "; deletes before it creates" : "";
      lines.push(
        `  ${SYMBOL[c.op]} ${c.op} ${c.urn}${c.paths.length ? ` (${c.paths.join(", ")}${forced}${order})` : ""}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
