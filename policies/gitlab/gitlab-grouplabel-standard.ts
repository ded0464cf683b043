import { defineResourcePolicy, whenKnown } from "../policy";

/**
 * The label scopes of the standard. The label component (components/gitlab/standard-labels.ts) implements them; the
 * policy keeps its own copy so a change to the component cannot quietly change the standard.
 */
export const STANDARD_SCOPES: readonly string[] = ["type", "priority", "status", "phase", "area"];

/** The settings a stack gives this policy through the pack's config. */
export interface LabelStandardConfig {
  /** Scopes allowed beyond the standard ones, as the group stack's `labels.scopes` adds them. */
  readonly scopes?: readonly string[];
}

const COLOR = /^#[0-9A-Fa-f]{6}$/;

/**
 * Group labels follow the standard set's rules (components/gitlab/standard-labels.ts): every name is scoped as
 * `scope::value` with exactly one separator and a standard scope (or one the stack adds in this policy's config), so
 * an issue carries one label per scope; colors are `#RRGGBB`; and every label says what it means.
 */
export const gitlabGroupLabelStandard = defineResourcePolicy({
  name: "gitlab-grouplabel-standard",
  description: "GitLab group labels are scoped with a standard scope, have a #RRGGBB color and a description.",
  severity: "low",
  remediationSteps:
    "Name the label scope::value with one of the standard scopes (type, priority, status, phase, area), give it a " +
    "#RRGGBB color and a description; add a new scope to the group stack's labels.scopes and to this policy's " +
    "scopes config together.",
  url: "https://docs.gitlab.com/user/project/labels/#scoped-labels",
  area: "gitlab",
  configSchema: {
    properties: {
      scopes: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Label scopes allowed beyond the standard ones.",
      },
    },
  },
  types: ["pulumi-nodejs:dynamic/gitlab:GroupLabel"],
  check: (args, report) => {
    const scopes = [...STANDARD_SCOPES, ...(args.getConfig<LabelStandardConfig>().scopes ?? [])];
    const name = whenKnown(() => args.props.name);
    const label = typeof name === "string" ? name : args.name;
    if (typeof name === "string") {
      const parts = name.split("::");
      if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
        report(`label '${label}' is not scoped; name it scope::value with exactly one '::'`);
      } else if (!scopes.includes(parts[0])) {
        report(`label '${label}' has the scope '${parts[0]}', which is not one of ${scopes.join(", ")}`);
      }
    }
    whenKnown(() => {
      const color = args.props.color;
      if (typeof color !== "string" || !COLOR.test(color)) {
        report(`label '${label}' has the color ${JSON.stringify(color ?? null)}; use #RRGGBB`);
      }
    });
    whenKnown(() => {
      const description = args.props.description;
      if (typeof description !== "string" || description.trim() === "") {
        report(`label '${label}' has no description; say what the label means`);
      }
    });
  },
});
