/**
 * The plan diff as Markdown for merge request review (docs/pipeline.md): per stack, the resources to create, update,
 * replace and delete with their changed properties, the stack's policy violations, and a summary line; replacements
 * and deletions of protected or stateful resources are called out at the top.
 *
 * The comparison and the update-or-replace verdict are {@link diffPlans}'s; this module renders them, and decides
 * which resource types are stateful ({@link STATEFUL_TYPES}).
 */
import { ChangeOp, diffPlans, ResourceChange } from "./diff";
import { PlanDocument, PlanResource, PlanStack } from "./document";
import { REDACTED } from "./values";

/**
 * Resource types whose replacement or deletion loses data or identity (state and cache buckets, keys that encrypt
 * state and secrets, accounts and the organization), whether or not the program protects them. docs/architecture.md
 * ("Protection") asks for `protect` on all of them; this list catches the ones a change would expose before the
 * policy pack does.
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "aws:organizations/account:Account",
  "aws:organizations/organization:Organization",
  "pulumi-nodejs:dynamic/gitlab:Project",
]);

/** What the diff does to one resource; a replacement is an update that cannot happen in place. */
export type ChangeKind = ChangeOp;

/** One classified change, with the resource as it was and as it will be. */
export interface ClassifiedChange {
  readonly kind: ChangeKind;
  readonly urn: string;
  readonly type: string;
  /** Changed paths as {@link diffPlans} reports them (`inputs.tags.Owner`, `provider`). */
  readonly paths: readonly string[];
  /** For replacements: the paths that force it. */
  readonly replaceReasons: readonly string[];
  /** For replacements: the old resource is deleted before the new one exists (`deleteBeforeReplace`). */
  readonly deleteBeforeReplace: boolean;
  readonly before?: PlanResource;
  readonly after?: PlanResource;
}

const ORDER: readonly ChangeKind[] = ["create", "update", "replace", "delete"];
const SYMBOL: Readonly<Record<ChangeKind, string>> = { create: "+", update: "~", replace: "+-", delete: "-" };
/** Longest rendered value before it is cut, so one large policy document cannot swamp the note. */
const MAX_VALUE_LENGTH = 120;

/** Why a change of `resource` deserves the top call-out, or none. */
export function riskReasons(resource: PlanResource): string[] {
  const reasons: string[] = [];
  if (resource.protect) reasons.push("protected");
  if (resource.retainOnDelete) reasons.push("retained on delete");
  if (STATEFUL_TYPES.has(resource.type)) reasons.push("stateful type");
  return reasons;
}

function classify(change: ResourceChange, before?: PlanResource, after?: PlanResource): ClassifiedChange {
  return {
    kind: change.op,
    urn: change.urn,
    type: change.type,
    paths: change.paths,
    replaceReasons: change.replaceReasons,
    deleteBeforeReplace: change.deleteBeforeReplace,
    before,
    after,
  };
}

/** Every change between two plans, classified, by stack in {@link diffPlans} order. */
export function classifyPlans(
  before: PlanDocument,
  after: PlanDocument,
): { readonly stack: string; readonly changes: ClassifiedChange[] }[] {
  const index = (doc: PlanDocument) =>
    new Map(doc.stacks.map((s) => [s.name, new Map(s.resources.map((r) => [r.urn, r]))] as const));
  const old = index(before);
  const next = index(after);
  return diffPlans(before, after).map((diff) => ({
    stack: diff.stack,
    changes: diff.changes.map((c) => classify(c, old.get(diff.stack)?.get(c.urn), next.get(diff.stack)?.get(c.urn))),
  }));
}

/**
 * The value at a {@link diffPlans} path inside a resource. Object keys may themselves contain dots
 * (`kubernetes.io/name`), so at each level the longest key that matches the rest of the path wins.
 */
export function valueAt(resource: PlanResource | undefined, path: string): unknown {
  if (resource === undefined) return undefined;
  const walk = (value: unknown, rest: string): unknown => {
    if (rest === "") return value;
    if (value === null || typeof value !== "object") return undefined;
    if (rest.startsWith("[")) {
      const close = rest.indexOf("]");
      const item = Array.isArray(value) ? value[Number(rest.slice(1, close))] : undefined;
      return walk(item, rest.slice(close + 1));
    }
    const tail = rest.startsWith(".") ? rest.slice(1) : rest;
    const keys = Object.keys(value).sort((a, b) => b.length - a.length);
    const key = keys.find((k) => tail === k || tail.startsWith(`${k}.`) || tail.startsWith(`${k}[`));
    return key === undefined ? undefined : walk((value as Record<string, unknown>)[key], tail.slice(key.length));
  };
  return walk(resource, path);
}

/** True when `value` is, or holds anywhere inside it, the plan's masked secret. */
export function holdsSecret(value: unknown): boolean {
  if (value === REDACTED) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsSecret);
  return false;
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return longest > 0 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return code(text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text);
}

