/**
 * The group's standard label set, as data. Every label is scoped (`scope::value`): GitLab lets an issue or merge
 * request carry only one label of a scope, so `status::blocked` replaces `status::ready` instead of piling up
 * (https://docs.gitlab.com/user/project/labels/#scoped-labels). The set is edited from the `group` stack's config
 * with {@link resolveLabelSet} (add, override, drop), which also enforces the rules below.
 */

/** The scopes of the standard set; a label with another scope must have that scope added explicitly. */
export const LABEL_SCOPES: readonly string[] = ["type", "priority", "status", "phase", "area"];

/** One group label. */
export interface StandardLabel {
  /** `scope::value`, e.g. `type::bug`. */
  readonly name: string;
  /** `#RRGGBB`. */
  readonly color: string;
  /** What the label means, shown on hover in GitLab. */
  readonly description: string;
}

/** A change to a standard label's color or description; the name selects it. */
export interface LabelOverride {
  /** The standard label to change. */
  readonly name: string;
  /** New `#RRGGBB` color; unchanged when absent. */
  readonly color?: string;
  /** New description; unchanged when absent. */
  readonly description?: string;
}

/** Config edits to the standard set. */
export interface LabelEdits {
  /** Labels to add; their names must not be standard ones (use `override` for those). */
  readonly add?: readonly StandardLabel[];
  /** Color or description changes to standard labels. */
  readonly override?: readonly LabelOverride[];
  /** Names of standard labels to leave out. */
  readonly drop?: readonly string[];
  /** Scopes allowed beyond {@link LABEL_SCOPES}, for added labels. */
  readonly scopes?: readonly string[];
}

/** The standard labels. Colors come from a few families so a board reads at a glance: red is urgent or broken. */
export const STANDARD_LABELS: readonly StandardLabel[] = [
  { name: "type::bug", color: "#D9534F", description: "Something does not work as documented or intended." },
  { name: "type::feature", color: "#428BCA", description: "A new capability." },
  {
    name: "type::maintenance",
    color: "#5CB85C",
    description: "Upkeep with no change in behaviour: upgrades, refactoring, clean-up.",
  },
  { name: "type::security", color: "#8E44AD", description: "A vulnerability, exposure or hardening task." },
  { name: "priority::1", color: "#B60205", description: "Drop everything: an outage or a security exposure." },
  { name: "priority::2", color: "#D93F0B", description: "Next up: it blocks a phase or a team." },
  { name: "priority::3", color: "#FBCA04", description: "Planned for the current phase." },
  { name: "priority::4", color: "#C5DEF5", description: "Worth doing when time allows." },
  { name: "status::triage", color: "#EDEDED", description: "New: needs a type, a priority and an owner." },
  { name: "status::ready", color: "#0E8A16", description: "Understood and ready to be picked up." },
  { name: "status::in-progress", color: "#1D76DB", description: "Someone is working on it." },
  { name: "status::in-review", color: "#5319E7", description: "A merge request is waiting for review." },
  { name: "status::blocked", color: "#B60205", description: "Waiting on something outside this issue; say what." },
  { name: "phase::0", color: "#BFD4F2", description: "Close open loops: decisions and clean-up, no code." },
  {
    name: "phase::1",
    color: "#BFD4F2",
    description: "Landing zone: AWS organization, state backend, OIDC roles, runner fleet and runner VM.",
  },
  {
    name: "phase::2",
    color: "#BFD4F2",
    description: "GitLab group as code: labels, CI variables, runners, deploy key.",
  },
  { name: "phase::3", color: "#BFD4F2", description: "Group standards: the policy pack and the written standard." },
  { name: "phase::4", color: "#BFD4F2", description: "Lab cluster: Talos on Proxmox, GitOps, runner migration." },
  {
    name: "phase::5",
    color: "#BFD4F2",
    description: "Platform services and the first workload on the cluster.",
  },
  { name: "area::aws", color: "#F9D0C4", description: "The aws stack and its components." },
  { name: "area::gitlab", color: "#F9D0C4", description: "The group stack: GitLab objects managed as code." },
  { name: "area::lab", color: "#F9D0C4", description: "Proxmox, Talos and the cluster's platform services." },
  { name: "area::runner", color: "#F9D0C4", description: "GitLab Runner: model, config.toml, fleet, manager." },
  { name: "area::policy", color: "#F9D0C4", description: "The CrossGuard policy pack and the group standards." },
  { name: "area::docs", color: "#F9D0C4", description: "Runbooks, architecture and generated documentation." },
];

/** GitLab's separator between a scoped label's scope and its value. */
const SCOPE_SEPARATOR = "::";
/** GitLab stores label titles in a 255-character column. */
const MAX_NAME_LENGTH = 255;
const COLOR = /^#[0-9A-Fa-f]{6}$/;

