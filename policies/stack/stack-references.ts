/**
 * Stack references as the stack policies read them: the full name a `pulumi.StackReference` was opened with
 * (`[<org>/][<project>/]<stack>`), split into its parts.
 */
import type { PolicyResource } from "@pulumi/policy";
import { whenKnown } from "../policy";

/** The type token of a stack reference. */
export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/** A stack reference's target. */
export interface ReferenceTarget {
  /** The name as written. */
  readonly name: string;
  /** The project, when the name gives one. */
  readonly project?: string;
  readonly stack: string;
}

/** The target of a stack reference, or `undefined` while its name is unknown at preview. */
export function targetOf(reference: PolicyResource): ReferenceTarget | undefined {
  const name = whenKnown(() => reference.props.name);
  if (typeof name !== "string" || name === "") return undefined;
  const parts = name.split("/");
  const stack = parts[parts.length - 1];
  return parts.length >= 2 ? { name, project: parts[parts.length - 2], stack } : { name, stack };
}
