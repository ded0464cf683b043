/**
 * What the GitLab dynamic providers share: the diff rule (components/common/dynamic.ts, shared with the Talos
 * providers), check failures, and error wording. Plain functions, so the serialized providers carry them by value.
 */
import { isUnknown } from "../common/dynamic";
import { explainAccessError, GitlabApi, GitlabHttpError, isAmbiguous } from "./api";

export { diffFields, isUnknown, UNKNOWN_VALUE } from "../common/dynamic";
export type { FieldDiff } from "../common/dynamic";

/** A `check` failure: the input property and what to do about it. */
export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
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

/** A `check` failure unless `value` is unknown or a project's full path (`group/project`, no leading or trailing `/`). */
export function projectPathFailure(value: unknown, property = "projectPath"): CheckFailure[] {
  if (isUnknown(value) || (isText(value) && /^[^/\s]+(\/[^/\s]+)+$/.test(value))) return [];
  return [{ property, reason: `${property} must be the project's full path, e.g. 'mson/foundation'` }];
}

/** How {@link createOnce} creates an object and finds it again. */
export interface CreateSteps<T> {
  /** The creating POST (which the transport never resends, api.ts `isTransient`). */
  readonly create: () => Promise<T>;
  /** Looks the object up: it is there when an earlier attempt created it. */
  readonly find: () => Promise<T | undefined>;
  /** Whether an error is GitLab saying the object exists already (its uniqueness check). */
  readonly isConflict: (error: unknown) => boolean;
}

/**
 * Creates an object with a POST and resolves an ambiguous failure (a 5xx, or no answer) itself, since GitLab may
 * have created the object before the answer was lost: after backing off as the retry policy does, it looks the
 * object up and takes it when it is there, and sends the POST again only when it is not. An object with a unique
 * name cannot be made twice that way: if the first POST completes late, the second is refused as a conflict, and
 * the object is looked up once more. Not for runners, which GitLab does not keep unique (user-runner.ts).
 */
export async function createOnce<T>(api: Pick<GitlabApi, "backoff">, steps: CreateSteps<T>): Promise<T> {
  let lost: GitlabHttpError | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await steps.create();
    } catch (error) {
      if (lost !== undefined && steps.isConflict(error)) {
        const found = await steps.find();
        if (found !== undefined) return found;
      }
      if (!isAmbiguous(error)) throw error;
      lost = error;
      if (!(await api.backoff(attempt))) {
        error.message += `; the object was not found after ${attempt} attempts whose answers were lost: run again`;
        throw error;
      }
      const found = await steps.find();
      if (found !== undefined) return found;
    }
  }
}

/** The numbers in ascending order, or `values` unchanged when it is not a known list of numbers (preview). */
export function sortedNumbers(values: unknown): unknown {
  return Array.isArray(values) && values.every((v) => typeof v === "number")
    ? [...(values as number[])].sort((a, b) => a - b)
    : values;
}

/** The strings in code-point order, or `values` unchanged when it is not a known list of strings (preview). */
export function sortedStrings(values: unknown): unknown {
  return Array.isArray(values) && values.every((v) => typeof v === "string" && !isUnknown(v))
    ? [...(values as string[])].sort()
    : values;
}
