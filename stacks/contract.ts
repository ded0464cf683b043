/**
 * Typed stack contracts (docs/architecture.md, "Typed stack contracts"): each stack declares its outputs once, as data,
 * and every consumer reads them through {@link readStack}, which goes through `requireOutput` so a missing output fails
 * loudly instead of resolving to `undefined`. Renaming an output is a breaking change; adding one is not. An output a
 * stack exports only in some shapes (the lab's cluster outputs) says what it takes in `requires`, and a consumer that
 * reads it from a stack without it is refused with those words.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { GRAPH, StackName } from "./graph";

/** One exported output: its type, whether it must be secret, and what it is for. */
export interface OutputSpec<T = unknown> {
  readonly schema: z.ZodType<T>;
  /** Secret outputs are wrapped with `pulumi.secret` on export and stay secret in every consumer. */
  readonly secret?: boolean;
  readonly description: string;
  /**
   * Set on an output the stack exports only in some of its shapes: what the stack needs before it exports it and how
   * to give it that, worded to follow "which it exports only with" in a consumer's refusal (the lab's cluster
   * outputs). Without it the output is always exported.
   */
  readonly requires?: string;
}

/** A stack's output contract. */
export type Contract = Readonly<Record<string, OutputSpec>>;

/** The plain values of a contract's outputs. */
export type ContractValues<C extends Contract> = { [K in keyof C]: C[K] extends OutputSpec<infer T> ? T : never };

/** The keys of a contract's outputs that carry {@link OutputSpec.requires}: exported only in some shapes. */
type ConditionalKeys<C extends Contract> = { [K in keyof C]: C[K] extends { requires: string } ? K : never }[keyof C];

/** What a stack program returns: every output of its contract as inputs, the conditional ones possibly absent. */
export type ContractExports<C extends Contract> = {
  [K in Exclude<keyof C, ConditionalKeys<C>>]: pulumi.Input<ContractValues<C>[K]>;
} & { [K in ConditionalKeys<C>]?: pulumi.Input<ContractValues<C>[K]> };

/** What a consumer gets: every output of the upstream contract, as outputs. */
export type ContractOutputs<C extends Contract> = { [K in keyof C]: pulumi.Output<ContractValues<C>[K]> };

/** Declares a contract; the identity function, there to infer the precise type. */
export function defineContract<C extends Contract>(contract: C): C {
  return contract;
}

/** Wraps the secret outputs of `values` with `pulumi.secret`, so a program cannot export them in the clear. */
export function exportContract<C extends Contract>(contract: C, values: ContractExports<C>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(contract)) {
    const value = (values as Record<string, unknown>)[key];
    // A conditional output the stack's shape does not have is left out, not exported as undefined.
    if (value === undefined && contract[key].requires !== undefined) continue;
    out[key] = contract[key].secret ? pulumi.secret(value) : value;
  }
  return out;
}

/** The default full name of an upstream stack: `<organization>/foundation/<stack>`. */
export function defaultReference(stack: StackName): string {
  return `${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}`;
}

/** An upstream stack as a consumer sees it: its outputs, and its plain values where they shape the program. */
export interface UpstreamStack<C extends Contract> {
  /** Every output of the contract, read with `requireOutput`. */
  readonly outputs: ContractOutputs<C>;
  /**
   * The plain value of one output, validated against its contract schema, for the few outputs whose value decides
   * which resources the consumer registers (how many runner records, say). Stack outputs are read from the upstream
   * stack's state, so they are known in `pulumi preview` too, and resources made from them show in the preview;
   * this is what `StackReference.getOutputDetails` exists for. Never for secret outputs: those stay Outputs.
   */
  value<K extends keyof C & string>(key: K): Promise<ContractValues<C>[K]>;
}

/**
 * Opens `upstream` from `consumer` through a `StackReference`. The phase graph decides which stacks a stack may
 * read; `reference` (from the consumer's `stackReferences` config) overrides the default full name.
 */
export function openStack<C extends Contract>(
  consumer: StackName,
  upstream: StackName,
  contract: C,
  reference?: string | false,
  opts?: pulumi.CustomResourceOptions,
): UpstreamStack<C> {
  if (!GRAPH[consumer].needs.includes(upstream)) {
    throw new Error(
      `stack "${consumer}" may not read stack "${upstream}": the phase graph lets it read ` +
        `${GRAPH[consumer].needs.map((n) => `"${n}"`).join(", ") || "no stack"} (stacks/graph.ts)`,
    );
  }
  if (reference === false) {
    throw new Error(
      `stack "${consumer}" reads stack "${upstream}", but foundation:stackReferences.${upstream} is false; ` +
        `set it to the stack's full name once "${upstream}" exists`,
    );
  }
  const name = reference ?? defaultReference(upstream);
  const ref = new pulumi.StackReference(`${upstream}-outputs`, { name }, opts);
  const out: Record<string, pulumi.Output<unknown>> = {};
  for (const key of Object.keys(contract)) {
    if (contract[key].requires === undefined) out[key] = ref.requireOutput(key);
    else {
      // Required on first use: an output the upstream stack's shape lacks would otherwise fail the program unread.
      let output: pulumi.Output<unknown> | undefined;
      Object.defineProperty(out, key, { enumerable: true, get: () => (output ??= ref.requireOutput(key)) });
    }
  }
  return {
    outputs: out as ContractOutputs<C>,
    value: async (key) => {
      const spec = contract[key];
      if (spec.secret) {
        throw new Error(`stack "${consumer}": "${upstream}" output "${key}" is secret; read it as an Output`);
      }
      const details = await ref.getOutputDetails(key);
      const parsed = spec.schema.safeParse(details.value);
      if (details.value === undefined && spec.requires !== undefined) {
        throw new Error(
          `stack "${consumer}": "${upstream}" (${name}) has no output "${key}", which it exports only with ` +
            `${spec.requires}, then run \`pulumi up --stack ${upstream}\` before this stack`,
        );
      }
      if (!parsed.success) {
        throw new Error(
          `stack "${consumer}": "${upstream}" (${name}) output "${key}" ` +
            (details.value === undefined ? "is missing" : `does not match the contract: ${parsed.error.message}`) +
            `; run \`pulumi up --stack ${upstream}\` with this version of Foundation first`,
        );
      }
      return parsed.data as ContractValues<C>[typeof key];
    },
  };
}

/** Reads every output of `upstream`'s contract from `consumer`: {@link openStack}'s outputs. */
export function readStack<C extends Contract>(
  consumer: StackName,
  upstream: StackName,
  contract: C,
  reference?: string,
  opts?: pulumi.CustomResourceOptions,
): ContractOutputs<C> {
  return openStack(consumer, upstream, contract, reference, opts).outputs;
}
