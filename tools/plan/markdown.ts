/**
 * The plan diff as Markdown for merge request review (issue 9): per stack, the resources to create, update,
 * replace and delete with their changed properties, the stack's policy violations, and a summary line; replacements
 * and deletions of protected or stateful resources are called out at the top.
 *
 * The comparison is {@link diffPlans}; this module only classifies and renders. Two decisions the offline plan has
 * to make without provider schemas are documented at their tables below: when an update is a replacement
 * ({@link CREATE_ONLY_INPUTS}) and which resource types are stateful ({@link STATEFUL_TYPES}).
 */
import { diffPlans, ResourceChange } from "./diff";
import { PlanDocument, PlanResource, PlanStack } from "./document";
import { REDACTED } from "./values";

/**
 * Input properties that a provider cannot change in place, by resource type, for the types Foundation uses where a
 * replacement matters. A change of any of these (or of a nested path under them) makes an update a replacement.
 * Sources: the AWS provider's arguments marked "Forces new resource" (Terraform AWS provider docs, which
 * `@pulumi/aws` is generated from) for `aws_s3_bucket`, `aws_kms_alias`, `aws_iam_role`, `aws_autoscaling_group`
 * and `aws_organizations_account`. The table is deliberately small: a type missing here shows as an update, and
 * the stack's `pulumi preview` in CI, which asks the provider, stays the authority.
 */
export const CREATE_ONLY_INPUTS: Readonly<Record<string, readonly string[]>> = {
  "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
  "aws:kms/alias:Alias": ["name", "namePrefix"],
  "aws:iam/role:Role": ["name", "namePrefix", "path"],
  "aws:autoscaling/group:Group": ["name", "namePrefix"],
  "aws:organizations/account:Account": ["email"],
};

/**
 * Resource types whose replacement or deletion loses data or identity (state and cache buckets, keys that encrypt
 * state and secrets, accounts and the organization), whether or not the program protects them. DESIGN.md §3 asks
 * for `protect` on all of them; this list catches the ones a change would expose before the policy pack does.
 */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:kms/key:Key",
  "aws:organizations/account:Account",
  "aws:organizations/organization:Organization",
]);

/** What the diff does to one resource; a replacement is an update that cannot happen in place. */
export type ChangeKind = "create" | "update" | "replace" | "delete";

/** One classified change, with the resource as it was and as it will be. */
export interface ClassifiedChange {
  readonly kind: ChangeKind;
  readonly urn: string;
  readonly type: string;
  /** Changed paths as {@link diffPlans} reports them (`inputs.tags.Owner`, `provider`). */
  readonly paths: readonly string[];
  /** For replacements: the paths that force it. */
  readonly replaceReasons: readonly string[];
  readonly before?: PlanResource;
  readonly after?: PlanResource;
}

const ORDER: readonly ChangeKind[] = ["create", "update", "replace", "delete"];
const SYMBOL: Readonly<Record<ChangeKind, string>> = { create: "+", update: "~", replace: "+-", delete: "-" };
/** Longest rendered value before it is cut, so one large policy document cannot swamp the note. */
const MAX_VALUE_LENGTH = 120;

/**
 * The paths among `paths` that force a replacement of a resource of `type`: a change of provider (the engine
 * replaces a resource that moves to another provider instance), or of a create-only input. A change of `parent`
 * alone is not one: the URN already encodes the parent's type, so a same-URN parent change is a state update.
 */
export function replacementReasons(type: string, paths: readonly string[]): string[] {
  const createOnly = CREATE_ONLY_INPUTS[type] ?? [];
  return paths.filter(
    (path) =>
      path === "provider" ||
      createOnly.some(
        (key) => path === `inputs.${key}` || path.startsWith(`inputs.${key}.`) || path.startsWith(`inputs.${key}[`),
      ),
  );
}

/** Why a change of `resource` deserves the top call-out, or none. */
export function riskReasons(resource: PlanResource): string[] {
  const reasons: string[] = [];
  if (resource.protect) reasons.push("protected");
  if (resource.retainOnDelete) reasons.push("retained on delete");
  if (STATEFUL_TYPES.has(resource.type)) reasons.push("stateful type");
  return reasons;
}

function classify(change: ResourceChange, before?: PlanResource, after?: PlanResource): ClassifiedChange {
  const base = { urn: change.urn, type: change.type, paths: change.paths, before, after };
  if (change.op !== "update") return { ...base, kind: change.op, replaceReasons: [] };
  const reasons = replacementReasons(change.type, change.paths);
  return { ...base, kind: reasons.length > 0 ? "replace" : "update", replaceReasons: reasons };
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
  const lines = [change.kind === "replace" ? `${head}, forced by ${change.replaceReasons.map(code).join(", ")}` : head];
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
    const removed = plan === undefined ? " (removed from the plan)" : "";
    lines.push(`### Stack ${code(stack)}${removed}: ${countText(counts(changes))}`, "");
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
    "_Offline plan: values only a provider knows are placeholders, and replacements are inferred from a small " +
      "table of create-only properties (docs/pipeline.md)._",
  );
  return `${lines.join("\n")}\n`;
}
