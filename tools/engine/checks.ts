/**
 * The engine run's verdicts, as pure functions of what the real CLI printed: engine event logs (`--event-log`),
 * preview digests (`pulumi preview --json`) and state exports (`pulumi stack export`), set against the offline plan.
 * Each returns the problems it found, worded for the report; none means the check holds.
 */
import { ChangeOp, diffPlans } from "../plan/diff";
import { PlanDocument, PlanStack } from "../plan/document";

/** A policy violation as the engine reports it (`apitype.PolicyEvent`). */
export interface EngineViolation {
  readonly policy: string;
  readonly enforcementLevel: string;
  readonly urn: string | null;
  readonly message: string;
}

/** What an engine event log (`--event-log FILE`, one JSON event per line) says of the policy packs. */
export interface PolicyOutcome {
  /** The packs that judged the stack, as `name@version`. */
  readonly loaded: string[];
  readonly violations: EngineViolation[];
}

interface EngineEvent {
  readonly policyEvent?: {
    resourceUrn?: string;
    message: string;
    policyName: string;
    enforcementLevel: string;
  };
  readonly policyAnalyzeStackSummaryEvent?: { policyPackName: string; policyPackVersion: string };
  readonly diagnosticEvent?: { urn?: string; message: string; severity: string };
}

function events(log: string): EngineEvent[] {
  return log
    .split("\n")
    .filter((line) => line.trim().startsWith("{"))
    .map((line) => JSON.parse(line) as EngineEvent);
}

/** The policy packs that ran and the violations they reported. */
export function policyOutcome(log: string): PolicyOutcome {
  const loaded = new Set<string>();
  const violations: EngineViolation[] = [];
  for (const event of events(log)) {
    const summary = event.policyAnalyzeStackSummaryEvent;
    if (summary) loaded.add(`${summary.policyPackName}@${summary.policyPackVersion}`);
    const v = event.policyEvent;
    if (v) {
      violations.push({
        policy: v.policyName,
        enforcementLevel: v.enforcementLevel,
        urn: v.resourceUrn || null,
        message: v.message.trim(),
      });
    }
  }
  return { loaded: [...loaded].sort(), violations };
}

/** Error diagnostics of an event log, for the report when a command fails. */
export function errorDiagnostics(log: string): string[] {
  return events(log)
    .map((e) => e.diagnosticEvent)
    .filter((d): d is NonNullable<EngineEvent["diagnosticEvent"]> => d?.severity === "error")
    .map((d) => `${d.urn ? `${d.urn}: ` : ""}${d.message.trim()}`);
}

/** One step of a preview digest. */
export interface DigestStep {
  readonly op: string;
  readonly urn: string;
}

/** The resources a preview would change, by URN, as create/update/replace/delete. */
export function previewVerdicts(digest: { steps?: readonly DigestStep[] }): Map<string, ChangeOp> {
  const verdicts = new Map<string, ChangeOp>();
  for (const step of digest.steps ?? []) {
    switch (step.op) {
      case "create":
      case "update":
      case "delete":
        verdicts.set(step.urn, step.op);
        break;
      case "replace":
      case "create-replacement":
      case "delete-replaced":
        verdicts.set(step.urn, "replace");
        break;
      default:
        break;
    }
  }
  return verdicts;
}

/** The verdicts the offline plan gives the same edit: the diff of the plan before it and after it. */
export function planVerdicts(before: PlanDocument, after: PlanDocument, stack: string): Map<string, ChangeOp> {
  const diff = diffPlans(before, after).find((d) => d.stack === stack);
  return new Map((diff?.changes ?? []).map((c) => [c.urn, c.op]));
}

/** Differences between two verdict maps, one line each. */
export function verdictMismatches(real: ReadonlyMap<string, ChangeOp>, plan: ReadonlyMap<string, ChangeOp>): string[] {
  const urns = [...new Set([...real.keys(), ...plan.keys()])].sort();
  return urns
    .filter((urn) => real.get(urn) !== plan.get(urn))
    .map(
      (urn) =>
        `${urn}: the engine says ${real.get(urn) ?? "no change"}, the offline plan ${plan.get(urn) ?? "no change"}`,
    );
}

