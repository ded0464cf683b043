import { asList, asObject, defineResourcePolicy, displayName } from "../policy";
import { statementsOf } from "./iam-document";

/** Where each policy-bearing resource keeps its documents. */
const DOCUMENTS: Readonly<Record<string, (props: Record<string, unknown>) => unknown[]>> = {
  "aws:iam/policy:Policy": (props) => [props.policy],
  "aws:iam/rolePolicy:RolePolicy": (props) => [props.policy],
  "aws:iam/userPolicy:UserPolicy": (props) => [props.policy],
  "aws:iam/groupPolicy:GroupPolicy": (props) => [props.policy],
  "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": (props) => [props.inlinePolicy],
  "aws:iam/role:Role": (props) => asList(props.inlinePolicies as unknown[]).map((p) => asObject(p).policy),
};

/**
 * No policy document grants every action on every resource (`"Action": "*"` or `"*:*"` with `"Resource": "*"`):
 * full administration goes through the AWS managed AdministratorAccess policy on an Identity Center permission
 * set, where it is visible and audited, never through a hand-written document attached to a role or user.
 */
export const iamPolicyNoWildcardAdmin = defineResourcePolicy({
  name: "iam-policy-no-wildcard-admin",
  description: 'IAM policy documents never allow every action ("*" or "*:*") on every resource.',
  severity: "critical",
  remediationSteps:
    "Grant the actions the principal needs on the resources it needs (least privilege); for human administrators " +
    "use the Administrator permission set of IAM Identity Center instead of a wildcard document.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
  area: "aws",
  types: Object.keys(DOCUMENTS),
  check: (args, report) => {
    const owner = displayName(args.props, args.name);
    for (const document of DOCUMENTS[args.type](args.props)) {
      for (const statement of statementsOf(document) ?? []) {
        const everyAction = statement.actions.some((action) => action === "*" || action === "*:*");
        if (statement.effect === "Allow" && everyAction && statement.resources.includes("*")) {
          report(
            `policy ${owner} statement ${statement.label} allows every action on every resource; ` +
              "grant only the actions and resources needed",
          );
        }
      }
    }
  },
});
