import { asObject, defineResourcePolicy, whenKnown } from "../policy";
import { isTaggable } from "./taggable";

/**
 * The standard tags, as the standard states them. The tagging component (components/aws/tags.ts) implements them;
 * the policy keeps its own copy so a change to the component cannot quietly change the standard.
 */
export const REQUIRED_TAG_KEYS = ["Project", "Stack", "Owner", "CostCenter", "ManagedBy"] as const;

/** A tag whose value is not known yet: present, so it counts. */
const PENDING = Symbol("pending");

/** The tags of a tag map, keyed by name; values unknown at preview are {@link PENDING}. */
function tagsIn(value: unknown): Map<string, unknown> {
  const tags = new Map<string, unknown>();
  const map = asObject(value);
  for (const key of Object.keys(map)) tags.set(key, whenKnown(() => map[key]) ?? PENDING);
  return tags;
}

/** The provider's `defaultTags.tags`; provider inputs carry nested objects as JSON strings. */
function defaultTagsOf(providerProps: Record<string, unknown> | undefined): Map<string, unknown> {
  const raw = providerProps?.defaultTags;
  const parsed = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
  return tagsIn(asObject(parsed).tags);
}

/**
 * Every taggable AWS resource carries the standard tag set (Project, Stack, Owner, CostCenter, ManagedBy), so cost
 * reports, ownership and "what manages this?" are answerable from the console. The stacks' AWS providers set the
 * tags once as `defaultTags`; the policy reads the resource's `tagsAll` where the engine gives it and otherwise
 * merges the provider's default tags with the resource's own, as the provider will.
 */
export const awsResourceStandardTags = defineResourcePolicy({
  name: "aws-resource-standard-tags",
  description: "Taggable AWS resources carry the standard tags Project, Stack, Owner, CostCenter and ManagedBy.",
  severity: "low",
  remediationSteps:
    "Set the tags on the stack's aws.Provider as defaultTags: { tags: standardTags(...) } from " +
    "components/aws/tags.ts, so every resource gets them; give a resource's own tags only for what is specific to it.",
  url: "https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html",
  area: "aws",
  types: [],
  check: () => undefined,
});

// The policy applies to every taggable AWS type, which no fixed list can name: its validation is replaced by one
// that asks the installed provider package which types take tags.
awsResourceStandardTags.validateResource = (args, reportViolation) => {
  if (!args.type.startsWith("aws:")) return;
  whenKnown(() => {
    const taggable = isTaggable(args.type) ?? "tags" in args.props;
    if (!taggable) return;
    const tags =
      args.props.tagsAll !== undefined
        ? tagsIn(args.props.tagsAll)
        : new Map([...defaultTagsOf(args.provider?.props), ...tagsIn(args.props.tags)]);
    const missing = REQUIRED_TAG_KEYS.filter((key) => !tags.has(key) || tags.get(key) === "");
    if (missing.length > 0) {
      reportViolation(
        `${args.name} lacks the standard tags ${missing.join(", ")}; set them in the AWS provider's defaultTags`,
      );
    }
  });
};
