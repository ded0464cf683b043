/**
 * The standard AWS tag set. The `aws` stack's provider applies it as `defaultTags`, so every taggable resource
 * carries it; the policy pack checks for the same keys.
 */

/** Keys every taggable AWS resource carries. */
export const STANDARD_TAG_KEYS = ["Project", "Stack", "Owner", "CostCenter", "ManagedBy"] as const;

/** The values the standard tags are made from. */
export interface StandardTagValues {
  readonly project: string;
  readonly stack: string;
  readonly owner: string;
  readonly costCenter: string;
}

/** The standard tags for one stack, in {@link STANDARD_TAG_KEYS} order. */
export function standardTags(values: StandardTagValues): Record<(typeof STANDARD_TAG_KEYS)[number], string> {
  return {
    Project: values.project,
    Stack: values.stack,
    Owner: values.owner,
    CostCenter: values.costCenter,
    ManagedBy: "pulumi",
  };
}
