/**
 * `npm run policies`: the policy pack from the command line.
 *
 *   npm run -s policies -- [--json]
 *       The pack's policies and their metadata (a table, or one JSON document with --json).
 *   npm run -s policies -- check --program PATH [--stack NAME] [--config FILE] [--json] [--codequality FILE]
 *       Runs any Pulumi TypeScript program offline under the plan engine's recording monitor
 *       (tools/plan/run-program.ts), evaluates the pack over what it registered over the analyzer protocol (exactly
 *       as `npm run plan -- --policy-pack policies` does), and prints the violations; with --json one document
 *       `{ "violations": [ { policy, enforcementLevel, urn, message } ] }`. PATH is a program file or a directory
 *       with an index.ts; the project name comes from a Pulumi.yaml beside it. --config FILE is a
 *       Pulumi.<stack>.yaml whose config the program reads and whose foundation:policyEnforcement applies. A
 *       checked program has no upstream stacks, so its stack references fail; plan real stacks with `npm run plan`.
 *   npm run -s policies -- config --stack NAME
 *       Prints the stack's `foundation:policyEnforcement` and `foundation:policyConfig` (from Pulumi.<NAME>.yaml) as
 *       the file `pulumi preview --policy-pack-config` reads, so CI's real previews apply what the offline plan does;
 *       refuses (exit 2) an override that lowers a mandatory policy without a current declared exception
 *       (`foundation:policyExceptions`), exactly as the offline plan does.
 *   npm run -s policies -- --codequality FILE [--plan PLAN]
 *       Writes the violations of an offline plan document (`npm run -s plan -- --json --policy-pack policies`,
 *       default PLAN `plan.json`, the file the CI plan job writes) as a GitLab Code Quality report. With `check`,
 *       --codequality writes the checked program's violations instead.
 *
 * Exit status: 0 when no mandatory policy is violated; 1 when one is; 2 for bad arguments, an unreadable plan or a
 * program error.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { isStackName, STACK_NAMES, StackName } from "../../stacks/graph";
import type { PlanDocument } from "../plan/document";
import type { Violation } from "../plan/engine";
import {
  enforcementProblems,
  packSettingsOf,
  PolicyPackSession,
  policyPackConfig,
  startPolicyPack,
  todayUtc,
  unknownPolicyProblems,
} from "../plan/policy-pack";
import { runProgram } from "../plan/run-program";
import { readProjectFile, readStackConfig } from "../plan/stack-files";
import { codeQualityReport, Finding } from "./codequality";
import { DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES } from "../../policies/pack";

/** Where the CLI writes; injectable so tests run it in-process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** What the CLI runs against; injectable so tests start the pack once. */
export interface CliOptions {
  /** Paths in the report are relative to this directory (the repository root in CI). @default process.cwd() */
  readonly cwd?: string;
  /** Starts the pack for `check`. @default the pack in this directory */
  readonly startPack?: () => Promise<PolicyPackSession>;
}

/** A usage error: exit status 2 with the message. */
class UsageError extends Error {}

/** The usage line printed with every usage error. */
export const USAGE =
  "usage: npm run -s policies -- [--json]\n" +
  "       npm run -s policies -- check --program PATH [--stack NAME] [--config FILE] [--json] [--codequality FILE]\n" +
  "       npm run -s policies -- config --stack NAME\n" +
  "       npm run -s policies -- --codequality FILE [--plan PLAN.json]\n";

/** The plan document the CI plan job writes, read by a lone --codequality. */
/** The policy pack this CLI serves and reads: the repository's `policies/`. */
const PACK_DIR = join(__dirname, "..", "..", "policies");

const DEFAULT_PLAN = "plan.json";

/** The stack name a checked program runs as, unless --stack names one. */
const DEFAULT_CHECK_STACK = "check";

interface Arguments {
  readonly command: "metadata" | "check" | "config" | "report";
  readonly json: boolean;
  readonly program?: string;
  readonly stack: string;
  readonly config?: string;
  readonly codequality?: string;
  readonly plan: string;
}

