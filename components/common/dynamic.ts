/**
 * What the dynamic providers (GitLab objects, the Talos API steps) share: the engine's unknown value and the diff rule.
 * Plain functions without Pulumi imports, so a serialized provider carries them by value.
 */

/** The engine's placeholder for a value not known until apply (`@pulumi/pulumi` `runtime.unknownValue`). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when `value` is not known yet (preview before its source exists). */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

/**
 * The `diff` answer the dynamic provider host expects
 * (https://www.pulumi.com/docs/iac/concepts/providers/dynamic-providers/#diff-olds-news).
 */
export interface FieldDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  readonly deleteBeforeReplace: boolean;
}

/**
 * Compares old state and new inputs field by field: a change to a `replaceOn` field replaces the object, a change
 * to an `updateOn` field updates it in place, other fields are ignored. An unknown new value counts as a change, and
 * an absent value equals `null`. `deleteBeforeReplace` is for objects that cannot exist twice (one per node).
 */
export function diffFields<T extends object>(
  olds: Partial<T>,
  news: T,
  replaceOn: readonly (keyof T & string)[],
  updateOn: readonly (keyof T & string)[],
  options: { readonly deleteBeforeReplace?: boolean } = {},
): FieldDiff {
  const changed = (key: keyof T & string) =>
    isUnknown(news[key]) || JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null);
  const replaces = replaceOn.filter(changed);
  return {
    changes: replaces.length > 0 || updateOn.some(changed),
    replaces,
    deleteBeforeReplace: options.deleteBeforeReplace ?? false,
  };
}
