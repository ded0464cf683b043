import { defineResourcePolicy, displayName } from "../policy";
import { conditionValues, gitlabTrusts, hasWildcard } from "./iam-document";

/** `project_path:<group>/<project>:…`: at least a group and a project, no wildcard in the path. */
const EXPLICIT_PROJECT = /^project_path:([^:*?]+\/[^:*?]+):/;

/**
 * A role trusted by GitLab CI OIDC pins the token's subject to explicit project paths: the subject is
 * `project_path:<group>/<project>:ref_type:<type>:ref:<ref>`, and a role without a `sub` condition, or with a
 * wildcard in the project path, admits pipelines of projects nobody reviewed
 * (https://docs.gitlab.com/ci/cloud_services/#configure-a-conditional-role-with-oidc-claims).
 */
export const iamRoleOidcSubjectPinned = defineResourcePolicy({
  name: "iam-role-oidc-subject-pinned",
  description: "IAM roles trusted by GitLab CI OIDC pin the token subject (sub) to explicit project paths.",
  severity: "critical",
  remediationSteps:
    'Add "<issuer>:sub" to the trust statement with one value per project, each ' +
    "project_path:<group>/<project>:ref_type:branch:ref:<branch> with the full project path and no wildcard in it.",
  url: "https://docs.gitlab.com/ci/cloud_services/#configure-a-conditional-role-with-oidc-claims",
  area: "aws",
  types: ["aws:iam/role:Role"],
  check: (args, report) => {
    const role = displayName(args.props, args.name);
    for (const { statement, issuer } of gitlabTrusts(args.props.assumeRolePolicy)) {
      const subjects = [
        ...conditionValues(statement, "StringEquals", "sub"),
        ...conditionValues(statement, "StringLike", "sub"),
      ];
      if (subjects.length === 0) {
        report(
          `role ${role} statement ${statement.label} does not pin the subject; add "${issuer}:sub" with ` +
            "project_path:<group>/<project>:ref_type:branch:ref:<branch>",
        );
      }
      for (const subject of subjects) {
        const path = EXPLICIT_PROJECT.exec(subject)?.[1];
        if (path === undefined || hasWildcard(path)) {
          report(
            `role ${role} admits sub '${subject}', which names no explicit project; ` +
              "use project_path:<group>/<project>:… with the full path and no wildcard",
          );
        }
      }
    }
  },
});