function parse(argv: readonly string[], cwd: string): Arguments {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        json: { type: "boolean", default: false },
        program: { type: "string" },
        stack: { type: "string" },
        config: { type: "string" },
        codequality: { type: "string" },
        plan: { type: "string" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1 || (positionals.length === 1 && !["check", "config"].includes(positionals[0]))) {
    throw new UsageError(`unknown command '${positionals.join(" ")}'; the commands are check and config`);
  }
  const check = positionals[0] === "check";
  if (positionals[0] === "config") {
    if (values.stack === undefined || !isStackName(values.stack)) {
      throw new UsageError(
        `config needs --stack with one of Foundation's stacks: ${STACK_NAMES.join(", ")}` +
          (values.stack === undefined ? "" : `; got '${values.stack}'`),
      );
    }
    for (const flag of ["program", "config", "codequality", "plan"] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} does not go with config`);
    }
    return { command: "config", json: true, stack: values.stack, plan: resolve(cwd, DEFAULT_PLAN) };
  }
  if (check) {
    if (values.program === undefined) throw new UsageError("check needs --program PATH");
    if (values.plan !== undefined) throw new UsageError("--plan reads a plan document; it does not go with check");
  } else {
    for (const flag of ["program", "stack", "config"] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with check`);
    }
    if (values.plan !== undefined && values.codequality === undefined) {
      throw new UsageError("--plan goes with --codequality");
    }
  }
  return {
    command: check ? "check" : values.codequality !== undefined ? "report" : "metadata",
    json: values.json,
    program: values.program === undefined ? undefined : resolve(cwd, values.program),
    stack: values.stack ?? DEFAULT_CHECK_STACK,
    config: values.config === undefined ? undefined : resolve(cwd, values.config),
    codequality: values.codequality === undefined ? undefined : resolve(cwd, values.codequality),
    plan: resolve(cwd, values.plan ?? DEFAULT_PLAN),
  };
}

/** The pack's metadata as `--json` prints it. */
export function packMetadata() {
  return {
    name: PACK_NAME,
    enforcementLevel: DEFAULT_ENFORCEMENT,
    policies: POLICIES.map((policy) => ({
      name: policy.name,
      description: policy.description,
      area: policy.area,
      enforcementLevel: policy.enforcementLevel ?? DEFAULT_ENFORCEMENT,
      severity: policy.severity,
      remediation: policy.remediationSteps,
      url: policy.url,
    })),
  };
}

function renderMetadata(): string {
  const lines = POLICIES.map(
    (p) => `${p.name}  [${p.area}, ${p.severity}, ${p.enforcementLevel ?? DEFAULT_ENFORCEMENT}]\n  ${p.description}\n`,
  );
  const mandatory = POLICIES.filter((p) => p.enforcementLevel === "mandatory").length;
  return (
    `${lines.join("")}${POLICIES.length} policies, ${mandatory} mandatory; a stack lowers a mandatory one only ` +
    "with a declared exception (foundation:policyExceptions)\n"
  );
}

/** The program file of PATH: the file itself, or a directory's index.ts. */
function programFile(path: string): string {
  if (!existsSync(path)) throw new UsageError(`--program ${path}: no such file or directory`);
  const file = statSync(path).isDirectory() ? join(path, "index.ts") : path;
  if (!existsSync(file)) throw new UsageError(`--program ${path}: the directory has no index.ts`);
  return file;
}

/**
 * The program's entry as the Pulumi Node.js language host treats it: a module whose export is a function is called
 * and its result is the stack's outputs; otherwise the module's exports are. Node loads a module once per process,
 * so a process checks a program once.
 */
function entryOf(file: string): () => unknown {
  return () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(file) as unknown;
    if (typeof exported === "function") return (exported as () => unknown)();
    return { ...(exported as Record<string, unknown>) };
  };
}

