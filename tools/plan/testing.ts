/**
 * Test support: run a program or a component under the recording monitor and look at what it registered, with the
 * same fidelity as the offline plan (parents, providers, dependencies, protect flags, secrets).
 */
import { RecordedResource, StackOutputs } from "./monitor";
import { runProgram } from "./run-program";
import { containsSecret, reveal, Value } from "./values";

/** Options of {@link record}. */
export interface RecordOptions {
  /** Stack name; default "test". */
  readonly stack?: string;
  /** Config values by key; keys without a namespace are `foundation:` keys; objects are passed as JSON. */
  readonly config?: Record<string, unknown>;
  /** Keys (as given in `config`) the program must see as secret. */
  readonly secretKeys?: readonly string[];
  /** Outputs of upstream stacks by full reference name (`organization/foundation/aws`). */
  readonly stackReferences?: Record<string, StackOutputs>;
}

/** What a recorded program registered, with lookups that fail loudly. */
export class Recording {
  constructor(
    readonly resources: RecordedResource[],
    readonly outputs: Record<string, Value>,
  ) {}

  /** Resources of one type, in registration order. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /**
   * The one resource with this logical name (and type, where a component and its child share a name); throws when
   * there is none or more than one.
   */
  named(name: string, type?: string): RecordedResource {
    const found = this.resources.filter((r) => r.name === name && (type === undefined || r.type === type));
    if (found.length !== 1) {
      throw new Error(`expected one resource named '${name}', found ${found.length}: ${this.summary().join(", ")}`);
    }
    return found[0];
  }

  /** The inputs of the resource named `name` (and of `type`), with secrets unwrapped. */
  inputsOf(name: string, type?: string): Record<string, unknown> {
    return reveal(this.named(name, type).inputs) as Record<string, unknown>;
  }

  /** True when the input `key` of resource `name` (and of `type`) is (or contains) a secret. */
  isSecretInput(name: string, key: string, type?: string): boolean {
    return containsSecret(this.named(name, type).inputs[key]);
  }

  /** `type::name` of every resource, in registration order: handy for exact-set assertions. */
  summary(): string[] {
    return this.resources.map((r) => `${r.type}::${r.name}`);
  }
}

function serialize(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Runs `program` (which may construct components and return outputs) and records what it registered. */
export async function record(program: () => unknown, options: RecordOptions = {}): Promise<Recording> {
  const qualify = (key: string) => (key.includes(":") ? key : `foundation:${key}`);
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.config ?? {})) config[qualify(key)] = serialize(value);
  const refs = options.stackReferences ?? {};
  const result = await runProgram({
    project: "foundation",
    stack: options.stack ?? "test",
    config,
    secretKeys: (options.secretKeys ?? []).map(qualify),
    program,
    resolveStackReference: (name) => {
      const outputs = refs[name];
      if (!outputs) throw new Error(`no outputs given for stack reference '${name}'`);
      return outputs;
    },
  });
  return new Recording(result.resources, result.outputs);
}

/**
 * An editor of a stack's flat config (as {@link record} and `loadConfig` take it): `edited(key, edit)` is the config
 * with the JSON value of `foundation:<key>` changed by `edit`, taken from `base` or from the given config.
 */
export function configEditor(base: Readonly<Record<string, string>>) {
  return function edited<T>(
    key: string,
    edit: (value: T) => void,
    from: Readonly<Record<string, string>> = base,
  ): Record<string, string> {
    const value = JSON.parse(from[`foundation:${key}`]) as T;
    edit(value);
    return { ...from, [`foundation:${key}`]: JSON.stringify(value) };
  };
}

/**
 * For a test file that runs the SDK under its own `pulumi.runtime.setMocks` instead of {@link record}: no stack traces
 * while its tests run, as {@link runProgram} does for its runs. The SDK captures one for every promise it makes, and
 * jest source-maps each, 100 frames deep: three quarters of such a file's time. A failing assertion still shows its
 * message and diff, without the code frame.
 */
export function withoutStackTraces(): void {
  let limit = Error.stackTraceLimit;
  beforeAll(() => {
    limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = limit;
  });
}
