/**
 * The shape every policy of the pack shares: CrossGuard's own policy types plus the metadata the written standard
 * (`docs/standards.md`) is generated from, and the guards that let a policy skip values unknown at preview.
 *
 * Severity, remediation steps and link travel in CrossGuard's own `severity`, `remediationSteps` and `url` fields,
 * so the engine reports them too; only the area is Foundation's own.
 */
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";

/** The parts of the standard, in the order the standards page lists them. */
export const AREAS = ["aws", "proxmox", "kubernetes", "gitlab", "stack"] as const;

/** What a policy governs. */
export type Area = (typeof AREAS)[number];

/** CrossGuard's severities, lowest first. */
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;

/** How bad a violation is. */
export type Severity = (typeof SEVERITIES)[number];

/** The metadata every policy carries up front. */
export interface PolicyMetadata {
  /** `<service>-<resource>-<rule>`, kebab-case, unique in the pack. */
  readonly name: string;
  /** One full sentence saying what the standard requires. */
  readonly description: string;
  /** How bad a violation is. */
  readonly severity: Severity;
  /** What to change to comply, as steps a reader can follow. */
  readonly remediationSteps: string;
  /** The documentation page that motivates the rule (https). */
  readonly url: string;
  /** The part of the standard the policy belongs to. */
  readonly area: Area;
  /** Settings a stack may give the policy through the pack's config; none when absent. */
  readonly configSchema?: PolicyConfigSchema;
}

/** A resource policy of the pack. */
export type FoundationResourcePolicy = ResourceValidationPolicy & PolicyMetadata;

/** A stack policy of the pack. */
export type FoundationStackPolicy = StackValidationPolicy & PolicyMetadata;

/** Any policy of the pack. */
export type FoundationPolicy = FoundationResourcePolicy | FoundationStackPolicy;

/** Reports one violation of the resource being validated. */
export type Report = (message: string) => void;

/** What a resource policy's check is given: CrossGuard's arguments, already narrowed to the policy's types. */
export type ResourceCheck = (args: ResourceValidationArgs, report: Report) => void;

/** What a stack policy's check is given: CrossGuard's arguments and the stack's name, when the URNs carry one. */
export type StackCheck = (args: StackValidationArgs, report: ReportViolation) => void;

// The analyzer wraps every property bag in a proxy that throws `UnknownValueError` when a policy reads a value that
// is unknown at preview (`@pulumi/policy` proxy.js). The class is not in the package's typings, so it is read from
// the module object; it is the very class the analyzer throws.
const UnknownValueError = (proxyModule as unknown as { UnknownValueError: new (...args: never[]) => Error })
  .UnknownValueError;

/** True when `err` is the analyzer's signal that a value is unknown at preview. */
export function isUnknownValueError(err: unknown): boolean {
  return err instanceof UnknownValueError;
}

/**
 * Runs `check` and returns its result, or `undefined` when it read a value that is unknown at preview: a policy
 * skips what it cannot see yet instead of failing (the analyzer would otherwise turn the error into a
 * "can't run policy during preview" diagnostic). The real value is checked at update time.
 */
export function whenKnown<T>(check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (isUnknownValueError(err)) return undefined;
    throw err;
  }
}

/**
 * Which resources a resource policy checks: a list of type tokens, or a predicate for rules that choose resources by
 * more than their type (the component they belong to, read from the URN's type chain).
 */
export type ResourceSelector = readonly string[] | ((args: ResourceValidationArgs) => boolean);

/** Defines a resource policy that checks the resources `types` selects, skipping whatever is unknown at preview. */
export function defineResourcePolicy(
  definition: PolicyMetadata & { readonly types: ResourceSelector; readonly check: ResourceCheck },
): FoundationResourcePolicy {
  const { types, check, ...metadata } = definition;
  const applies = typeof types === "function" ? types : (args: ResourceValidationArgs) => types.includes(args.type);
  return {
    ...metadata,
    validateResource: (args, reportViolation) => {
      if (!applies(args)) return;
      whenKnown(() => check(args, (message) => reportViolation(message)));
    },
  };
}

/**
 * Defines a stack policy. The check runs over every resource's outputs; it guards its own per-resource reads with
 * {@link whenKnown}, so one unknown value skips one resource, not the whole stack.
 */
export function defineStackPolicy(definition: PolicyMetadata & { readonly check: StackCheck }): FoundationStackPolicy {
  const { check, ...metadata } = definition;
  return {
    ...metadata,
    validateStack: (args, reportViolation) => {
      whenKnown(() => check(args, reportViolation));
    },
  };
}

/** The parts of a URN: `urn:pulumi:<stack>::<project>::<type chain>::<name>`. */
export interface UrnParts {
  readonly stack: string;
  readonly project: string;
  /** The resource's type, the last entry of the type chain. */
  readonly type: string;
  /** The types of the resource's parents and itself, outermost first, joined with `$` in the URN. */
  readonly typeChain: readonly string[];
  readonly name: string;
}

/** Parses a URN; `undefined` when it is not one. */
export function parseUrn(urn: string): UrnParts | undefined {
  const match = /^urn:pulumi:([^:]+)::([^:]+)::(.+?)::(.*)$/.exec(urn);
  if (!match) return undefined;
  const typeChain = match[3].split("$");
  return {
    stack: match[1],
    project: match[2],
    type: typeChain[typeChain.length - 1],
    typeChain,
    name: match[4],
  };
}

/** The stack of a stack validation, read from its resources' URNs (every URN names its stack). */
export function stackOf(resources: readonly PolicyResource[]): { stack: string; project: string } | undefined {
  for (const resource of resources) {
    const parts = parseUrn(resource.urn);
    if (parts) return { stack: parts.stack, project: parts.project };
  }
  return undefined;
}

/** `value` as a list: a list stays, `undefined`/`null` is empty, anything else is a list of one. */
export function asList<T>(value: T | readonly T[] | undefined | null): readonly T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** `value` when it is a plain object, else an empty one; keeps the analyzer's proxy so unknowns still throw. */
export function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The resource's name for messages: its physical name input (`key`, e.g. `name` or a bucket's `bucket`) when it is
 * a known string, else its logical name.
 */
export function displayName(props: Record<string, unknown>, logicalName: string, key = "name"): string {
  const name = whenKnown(() => props[key]);
  return typeof name === "string" && name !== "" ? name : logicalName;
}
