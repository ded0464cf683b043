/**
 * `npm run plan`: the offline plan of every stack (docs/architecture.md, "The offline plan contract").
 *
 *   npm run -s plan -- [--stack NAME]... [--config STACK=FILE]... [--json] [--show-secrets] [--diff OLD.json]
 *                      [--format text|markdown] [--policy-pack DIR] [--debug]
 *
 * `--format markdown` (with `--diff`) renders the review diff a merge request note shows (tools/plan/markdown.ts,
 * docs/pipeline.md); it is meant to be posted, so it refuses `--show-secrets`.
 *
 * Exit status: 0; 1 when a mandatory policy is violated; 2 for bad arguments, bad config or a program error, with a
 * message that names the stack and the key (and a stack trace only with --debug).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isStackName, STACK_NAMES, StackName, withUpstream } from "../../stacks/graph";
import { diffPlans, renderDiff } from "./diff";
import { planDocumentSchema, renderTree, toDocument, PlanDocument } from "./document";
import { renderMarkdownDiff } from "./markdown";
import { PlanMemo, planStacks, PolicyEvaluator } from "./engine";
import { packSettingsOf, PolicyPackSession, startPolicyPack } from "./policy-pack";

/** Where the CLI writes; injectable so tests run it in-process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** A usage error: exit status 2 with the message. */
class UsageError extends Error {}

interface Arguments {
  readonly stacks: StackName[];
  readonly configFiles: Partial<Record<StackName, string>>;
  readonly json: boolean;
  readonly showSecrets: boolean;
  readonly diff?: string;
  readonly format: "text" | "markdown";
  readonly debug: boolean;
  readonly policyPack?: string;
}

function stackName(value: string, flag: string): StackName {
  if (!isStackName(value)) {
    throw new UsageError(
      `${flag}: unknown stack "${value}"; Foundation's stacks are ${STACK_NAMES.map((s) => `"${s}"`).join(", ")}`,
    );
  }
  return value;
}

function parse(argv: readonly string[]): Arguments {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string", multiple: true },
        config: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        "show-secrets": { type: "boolean", default: false },
        diff: { type: "string" },
        format: { type: "string", default: "text" },
        debug: { type: "boolean", default: false },
        "policy-pack": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const format = values.format;
  if (format !== "text" && format !== "markdown") {
    throw new UsageError(`--format ${format}: expected text or markdown`);
  }
  if (format === "markdown" && values.diff === undefined) {
    throw new UsageError("--format markdown renders a diff: give the earlier plan with --diff OLD.json");
  }
  if (format === "markdown" && (values.json || values["show-secrets"])) {
    throw new UsageError("--format markdown is the review note: it goes without --json and --show-secrets");
  }
  const configFiles: Partial<Record<StackName, string>> = {};
  for (const entry of values.config ?? []) {
    const at = entry.indexOf("=");
    if (at <= 0 || at === entry.length - 1) throw new UsageError(`--config ${entry}: expected STACK=FILE`);
    configFiles[stackName(entry.slice(0, at), "--config")] = resolve(entry.slice(at + 1));
  }
  return {
    stacks: (values.stack ?? []).map((s) => stackName(s, "--stack")),
    configFiles,
    json: values.json,
    showSecrets: values["show-secrets"],
    diff: values.diff,
    format,
    debug: values.debug,
    policyPack: values["policy-pack"] ? resolve(values["policy-pack"]) : undefined,
  };
}

