/**
 * The offline plan engine (DESIGN.md §4): runs each stack program in graph order under a {@link RecordingMonitor},
 * feeds every stack's exported outputs to the stack references of the stacks after it, and returns what each
 * stack would register.
 *
 * Each stack runs in its own Pulumi runtime store (`withLocalStorage`, the mechanism the Automation API uses to run
 * several inline programs in one process), so stacks share the loaded SDKs but no runtime state.
 */
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import * as stackRuntime from "@pulumi/pulumi/runtime/stack";
import { GRAPH, StackName, withUpstream } from "../../stacks/graph";
import { RecordedResource, RecordingMonitor, StackOutputs } from "./monitor";
import { runtimeSettings as settings, runtimeState as state } from "./sdk-internals";
import { readProjectFile, readStackConfig } from "./stack-files";
import { Value } from "./values";

/** The organization of a DIY backend's stacks; stack references default to `organization/foundation/<stack>`. */
export const PLAN_ORGANIZATION = "organization";

/** One policy violation, as the plan contract reports it (DESIGN.md §5). */
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

/** Evaluates policies over a planned stack; the policy pack plugs in here. */
export type PolicyEvaluator = (plan: Omit<StackPlan, "violations">) => Promise<Violation[]>;

/** Options of {@link planStacks}. */
export interface PlanOptions {
  /** The repository root holding `Pulumi.yaml`. */
  readonly root: string;
  /** Stacks asked for; their upstream stacks are planned too. Default: all. */
  readonly stacks?: readonly StackName[];
  /** Config files that replace `Pulumi.<stack>.yaml`, by stack. */
  readonly configFiles?: Partial<Record<StackName, string>>;
  /** Evaluates policies over each stack; none when absent. */
  readonly policies?: PolicyEvaluator;
  /** The program entry to run; default `<root>/stacks/index.ts`. */
  readonly entry?: string;
}

/** A stack program failed; the plan reports it with exit status 2. */
export class StackRunError extends Error {
  constructor(
    readonly stack: StackName,
    readonly cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message.startsWith(`stack "${stack}"`) ? message : `stack "${stack}": ${message}`);
  }
}

const LOG_SEVERITIES = ["debug", "info", "warning", "error"] as const;

/** Plans the selected stacks (and their upstream stacks) in graph order. */
export async function planStacks(options: PlanOptions): Promise<StackPlan[]> {
  const project = readProjectFile(options.root);
  const order = withUpstream(options.stacks ?? Object.keys(GRAPH).map((s) => s as StackName));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const entry = require(options.entry ?? join(options.root, "stacks", "index.ts")) as () => Promise<unknown>;
  const planned = new Map<StackName, StackPlan>();
  // A failed registration surfaces as a rejected promise nobody awaits; the SDK's own run loop treats those as
  // program errors, and so does the plan. The handler stays until the run's last promises have settled.
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    return await planInOrder();
  } finally {
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onRejection);
  }

  async function planInOrder(): Promise<StackPlan[]> {
    for (const name of order) {
      const stackConfig = readStackConfig(options.root, project, name, options.configFiles?.[name]);
      const disabled = stackConfig.config["pulumi:disable-default-providers"];
      const monitor = new RecordingMonitor({
        project: project.name,
        stack: name,
        disabledDefaultProviders: disabled ? (JSON.parse(disabled) as string[]) : [],
        resolveStackReference: (refName) => resolveReference(refName, project.name, name, planned),
      });
      const diagnostics: string[] = [];
      rejections.length = 0;
      try {
        await state.withLocalStorage(async () => {
          settings.setMockOptions(monitor, project.name, name, false, PLAN_ORGANIZATION);
          const store = state.getStore();
          store.supportsSecrets = true;
          store.supportsResourceReferences = true;
          store.supportsDeletedWith = true;
          store.supportsAliasSpecs = true;
          store.supportsParameterization = true;
          store.settings.engine = {
            log(req: { getSeverity(): number; getMessage(): string }, done: () => void) {
              const severity = LOG_SEVERITIES[req.getSeverity()] ?? "info";
              if (severity === "warning" || severity === "error") diagnostics.push(`${severity}: ${req.getMessage()}`);
              done();
            },
            // The engine remembers the root stack resource; the plan knows it already.
            setRootResource(_req: unknown, done: (err: null, resp: object) => void) {
              done(null, {});
            },
            getRootResource(_req: unknown, done: (err: null, resp: { getUrn(): string }) => void) {
              done(null, { getUrn: () => "" });
            },
          } as unknown as typeof store.settings.engine;
          runtimeConfig.setAllConfig(stackConfig.config, stackConfig.secretKeys);
          await stackRuntime.runInPulumiStack(entry);
          await settings.waitForRPCs();
          if (rejections.length > 0) throw rejections[0];
          if (pulumi.log.hasErrors()) {
            throw new Error(
              diagnostics.filter((d) => d.startsWith("error:")).join("\n") || "the program logged errors",
            );
          }
        });
      } catch (err) {
        throw err instanceof StackRunError ? err : new StackRunError(name, err);
      }
      const base = {
        name,
        phases: GRAPH[name].phases,
        needs: GRAPH[name].needs,
        resources: monitor.resources,
        outputs: monitor.stackOutputs(),
        diagnostics,
      };
      const violations = options.policies ? await options.policies(base) : [];
      planned.set(name, { ...base, violations });
    }
    const selected = new Set(options.stacks ?? order);
    return order.filter((name) => selected.has(name)).map((name) => planned.get(name) as StackPlan);
  }
}

function resolveReference(
  refName: string,
  project: string,
  current: StackName,
  planned: ReadonlyMap<StackName, StackPlan>,
): StackOutputs {
  const [org, refProject, stack] = refName.split("/");
  const upstream = [...planned.keys()].find((s) => s === stack);
  if (org === PLAN_ORGANIZATION && refProject === project && upstream) {
    return planned.get(upstream)?.outputs ?? {};
  }
  const known = [...planned.keys()].map((s) => `${PLAN_ORGANIZATION}/${project}/${s}`);
  throw new Error(
    `stack reference '${refName}' from stack "${current}" is not a stack planned before it; ` +
      `the offline plan knows: ${known.join(", ") || "none"}`,
  );
}