/** Every problem with one label under the given scopes, each naming the label and the fix. */
function labelProblems(label: StandardLabel, scopes: readonly string[], where: string): string[] {
  const problems: string[] = [];
  const name = label.name;
  if (name.trim() === "" || name !== name.trim()) {
    problems.push(`${where} '${name}': name must be non-empty without leading or trailing spaces`);
  }
  if (name.length > MAX_NAME_LENGTH) {
    problems.push(`${where} '${name}': name is ${name.length} characters; GitLab allows ${MAX_NAME_LENGTH}`);
  }
  // GitLab's Label model rejects commas: they separate labels in quick actions and API lists.
  if (name.includes(",")) problems.push(`${where} '${name}': name must not contain a comma`);
  const parts = name.split(SCOPE_SEPARATOR);
  if (parts.length !== 2) {
    problems.push(
      `${where} '${name}': name must be scoped as 'scope::value' with exactly one '::' ` +
        `(GitLab treats everything before the last '::' as the scope); e.g. '${parts[0] || "type"}::${parts.at(-1) || "value"}'`,
    );
  } else {
    const [scope, value] = parts;
    if (scope === "" || value === "") {
      problems.push(`${where} '${name}': both the scope and the value of 'scope::value' must be non-empty`);
    } else if (!scopes.includes(scope)) {
      problems.push(
        `${where} '${name}': scope '${scope}' is not one of ${scopes.join(", ")}; ` +
          `use one of them or add '${scope}' to labels.scopes`,
      );
    }
  }
  if (!COLOR.test(label.color)) {
    problems.push(`${where} '${name}': color '${label.color}' must be '#RRGGBB' (six hex digits, e.g. '#D9534F')`);
  }
  if (label.description.trim() === "") {
    problems.push(`${where} '${name}': description must say what the label means`);
  }
  return problems;
}

/** The nearest standard name, for "did you mean" hints. */
function nearest(name: string, names: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let diagonal = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const above = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length];
  };
  const ranked = names.map((n) => ({ n, d: distance(name, n) })).sort((x, y) => x.d - y.d);
  return ranked.length > 0 && ranked[0].d <= 3 ? ranked[0].n : undefined;
}

function unknownName(key: string, name: string, names: readonly string[], fix: string): string {
  const hint = nearest(name, names);
  return `labels.${key} '${name}': not a standard label${hint ? ` (did you mean '${hint}'?)` : ""}; ${fix}`;
}

/**
 * Every problem with a label set and its edits, each naming the label and the fix; empty when the set is valid.
 * Checks that drops and overrides name standard labels, that additions do not, that names are unique, that colors
 * are `#RRGGBB`, and that every name is `scope::value` with one separator and a known or explicitly added scope.
 */
export function labelSetProblems(edits: LabelEdits = {}, base: readonly StandardLabel[] = STANDARD_LABELS): string[] {
  const problems: string[] = [];
  const baseNames = base.map((l) => l.name);
  const scopes = [...LABEL_SCOPES, ...(edits.scopes ?? [])];
  for (const scope of edits.scopes ?? []) {
    if (!/^[a-z][a-z0-9-]*$/.test(scope)) {
      problems.push(`labels.scopes '${scope}': a scope is lower-case letters, digits and '-', starting with a letter`);
    }
  }
  const drop = edits.drop ?? [];
  const override = edits.override ?? [];
  for (const name of drop) {
    if (!baseNames.includes(name)) problems.push(unknownName("drop", name, baseNames, "remove it from drop"));
  }
  for (const change of override) {
    if (!baseNames.includes(change.name)) {
      problems.push(unknownName("override", change.name, baseNames, "add it under add instead"));
    } else if (drop.includes(change.name)) {
      problems.push(`labels.override '${change.name}': the label is also dropped; keep it in one of the two`);
    }
  }
  for (const label of edits.add ?? []) {
    if (baseNames.includes(label.name)) {
      problems.push(`labels.add '${label.name}': already a standard label; change it under override instead`);
    }
  }
  const seen = new Map<string, number>();
  for (const label of combine(base, edits)) {
    seen.set(label.name, (seen.get(label.name) ?? 0) + 1);
    const where = !baseNames.includes(label.name)
      ? "labels.add"
      : override.some((change) => change.name === label.name)
        ? "labels.override"
        : "label";
    problems.push(...labelProblems(label, scopes, where));
  }
  for (const [name, count] of seen) {
    if (count > 1) problems.push(`label '${name}': defined ${count} times; label names must be unique`);
  }
  return problems;
}

/** Applies drops, overrides and additions, in that order, without checking them. */
function combine(base: readonly StandardLabel[], edits: LabelEdits): StandardLabel[] {
  const drop = new Set(edits.drop ?? []);
  const kept = base
    .filter((label) => !drop.has(label.name))
    .map((label) =>
      (edits.override ?? [])
        .filter((change) => change.name === label.name)
        .reduce<StandardLabel>(
          (current, change) => ({
            name: current.name,
            color: change.color ?? current.color,
            description: change.description ?? current.description,
          }),
          label,
        ),
    );
  return [...kept, ...(edits.add ?? [])];
}

/**
 * The label set after config edits: the standard labels minus `drop`, with `override` applied, plus `add`. Throws
 * one Error listing every problem found by {@link labelSetProblems}.
 */
export function resolveLabelSet(
  edits: LabelEdits = {},
  base: readonly StandardLabel[] = STANDARD_LABELS,
): StandardLabel[] {
  const problems = labelSetProblems(edits, base);
  if (problems.length > 0) throw new Error(`invalid label set:\n  - ${problems.join("\n  - ")}`);
  return combine(base, edits);
}