function readPlan(file: string): PlanDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--diff ${file}: cannot read a plan document: ${(err as Error).message}`);
  }
  const parsed = planDocumentSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new UsageError(
      `--diff ${file}: not a plan document: ${at ? `${at.replace(/^\./, "")}: ` : ""}${issue.message}; ` +
        "give the output of npm run -s plan -- --json",
    );
  }
  return doc as PlanDocument;
}

/** Refuses `--config` for a stack the run does not plan: its file would be silently ignored. */
function checkConfigFiles(args: Arguments): void {
  const planned = args.stacks.length ? withUpstream(args.stacks) : [...STACK_NAMES];
  for (const stack of Object.keys(args.configFiles) as StackName[]) {
    if (planned.includes(stack)) continue;
    throw new UsageError(
      `--config ${stack}=${args.configFiles[stack]}: stack "${stack}" is not planned ` +
        `(${args.stacks.map((s) => `--stack ${s}`).join(" ")} plans ${planned.join(", ")}); ` +
        `add --stack ${stack} or drop the --config`,
    );
  }
}

/** Refuses a `--policy-pack` that is not a policy pack before a process is started for it. */
function checkPolicyPack(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--policy-pack ${dir}: no such directory; give the pack's directory, e.g. policies`);
  }
  if (!existsSync(join(dir, "PulumiPolicy.yaml"))) {
    throw new UsageError(`--policy-pack ${dir}: not a policy pack (no PulumiPolicy.yaml); give the pack's directory`);
  }
}

/** Runs the CLI; resolves to the exit status. */
export async function main(
  argv: readonly string[],
  io: Io,
  options: { root: string; policies?: PolicyEvaluator; memo?: PlanMemo },
): Promise<number> {
  let args: Arguments | undefined;
  let pack: PolicyPackSession | undefined;
  try {
    args = parse(argv);
    checkConfigFiles(args);
    if (args.policyPack) checkPolicyPack(args.policyPack);
    const before = args.diff ? readPlan(args.diff) : undefined;
    let policies = options.policies;
    if (args.policyPack) {
      const session = (pack = await startPolicyPack(args.policyPack));
      policies = (plan, config) => session.evaluate(plan, packSettingsOf(config));
    }
    const plans = await planStacks({
      root: options.root,
      stacks: args.stacks.length ? args.stacks : undefined,
      configFiles: args.configFiles,
      policies,
      stackTraces: args.debug,
      memo: options.memo,
    });
    for (const plan of plans) for (const d of plan.diagnostics) io.stderr(`${plan.name}: ${d}\n`);
    const document = toDocument(plans, args.showSecrets);
    const diff = before ? diffPlans(before, document) : undefined;
    if (before && args.format === "markdown") io.stdout(renderMarkdownDiff(before, document));
    else if (args.json) io.stdout(`${JSON.stringify(diff ? { ...document, diff } : document, null, 2)}\n`);
    else io.stdout(diff ? renderDiff(diff) : renderTree(document));
    const mandatory = plans.flatMap((p) => p.violations).filter((v) => v.enforcementLevel === "mandatory");
    if (mandatory.length > 0) {
      io.stderr(`${mandatory.length} mandatory policy violation(s)\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    const error = err as Error;
    io.stderr(`error: ${error.message}\n`);
    if (args?.debug || argv.includes("--debug")) {
      const cause = (error as { cause?: unknown }).cause;
      io.stderr(`${(cause instanceof Error ? cause.stack : undefined) ?? error.stack ?? ""}\n`);
    }
    return 2;
  } finally {
    pack?.close();
  }
}

/**
 * Runs the CLI as the process: sets the exit status when `main` settles, and exit status 2 with a message when the
 * process would otherwise end with `main` unsettled.
 */
export function runProcess(argv: readonly string[], root: string): void {
  let finished = false;
  // Node exits 0 when nothing is left to wait for, even with `main` unfinished; a plan never ends that way.
  process.on("beforeExit", () => {
    if (finished) return;
    process.stderr.write(
      "error: the plan stopped before it had a result, with nothing left running; run it with --debug\n",
    );
    process.exitCode = 2;
  });
  main(argv, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }, { root }).then(
    (code) => {
      finished = true;
      process.exitCode = code;
    },
  );
}

if (require.main === module) runProcess(process.argv.slice(2), resolve(__dirname, "..", ".."));