/** A resource of a state export (`pulumi stack export`), as far as the comparison needs it. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly parent?: string;
  readonly provider?: string;
  readonly protect?: boolean;
}

/** The resources of a state export (`deployment.resources`), without the provider references' ids. */
export function stateResources(exported: unknown): StateResource[] {
  const resources = (exported as { deployment?: { resources?: StateResource[] } }).deployment?.resources ?? [];
  return resources;
}

/** `<urn>::<id>` → `<urn>`. */
function providerUrn(ref: string | undefined): string | null {
  if (!ref) return null;
  const at = ref.lastIndexOf("::");
  return at > 0 ? ref.slice(0, at) : ref;
}

/**
 * What the offline plan gets wrong about a stack the engine applied: a URN in one and not the other, or a resource
 * whose type, parent, provider or protect flag differ. The engine's default providers (none here: every package's
 * provider is explicit) and the plan's stack references (the engine keeps them too) are compared like any other.
 */
export function modelMismatches(state: readonly StateResource[], plan: PlanStack): string[] {
  const problems: string[] = [];
  const real = new Map(state.map((r) => [r.urn, r]));
  const modelled = new Map(plan.resources.map((r) => [r.urn, r]));
  for (const urn of [...real.keys()].sort())
    if (!modelled.has(urn)) problems.push(`${urn}: in the state, not in the plan`);
  for (const urn of [...modelled.keys()].sort())
    if (!real.has(urn)) problems.push(`${urn}: in the plan, not in the state`);
  for (const [urn, r] of real) {
    const p = modelled.get(urn);
    if (!p) continue;
    const fields: [string, unknown, unknown][] = [
      ["type", r.type, p.type],
      ["parent", r.parent ?? null, p.parent],
      ["provider", providerUrn(r.provider), p.provider],
      ["protect", r.protect === true, p.protect],
    ];
    for (const [field, a, b] of fields) {
      if (a !== b)
        problems.push(`${urn}: ${field} is ${JSON.stringify(a)} in the state, ${JSON.stringify(b)} in the plan`);
    }
  }
  return problems;
}

/** The string values of a JSON tree (keys not included). */
function strings(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value !== null && typeof value === "object") Object.values(value).forEach((v) => strings(v, out));
  return out;
}

/** The engine's mark of a secret value in state (`sig.Secret`). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/**
 * The plaintext secrets of a `pulumi stack export --show-secrets`: the strings inside a secret marker that appear
 * nowhere outside one, whole or in part. A string that is also stored in the clear (a datastore name inside a secret
 * object, a file name that is part of the file's id) is not a secret value, and short strings ("true", "443") are no
 * evidence either way.
 */
export function secretValues(shown: unknown): string[] {
  const inside = new Set<string>();
  const outside = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") outside.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      const obj = value as Record<string, unknown>;
      if (obj[SIG_KEY] === SECRET_SIG) {
        const inner = obj.plaintext !== undefined ? obj.plaintext : obj.value;
        strings(typeof inner === "string" && obj.plaintext !== undefined ? safeJson(inner) : inner, inside);
      } else Object.values(obj).forEach(walk);
    }
  };
  walk(shown);
  const clear = [...outside];
  return [...inside].filter((s) => s.length >= 8 && !clear.some((o) => o.includes(s))).sort();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The secrets of `secrets` that appear in plain text in `exported` (a `pulumi stack export` without
 * `--show-secrets`), anywhere: as a value, inside a value, or in a key. Returned masked to their first four
 * characters, so the report never repeats a secret.
 */
export function plaintextSecrets(exported: string, secrets: readonly string[]): string[] {
  return secrets
    .filter((s) => exported.includes(s) || exported.includes(JSON.stringify(s).slice(1, -1)))
    .map((s) => `${s.slice(0, 4)}…`);
}
