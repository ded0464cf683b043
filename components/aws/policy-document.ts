/**
 * IAM policy documents as typed values. Policies are built as objects and serialized with `JSON.stringify`, never
 * assembled as strings, so a condition cannot be mistyped into something IAM reads differently.
 */

/** IAM condition block: operator, then condition key, then one value or a list (OR-ed). */
export type Conditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** One IAM policy statement. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Conditions;
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

/** Serializes a policy document. */
export function renderPolicy(statements: readonly Statement[]): string {
  const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  return JSON.stringify(document);
}
