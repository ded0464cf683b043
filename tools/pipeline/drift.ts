/**
 * Drift detection's verdict (docs/pipeline.md): reads what `pulumi preview --refresh --expect-no-changes --json`
 * printed for one stack and fails with a message that names the stack and every drifted resource.
 *
 *   node -r ./tools/register.js tools/pipeline/drift.ts --stack lab --file drift-lab.json --exit-code 255
 *
 * The JSON is Pulumi's preview digest (`sdk/go/pkg/display/json.go` `PreviewDigest`): `steps[]` with `op`, `urn`,
 * `diffReasons`, `replaceReasons` and `detailedDiff`, plus `diagnostics[]` and `changeSummary`. A replacement is
 * several steps on one URN (`create-replacement`, `replace`, `delete-replaced`), reported once.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

/** One step of a preview digest (the fields drift needs). */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly diffReasons?: readonly string[];
  readonly replaceReasons?: readonly string[];
  readonly detailedDiff?: Readonly<Record<string, { readonly kind: string }>> | null;
}

/** One diagnostic of a preview digest. */
export interface PreviewDiagnostic {
  readonly urn?: string;
  readonly message?: string;
  readonly severity?: string;
}

/** What `pulumi preview --json` prints. */
export interface PreviewDigest {
  readonly steps?: readonly PreviewStep[];
  readonly diagnostics?: readonly PreviewDiagnostic[];
  readonly changeSummary?: Readonly<Record<string, number>>;
}

/** What drift would do to a resource to make it match the program again. */
export type DriftKind = "create" | "update" | "replace" | "delete";

/** One drifted resource. */
export interface DriftedResource {
  readonly kind: DriftKind;
  readonly urn: string;
  /** The properties that differ (detailed diff paths when Pulumi gives them, else the top-level keys). */
  readonly properties: readonly string[];
}

/** Step operations that change nothing: reads of data sources and unchanged resources. */
const NO_CHANGE = new Set(["same", "read", "read-replacement", "discard", "discard-replaced", "refresh"]);

const KIND_OF_OP: Readonly<Record<string, DriftKind>> = {
  create: "create",
  import: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  "import-replacement": "replace",
  "remove-pending-replace": "replace",
};

const RANK: Readonly<Record<DriftKind, number>> = { update: 0, create: 1, delete: 2, replace: 3 };

/**
 * An update of an AWS provider that changes only the role it assumes. The `aws` stack's member-account providers
 * assume the role of whoever runs the stack (the preview role gets the read-only one, stacks/aws/accounts.ts), and
 * Pulumi keeps provider inputs in the state, so every preview after a deploy shows this step. It changes no resource.
 */
function isRoleOnlyProviderUpdate(step: PreviewStep): boolean {
  if (step.op !== "update" || !step.urn.split("::")[2]?.endsWith("pulumi:providers:aws")) return false;
  const changed = [...Object.keys(step.detailedDiff ?? {}), ...(step.diffReasons ?? [])];
  return changed.length > 0 && changed.every((path) => /^assumeRoles(\[|$)/.test(path));
}

/** The resources whose steps would change something, one per URN, in the order Pulumi listed them. */
export function driftedResources(digest: PreviewDigest): DriftedResource[] {
  const byUrn = new Map<string, { kind: DriftKind; properties: Set<string> }>();
  for (const step of digest.steps ?? []) {
    if (NO_CHANGE.has(step.op) || isRoleOnlyProviderUpdate(step)) continue;
    const kind = KIND_OF_OP[step.op] ?? "update";
    const properties = [
      ...Object.keys(step.detailedDiff ?? {}),
      ...(step.detailedDiff && Object.keys(step.detailedDiff).length > 0 ? [] : (step.diffReasons ?? [])),
      ...(step.replaceReasons ?? []),
    ];
    const seen = byUrn.get(step.urn);
    if (!seen) byUrn.set(step.urn, { kind, properties: new Set(properties) });
    else {
      if (RANK[kind] > RANK[seen.kind]) seen.kind = kind;
      properties.forEach((p) => seen.properties.add(p));
    }
  }
  return [...byUrn].map(([urn, { kind, properties }]) => ({ kind, urn, properties: [...properties].sort() }));
}

/** `type name` from a URN (`urn:pulumi:<stack>::<project>::<parent$…$type>::<name>`). */
export function describeUrn(urn: string): string {
  const parts = urn.split("::");
  if (parts.length < 4) return urn;
  const type = parts[2].split("$").pop() as string;
  return `${type} "${parts.slice(3).join("::")}"`;
}

const MEANING: Readonly<Record<DriftKind, string>> = {
  create: "missing, would be created",
  update: "changed outside Pulumi, would be updated",
  replace: "changed outside Pulumi, would be replaced",
  delete: "not in the program, would be deleted",
};

/**
 * The failure message for `stack`, or undefined when nothing drifted and Pulumi exited 0. A non-zero exit without
 * drifted resources (credentials, locks, a program error) fails too, with Pulumi's error diagnostics.
 */
export function driftReport(stack: string, digest: PreviewDigest | undefined, exitCode: number): string | undefined {
  if (digest === undefined) {
    return `stack ${stack}: pulumi preview printed no JSON preview (exit ${exitCode}); see the job log for its error`;
  }
  const drifted = driftedResources(digest);
  if (drifted.length > 0) {
    const lines = drifted.map((d) => {
      const props = d.properties.length > 0 ? `: ${d.properties.join(", ")}` : "";
      return `  ${d.kind} ${describeUrn(d.urn)} (${MEANING[d.kind]})${props}\n    ${d.urn}`;
    });
    return [
      `stack ${stack} has drifted: ${drifted.length} resource${drifted.length === 1 ? "" : "s"} differ from the program`,
      ...lines,
      `Review with: pulumi preview --stack ${stack} --refresh --diff`,
    ].join("\n");
  }
  if (exitCode !== 0) {
    const errors = (digest.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => `  ${d.message}`);
    // --expect-no-changes fails on the provider role step too, which is no drift (isRoleOnlyProviderUpdate).
    const onlyRoleSteps = errors.length === 0 && (digest.steps ?? []).some(isRoleOnlyProviderUpdate);
    if (onlyRoleSteps) return undefined;
    return [`stack ${stack}: pulumi preview failed (exit ${exitCode}) without proposing changes`, ...errors].join("\n");
  }
  return undefined;
}

/** Parses preview output; undefined when it is not a preview digest (Pulumi failed before printing one). */
export function parseDigest(text: string): PreviewDigest | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as PreviewDigest) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the CLI writes; injectable so tests run it in-process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs the CLI; resolves to 0 (no drift), 1 (drift or a failed preview) or 2 (bad arguments). */
export function main(argv: readonly string[], io: Io): number {
  let stack: string;
  let text: string;
  let exitCode: number;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { stack: { type: "string" }, file: { type: "string" }, "exit-code": { type: "string", default: "0" } },
      strict: true,
    });
    if (!values.stack || !values.file) throw new Error("--stack NAME and --file FILE are required");
    if (!/^[0-9]+$/.test(values["exit-code"])) throw new Error(`--exit-code "${values["exit-code"]}" is not a number`);
    stack = values.stack;
    exitCode = Number(values["exit-code"]);
    text = readFileSync(values.file, "utf8");
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n`);
    return 2;
  }
  const report = driftReport(stack, parseDigest(text), exitCode);
  if (report === undefined) {
    io.stdout(`stack ${stack}: no drift\n`);
    return 0;
  }
  io.stderr(`${report}\n`);
  return 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
