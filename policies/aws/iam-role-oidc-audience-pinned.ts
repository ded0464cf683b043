import { defineResourcePolicy, displayName } from "../policy";
import { conditionValues, gitlabTrusts, hasWildcard } from "./iam-document";

/**
 * A role that GitLab CI jobs assume with their id token pins the token's audience with StringEquals: without
 * `aud`, a token minted for any other relying party of the same GitLab could assume the role
 * (https://docs.gitlab.com/ci/cloud_services/aws/).
 */
export const iamRoleOidcAudiencePinned = defineResourcePolicy({
  name: "iam-role-oidc-audience-pinned",
  description: "IAM roles trusted by GitLab CI OIDC pin the token audience (aud) with StringEquals.",
  severity: "critical",
  remediationSteps:
    'Add "<issuer>:aud": "<audience>" under StringEquals in the trust statement, where the audience is what jobs ' +
    "request in id_tokens (components/aws/gitlab-oidc.ts trustPolicy does this).",
  url: "https://docs.gitlab.com/ci/cloud_services/aws/",
  area: "aws",
  types: ["aws:iam/role:Role"],
  check: (args, report) => {
    const role = displayName(args.props, args.name);
    for (const { statement, issuer } of gitlabTrusts(args.props.assumeRolePolicy)) {
      const audiences = conditionValues(statement, "StringEquals", "aud");
      if (audiences.length === 0 || audiences.some(hasWildcard)) {
        report(
          `role ${role} statement ${statement.label} does not pin the audience; ` +
            `add StringEquals "${issuer}:aud" with the audience jobs request`,
        );
      }
    }
  },
});