/** Runs a program and evaluates the pack over it. */
async function check(args: Arguments, startPack: () => Promise<PolicyPackSession>): Promise<Violation[]> {
  const file = programFile(args.program as string);
  const dir = dirname(file);
  const project = existsSync(join(dir, "Pulumi.yaml")) ? readProjectFile(dir) : { name: "foundation", config: {} };
  const stackConfig = args.config
    ? readStackConfig(dir, project, args.stack, args.config)
    : { config: {}, secretKeys: [] };
  const result = await runProgram({
    project: project.name,
    stack: args.stack,
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
    program: entryOf(file),
  });
  const pack = await startPack();
  try {
    // A checked program is no stack of the phase graph: it has no phases and reads no stack.
    const plan = { name: args.stack as StackName, phases: [], needs: [], ...result };
    return await pack.evaluate(plan, packSettingsOf(stackConfig.config));
  } finally {
    pack.close();
  }
}

/** The violations of a plan document, with the stack each belongs to. */
function readPlan(file: string): { stack: string; violation: Violation }[] {
  let doc: PlanDocument;
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as PlanDocument;
  } catch (err) {
    throw new UsageError(
      `--plan ${file}: cannot read a plan document (${(err as Error).message}); write one with ` +
        "npm run -s plan -- --json --policy-pack policies > plan.json, or use check --program",
    );
  }
  if (doc?.version !== 1 || !Array.isArray(doc.stacks)) {
    throw new UsageError(`--plan ${file}: not a plan document (expected "version": 1 and "stacks")`);
  }
  return doc.stacks.flatMap((stack) => stack.violations.map((violation) => ({ stack: stack.name, violation })));
}

/** The violations for people: one block per violation, then the count. */
export function renderViolations(violations: readonly Violation[]): string {
  const lines = violations.map(
    (v) => `[${v.enforcementLevel}] ${v.policy}${v.urn ? `  ${v.urn}` : ""}\n  ${v.message.split("\n").join("\n  ")}\n`,
  );
  return `${lines.join("")}${violations.length} violation(s)\n`;
}

/** A repository-relative path with forward slashes, as Code Quality locations are. */
function reportPath(cwd: string, file: string): string {
  return relative(cwd, file).split(sep).join("/");
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], io: Io, options: CliOptions = {}): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  try {
    const args = parse(argv, cwd);
    if (args.command === "config") {
      const settings = packSettingsOf(readStackConfig(cwd, readProjectFile(cwd), args.stack).config);
      const defaults = new Map(POLICIES.map((policy) => [policy.name, policy.enforcementLevel]));
      const problems = [
        ...unknownPolicyProblems(settings, [...defaults.keys()]),
        ...enforcementProblems(settings, defaults, todayUtc()),
      ];
      if (problems.length > 0) throw new UsageError(`stack "${args.stack}": ${problems.join(`\n`)}`);
      io.stdout(`${JSON.stringify(policyPackConfig(settings), null, 2)}\n`);
      return 0;
    }
    if (args.command === "metadata") {
      io.stdout(args.json ? `${JSON.stringify(packMetadata(), null, 2)}\n` : renderMetadata());
      return 0;
    }
    let findings: Finding[];
    let violations: Violation[];
    if (args.command === "check") {
      violations = await check(args, options.startPack ?? (() => startPolicyPack(PACK_DIR)));
      const path = reportPath(cwd, programFile(args.program as string));
      findings = violations.map((violation) => ({ violation, path, stack: args.stack }));
      io.stdout(args.json ? `${JSON.stringify({ violations }, null, 2)}\n` : renderViolations(violations));
    } else {
      const planned = readPlan(args.plan);
      violations = planned.map((p) => p.violation);
      // A plan's violations are located in the program of their stack, which is stacks/<stack>/index.ts
      // (docs/architecture.md, "Layout").
      findings = planned.map(({ stack, violation }) => ({ violation, stack, path: `stacks/${stack}/index.ts` }));
    }
    if (args.codequality) {
      writeFileSync(args.codequality, `${JSON.stringify(codeQualityReport(findings), null, 2)}\n`);
      io.stderr(`wrote ${findings.length} finding(s) to ${reportPath(cwd, args.codequality)}\n`);
    }
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    if (mandatory.length > 0) {
      io.stderr(`${mandatory.length} mandatory policy violation(s)\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n`);
    if (err instanceof UsageError) io.stderr(USAGE);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  }).then((code) => {
    process.exitCode = code;
  });
}
