import { defineResourcePolicy, displayName } from "../policy";
import { conditionValues, gitlabTrusts, hasWildcard } from "./iam-document";

/**
 * Everything up to `:ref:` is fixed; only the ref may hold a wildcard. A Git ref cannot contain `:`, so a wildcard
 * there cannot reach into another claim.
 */
const WILDCARD_IN_REF_ONLY = /^project_path:[^*?]+:ref_type:(branch|tag):ref:[^:]*$/;

/**
 * StringLike patterns on the GitLab subject keep their wildcards inside the ref: `project_path:mson*` also matches
 * `mson-evil/x`, and `…:ref_type:*` admits tags where only branches were meant (the subject's format and the
 * filters: https://docs.gitlab.com/ci/cloud_services/#configure-a-conditional-role-with-oidc-claims).
 */
export const iamRoleOidcNoCrossSegmentWildcard = defineResourcePolicy({
  name: "iam-role-oidc-no-cross-segment-wildcard",
  description: "GitLab CI OIDC subject patterns use wildcards only inside the ref, never across claim segments.",
  severity: "critical",
  remediationSteps:
    "Write each StringLike sub value as project_path:<group>/<project>:ref_type:<branch|tag>:ref:<pattern>, with " +
    "any * only in <pattern>; list projects one by one instead of matching a group prefix.",
  url: "https://docs.gitlab.com/ci/cloud_services/#configure-a-conditional-role-with-oidc-claims",
  area: "aws",
  types: ["aws:iam/role:Role"],
  check: (args, report) => {
    const role = displayName(args.props, args.name);
    for (const { statement } of gitlabTrusts(args.props.assumeRolePolicy)) {
      for (const subject of conditionValues(statement, "StringLike", "sub")) {
        if (hasWildcard(subject) && !WILDCARD_IN_REF_ONLY.test(subject)) {
          report(
            `role ${role} admits sub '${subject}' with a wildcard outside the ref; ` +
              "fix project_path and ref_type and keep wildcards in the ref",
          );
        }
      }
    }
  },
});
