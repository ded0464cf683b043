import { defineResourcePolicy, displayName } from "../policy";
import { conditionValues, gitlabTrusts, hasWildcard } from "./iam-document";

/**
 * Only a preview role (read-only, for merge request pipelines) may admit any branch. Every other role deploys, so
 * its subjects name exact refs: the protected branches and tags GitLab only lets maintainers push, or, where the
 * instance adds the environment to the subject, protected environments. A role is a preview role when its name
 * says so (`*-preview`), as components/aws/gitlab-oidc.ts names them; anything else is treated as a deploy role,
 * so a forgotten name fails closed.
 */
export const iamRoleOidcDeployRefPinned = defineResourcePolicy({
  name: "iam-role-oidc-deploy-ref-pinned",
  description: "GitLab CI OIDC roles other than preview roles admit only exact protected refs, without wildcards.",
  severity: "critical",
  remediationSteps:
    "List the deploy role's refs exactly (project_path:<group>/<project>:ref_type:branch:ref:main) under " +
    "StringEquals and protect those branches and tags in GitLab; a role that must admit any branch is read-only " +
    "and named <name>-preview.",
  url: "https://docs.gitlab.com/ci/cloud_services/aws/",
  area: "aws",
  types: ["aws:iam/role:Role"],
  check: (args, report) => {
    const role = displayName(args.props, args.name);
    if (/preview/i.test(role)) return;
    for (const { statement } of gitlabTrusts(args.props.assumeRolePolicy)) {
      for (const subject of conditionValues(statement, "StringLike", "sub").filter(hasWildcard)) {
        report(
          `role ${role} is a deploy role but admits sub '${subject}' by wildcard; ` +
            "pin exact protected refs, or name the role *-preview and keep it read-only",
        );
      }
    }
  },
});
