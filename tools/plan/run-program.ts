/**
 * Runs one Pulumi program in-process under a {@link RecordingMonitor}: the unit both the offline plan and the
 * component tests are built on.
 *
 * Each run gets its own Pulumi runtime store (`withLocalStorage`, the mechanism the Automation API uses to run
 * several inline programs in one process), so runs share the loaded SDKs but no runtime state.
 */
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import * as stackRuntime from "@pulumi/pulumi/runtime/stack";
import { RecordedResource, RecordingMonitor, StackOutputs } from "./monitor";
import { runtimeSettings, runtimeState } from "./sdk-internals";
import { Value } from "./values";

/** The organization of a DIY backend's stacks; stack references default to `organization/foundation/<stack>`. */
export const PLAN_ORGANIZATION = "organization";

/** What {@link runProgram} runs. */
export interface ProgramRun {
  readonly project: string;
  readonly stack: string;
  /** Flat `namespace:key` config as the CLI passes it (structured values as JSON strings). */
  readonly config: Record<string, string>;
  readonly secretKeys?: readonly string[];
  /** The program; its resolved return value becomes the stack's outputs. */
  readonly program: () => unknown;
  /** Answers stack references by full name; by default every reference fails. */
  readonly resolveStackReference?: (name: string) => StackOutputs;
  /** Keep stack traces while the program runs (the plan's --debug); by default errors made during the run have none. */
  readonly stackTraces?: boolean;
}

/** What a program registered. */
export interface ProgramResult {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, Value>;
  /** Messages logged at warning level or above. */
  readonly diagnostics: string[];
}

const LOG_SEVERITIES = ["debug", "info", "warning", "error"] as const;

/** Collectors of the runs in progress, and the errors runs have already failed with. */
const collectors = new Set<(reason: unknown) => void>();
const reported = new WeakSet<object>();
let handlerInstalled = false;

/**
 * A failed registration surfaces as a rejected promise nobody awaits, and a program that throws leaves rejected
 * promises behind that settle after the run has failed. One process-wide handler routes the first kind to the
 * run in progress and drops the second kind once its run has reported the same error; anything else is rethrown,
 * which is Node's default behaviour.
 */
function installRejectionHandler(): void {
  if (handlerInstalled) return;
  handlerInstalled = true;
  process.on("unhandledRejection", (reason) => {
    if (reason !== null && typeof reason === "object" && reported.has(reason)) return;
    if (collectors.size === 0) throw reason;
    for (const collect of collectors) collect(reason);
  });
}

/**
 * Runs `run.program` inside a root stack resource, waits for every registration, and returns what was recorded.
 * Like the SDK's own run loop, a rejected registration fails the run: it rejects with the first such error.
 */
export async function runProgram(run: ProgramRun): Promise<ProgramResult> {
  const disabled = run.config["pulumi:disable-default-providers"];
  const monitor = new RecordingMonitor({
    project: run.project,
    stack: run.stack,
    disabledDefaultProviders: disabled ? (JSON.parse(disabled) as string[]) : [],
    resolveStackReference:
      run.resolveStackReference ??
      ((name) => {
        throw new Error(`stack reference '${name}' cannot be resolved in this run`);
      }),
  });
  const diagnostics: string[] = [];
  const rejections: unknown[] = [];
  // The first failure ends the wait for outstanding registrations: a registration whose inputs failed (a renderer
  // that throws inside `apply`) never settles, so waiting for every registration first would wait forever.
  let failed: (reason: unknown) => void = () => undefined;
  const firstFailure = new Promise<void>((resolve) => (failed = () => resolve()));
  const collect = (reason: unknown) => {
    rejections.push(reason);
    failed(reason);
  };
  installRejectionHandler();
  collectors.add(collect);
  // The SDK captures and formats a stack trace for every promise it makes (`debuggablePromise`); under a test runner
  // that source-maps traces 100 frames deep, that is nine tenths of a run. Messages name what failed, not the trace.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!run.stackTraces) Error.stackTraceLimit = 0;
  try {
    await runtimeState.withLocalStorage(async () => {
      runtimeSettings.setMockOptions(monitor, run.project, run.stack, false, PLAN_ORGANIZATION);
      const store = runtimeState.getStore();
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
        // The engine remembers the root stack resource; the monitor already knows it.
        setRootResource(_req: unknown, done: (err: null, resp: object) => void) {
          done(null, {});
        },
        getRootResource(_req: unknown, done: (err: null, resp: { getUrn(): string }) => void) {
          done(null, { getUrn: () => "" });
        },
      };
      runtimeConfig.setAllConfig(run.config, [...(run.secretKeys ?? [])]);
      // The program's own exception is caught here rather than inside the SDK's root resource, which would leave
      // rejected promises behind; it is rethrown once the registrations already made have settled.
      let thrown: { error: unknown } | undefined;
      await stackRuntime.runInPulumiStack(async () => {
        try {
          return await run.program();
        } catch (error) {
          thrown = { error };
          return {};
        }
      });
      if (!thrown) await Promise.race([runtimeSettings.waitForRPCs(), firstFailure, monitor.failed]);
      if (thrown) throw thrown.error;
      if (monitor.failures.length > 0) throw monitor.failures[0];
      // Let rejections of the last registrations reach the handler before it is removed.
      await new Promise((resolve) => setImmediate(resolve));
      if (rejections.length > 0) throw rejections[0];
      if (pulumi.log.hasErrors()) {
        throw new Error(diagnostics.filter((d) => d.startsWith("error:")).join("\n") || "the program logged errors");
      }
    });
  } catch (err) {
    if (err !== null && typeof err === "object") reported.add(err);
    throw err;
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    collectors.delete(collect);
  }
  return { resources: monitor.resources, outputs: monitor.stackOutputs(), diagnostics };
}
