/**
 * What the GitLab dynamic providers share: the diff rule, check failures, and error wording. Plain functions, so
 * the serialized providers carry them by value.
 */
import { explainAccessError } from "./api";

/** The engine's placeholder for a value not known until apply (`@pulumi/pulumi` `runtime.unknownValue`). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` is not known yet (preview before its source exists). */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

/** A `check` failure: the input property and what to do about it. */
export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
}

/** The `diff` answer the dynamic provider host expects. */
export interface FieldDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  readonly deleteBeforeReplace: boolean;
}

/**
 * Compares old state and new inputs field by field: a change to a `replaceOn` field replaces the object, a change
 * to an `updateOn` field updates it in place, other fields are ignored. An unknown new value counts as a change.
 */
export function diffFields<T extends object>(
  olds: Partial<T>,
  news: T,
  replaceOn: readonly (keyof T & string)[],
  updateOn: readonly (keyof T & string)[],
): FieldDiff {
  const changed = (key: keyof T & string) =>
    isUnknown(news[key]) || JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null);
  const replaces = replaceOn.filter(changed);
  return {
    changes: replaces.length > 0 || updateOn.some(changed),
    replaces,
    deleteBeforeReplace: false,
  };
}

/** Runs a GitLab call, turning 401/403 into an error that names the scope and role the token lacks. */
export async function withAccess<T>(what: string, needs: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainAccessError(error, what, needs);
  }
}

/**
 * The error for an update of an object that is gone from GitLab: `read` (run by `pulumi refresh`) drops it from
 * state, and the next `pulumi up` creates it again.
 */
export function goneError(what: string): Error {
  return new Error(
    `${what} no longer exists in GitLab; run \`pulumi refresh\` to drop it from state, then \`pulumi up\` creates it again`,
  );
}

/** A string input that is known and not blank. */
export function isText(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}
