/**
 * The offline plan engine (docs/architecture.md, "How the hard parts are done"): runs each stack program in graph order with {@link runProgram}, feeds
 * every stack's exported outputs to the stack references of the stacks after it, evaluates policies, and returns
 * what each stack would register.
 */
import { join } from "node:path";
import { GRAPH, STACK_NAMES, StackName, withUpstream } from "../../stacks/graph";
import { RecordedResource, StackOutputs } from "./monitor";
import { PLAN_ORGANIZATION, ProgramResult, runProgram } from "./run-program";
import { withClosureSerialization } from "./sdk-internals";
import { readProjectFile, readStackConfig, StackConfig } from "./stack-files";
import { Value } from "./values";

/** One policy violation, as the plan contract reports it (docs/architecture.md, "The offline plan contract"). */
export interface Violation {
  readonly policy: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  readonly urn: string | null;
  readonly message: string;
}

/** What one stack would register. */
export interface StackPlan {
  readonly name: StackName;
  readonly phases: readonly number[];
  readonly needs: readonly StackName[];
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, Value>;
  readonly violations: Violation[];
  /** Messages the program logged at warning level or above, for stderr. */
  readonly diagnostics: string[];
}

/** Evaluates policies over a planned stack, given the stack's config; the policy pack plugs in here. */
export type PolicyEvaluator = (
  plan: Omit<StackPlan, "violations">,
  config: Readonly<Record<string, string>>,
) => Promise<Violation[]>;

/** Options of {@link planStacks}. */
export interface PlanOptions {
  /** The repository root holding `Pulumi.yaml`. */
  readonly root: string;
  /** Stacks asked for; their upstream stacks are planned too, but only these are returned. Default: all. */
  readonly stacks?: readonly StackName[];
  /** Config files that replace `Pulumi.<stack>.yaml`, by stack. */
  readonly configFiles?: Partial<Record<StackName, string>>;
  /** Evaluates policies over each stack; none when absent. */
  readonly policies?: PolicyEvaluator;
  /** The program entry to run; default `<root>/stacks/index.ts`. */
  readonly entry?: string;
  /** Keep stack traces in the programs' errors (the CLI's --debug). */
  readonly stackTraces?: boolean;
  /** Program runs to reuse and to add to, for callers that plan the same stacks many times (tests). */
  readonly memo?: PlanMemo;
}

/**
 * Program runs by what determines them: the program, the stack, its config and the outputs of the stacks it reads.
 * A stack program is deterministic in these, so a run found here is the run that would be made; what is shared must
 * be treated as read-only.
 */
export type PlanMemo = Map<string, Promise<ProgramResult>>;

/** A stack program failed; the plan reports it with exit status 2. */
export class StackRunError extends Error {
  constructor(
    readonly stackName: StackName,
    readonly cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message.startsWith(`stack "${stackName}"`) ? message : `stack "${stackName}": ${message}`);
    this.name = "StackRunError";
  }
}

/** What the plan stores as a dynamic resource's provider code. */
export const UNSERIALIZED_PROVIDER = "[the offline plan does not serialize dynamic providers]";

/**
 * Runs `work` with Pulumi's closure serialization, which a dynamic resource's constructor runs on its provider, left
 * out. The plan reports no provider code (the engine's business, not the reader's), and serializing it starts a V8
 * inspector session: a sixth of the plan's time for nothing it shows. The engine run serializes them for real
 * (`npm run engine`).
 */
function withoutProviderSerialization<T>(work: () => Promise<T>): Promise<T> {
  return withClosureSerialization(
    { serializeFunction: async () => ({ text: UNSERIALIZED_PROVIDER, containsSecrets: false }) },
    work,
  );
}

/** Plans the selected stacks (and their upstream stacks) in graph order. */
export async function planStacks(options: PlanOptions): Promise<StackPlan[]> {
  return withoutProviderSerialization(() => planInOrder(options));
}

async function planInOrder(options: PlanOptions): Promise<StackPlan[]> {
  const project = readProjectFile(options.root);
  const configs = new Map<StackName, StackConfig>();
  const configOf = (name: StackName): StackConfig => {
    const known = configs.get(name);
    if (known) return known;
    const read = readStackConfig(options.root, project, name, options.configFiles?.[name]);
    configs.set(name, read);
    return read;
  };
  // A stack whose config sets an optional need's reference to false runs without that stack (stacks/graph.ts).
  const goesWithout = (stack: StackName, need: StackName): boolean =>
    (GRAPH[stack].optional?.includes(need) ?? false) && referenceOf(configOf(stack), need) === false;
  const order = withUpstream(options.stacks ?? STACK_NAMES, goesWithout);
  const entryFile = options.entry ?? join(options.root, "stacks", "index.ts");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const entry = require(entryFile) as () => Promise<unknown>;
  const planned = new Map<StackName, StackPlan>();
  const selected = new Set(options.stacks ?? order);

  for (const name of order) {
    const stackConfig = configOf(name);
    const run = () =>
      runProgram({
        project: project.name,
        stack: name,
        config: stackConfig.config,
        secretKeys: stackConfig.secretKeys,
        program: entry,
        resolveStackReference: (refName) => resolveReference(refName, project.name, name, planned),
        stackTraces: options.stackTraces,
      });
    let result;
    try {
      if (options.memo) {
        const upstream = [...planned].map(([stack, plan]) => [stack, plan.outputs]);
        const key = JSON.stringify([entryFile, name, stackConfig, upstream]);
        let pending = options.memo.get(key);
        if (!pending) options.memo.set(key, (pending = run()));
        result = await pending;
      } else {
        result = await run();
      }
    } catch (err) {
      throw new StackRunError(name, err);
    }
    const base = { name, phases: GRAPH[name].phases, needs: GRAPH[name].needs, ...result };
    let violations: Violation[] = [];
    try {
      // Upstream stacks run only to feed their outputs downstream; the pack judges the stacks asked for.
      violations = options.policies && selected.has(name) ? await options.policies(base, stackConfig.config) : [];
    } catch (err) {
      throw new StackRunError(name, err);
    }
    planned.set(name, { ...base, violations });
  }
  return order.filter((name) => selected.has(name)).map((name) => planned.get(name) as StackPlan);
}

/** The value of `foundation:stackReferences.<need>` in a stack's config, when it is set. */
function referenceOf(config: StackConfig, need: StackName): unknown {
  const raw = config.config["foundation:stackReferences"];
  if (raw === undefined) return undefined;
  try {
    return (JSON.parse(raw) as Record<string, unknown> | null)?.[need];
  } catch {
    // Not JSON: the stack's own config validation reports it.
    return undefined;
  }
}

function resolveReference(
  refName: string,
  project: string,
  current: StackName,
  planned: ReadonlyMap<StackName, StackPlan>,
): StackOutputs {
  const [org, refProject, stack] = refName.split("/");
  const upstream = planned.get(stack as StackName);
  if (org === PLAN_ORGANIZATION && refProject === project && upstream) return upstream.outputs;
  const known = [...planned.keys()].map((s) => `${PLAN_ORGANIZATION}/${project}/${s}`);
  throw new Error(
    `stack reference '${refName}' from stack "${current}" is not a stack planned before it; ` +
      `the offline plan knows: ${known.join(", ") || "none"}`,
  );
}
