import type { ResourceValidationArgs } from "@pulumi/policy";
import { BUCKET_TYPES } from "../aws/s3-companions";
import { defineResourcePolicy, parseUrn } from "../policy";

/**
 * What docs/architecture.md ("Protection") calls stateful or irreplaceable, beyond the accounts
 * organizations-account-protected covers:
 * each entry says which resources it means, by type or by the component they belong to.
 */
const STATEFUL: readonly {
  readonly what: string;
  readonly matches: (type: string, chain: readonly string[]) => boolean;
}[] = [
  { what: "KMS key", matches: (type) => type === "aws:kms/key:Key" },
  {
    what: "state bucket",
    matches: (type, chain) => BUCKET_TYPES.includes(type) && chain.includes("foundation:aws:StateBackend"),
  },
  { what: "Talos secret", matches: (_type, chain) => chain.slice(0, -1).includes("foundation:talos:Secrets") },
  // A GitLab project holds a repository's history, issues and merge requests: nothing a stack can recreate.
  { what: "GitLab project", matches: (type) => type === "pulumi-nodejs:dynamic/gitlab:Project" },
  {
    what: "data volume",
    matches: (type) =>
      type === "kubernetes:core/v1:PersistentVolumeClaim" || type === "kubernetes:core/v1:PersistentVolume",
  },
];

/** What stateful thing the resource is, or `undefined` when it is none; the type chain comes from the URN. */
function kindOf(args: ResourceValidationArgs): string | undefined {
  const chain = parseUrn(args.urn)?.typeChain ?? [args.type];
  return STATEFUL.find((entry) => entry.matches(args.type, chain))?.what;
}

/**
 * Stateful or irreplaceable resources are `protect`ed: the state bucket, KMS keys (deleting one destroys everything
 * encrypted with it), the Talos secrets bundle (the cluster's CAs and keys), GitLab projects and data volumes. A removed line or a
 * replacement must then stop `pulumi up` instead of destroying data (docs/architecture.md, "Protection").
 */
export const pulumiResourceStatefulProtected = defineResourcePolicy({
  name: "pulumi-resource-stateful-protected",
  description: "The state bucket, KMS keys, Talos secrets, GitLab projects and data volumes are protected.",
  severity: "critical",
  remediationSteps:
    "Create the resource with the resource option protect: true (on the resource itself: a child's own option wins " +
    "over its parent's), and retainOnDelete: true where the data must outlive the stack; remove protection " +
    "deliberately with pulumi state unprotect when it really has to go.",
  url: "https://www.pulumi.com/docs/iac/concepts/options/protect/",
  area: "stack",
  types: (args) => kindOf(args) !== undefined,
  check: (args, report) => {
    if (!args.opts.protect) {
      report(`${kindOf(args)} ${args.name} is not protected; set the resource option protect: true`);
    }
  },
});