/**
 * One changed property. The documents hold secrets only as `"[secret]"`, so a path whose old or new value is or
 * contains that marker is shown as "(secret changed)" and never with a value: that covers a secret added, removed,
 * made plain or made secret. A change from one secret value to another leaves both documents at `"[secret]"`, so
 * {@link diffPlans} cannot see it; the note says so under every stack that has secret inputs.
 */
export function renderProperty(path: string, before: unknown, after: unknown): string {
  if (holdsSecret(before) || holdsSecret(after)) return `${code(path)} (secret changed)`;
  if (before === undefined) return `${code(path)} added: ${shown(after)}`;
  if (after === undefined) return `${code(path)} removed (was ${shown(before)})`;
  return `${code(path)}: ${shown(before)} → ${shown(after)}`;
}

function resourceLabel(change: ClassifiedChange): string {
  const resource = change.after ?? change.before;
  return `${code(change.type)} **${(resource?.name ?? change.urn).replace(/([*_|<>[\]\\])/g, "\\$1")}**`;
}

function changeLines(change: ClassifiedChange): string[] {
  const resource = change.after ?? change.before;
  const flags = resource?.protect ? " (protected)" : "";
  const head = `- ${code(SYMBOL[change.kind])} ${change.kind} ${resourceLabel(change)}${flags}`;
  const order = change.deleteBeforeReplace ? " (deletes the old one first: nothing of it exists in between)" : "";
  const lines = [
    change.kind === "replace" ? `${head}, forced by ${change.replaceReasons.map(code).join(", ")}${order}` : head,
  ];
  if (change.kind === "update" || change.kind === "replace") {
    for (const path of change.paths) {
      lines.push(`  - ${renderProperty(path, valueAt(change.before, path), valueAt(change.after, path))}`);
    }
  }
  return lines;
}

function counts(changes: readonly ClassifiedChange[]): Record<ChangeKind, number> {
  const out: Record<ChangeKind, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const c of changes) out[c.kind] += 1;
  return out;
}

function countText(n: Record<ChangeKind, number>): string {
  return ORDER.map((kind) => `${n[kind]} to ${kind}`).join(", ");
}

function violationLines(stack: PlanStack | undefined): string[] {
  const violations = stack?.violations ?? [];
  if (violations.length === 0) return ["Policy violations: none."];
  return [
    `Policy violations: ${violations.length}.`,
    "",
    ...violations.map(
      (v) =>
        `- **${v.enforcementLevel}** ${code(v.policy)}: ${v.message.replace(/\s+/g, " ")}` +
        (v.urn ? ` (${code(v.urn)})` : ""),
    ),
  ];
}

function hasSecretInputs(stack: PlanStack | undefined): boolean {
  return (stack?.resources ?? []).some((r) => holdsSecret(r.inputs));
}

/**
 * Renders the Markdown review of the change from `before` (the target branch's plan) to `after` (the merge
 * request's plan). Pure: the same documents give the same text.
 */
export function renderMarkdownDiff(before: PlanDocument, after: PlanDocument): string {
  const stacks = classifyPlans(before, after);
  const all = stacks.flatMap((s) => s.changes.map((c) => ({ stack: s.stack, change: c })));
  const violations = after.stacks.flatMap((s) => s.violations);
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const changedStacks = stacks.filter((s) => s.changes.length > 0).length;

  const lines = [
    "## Foundation plan",
    "",
    `**${countText(counts(all.map((a) => a.change)))}** in ${changedStacks} of ${stacks.length} stacks; ` +
      `policy violations: ${mandatory} mandatory, ${violations.length - mandatory} advisory.`,
    "",
  ];

  const risky = all
    .filter(({ change }) => change.kind === "replace" || change.kind === "delete")
    .map(({ stack, change }) => ({ stack, change, why: riskReasons(change.before ?? (change.after as PlanResource)) }))
    .filter(({ why }) => why.length > 0);
  if (risky.length > 0) {
    lines.push("> [!warning]", "> **Replacements and deletions of protected or stateful resources**", ">");
    for (const { stack, change, why } of risky) {
      lines.push(`> - ${code(stack)}: ${change.kind} ${resourceLabel(change)} (${why.join(", ")})`);
    }
    lines.push("");
  }

  for (const { stack, changes } of stacks) {
    const plan = after.stacks.find((s) => s.name === stack);
    lines.push(`### Stack ${code(stack)}: ${countText(counts(changes))}`, "");
    if (changes.length === 0) lines.push("No resource changes.");
    for (const kind of ORDER) for (const c of changes.filter((x) => x.kind === kind)) lines.push(...changeLines(c));
    lines.push("", ...violationLines(plan));
    if (hasSecretInputs(plan) || hasSecretInputs(before.stacks.find((s) => s.name === stack))) {
      lines.push(
        "",
        "_Secret values are masked in the plan, so a change from one secret value to another does not show here; " +
          "the stack's `pulumi preview` job is the authority._",
      );
    }
    lines.push("");
  }
  lines.push(
    "_Offline plan: values only a provider knows are placeholders; replacements come from each resource's " +
      "`replaceOnChanges` and the providers' create-only properties (tools/plan/replacements.ts)._",
  );
  return `${lines.join("\n")}\n`;
}
