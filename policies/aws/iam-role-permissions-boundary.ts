import { BOUNDARY_POLICY_NAME, FOUNDATION_IAM_PATH } from "../../components/aws/iam-path";
import { defineStackPolicy } from "../policy";
import { ciRoles, identitiesOf } from "./iam-identities";

/** ARN of an account's boundary, by the name components/aws/iam-path.ts gives it. */
const BOUNDARY = new RegExp(`^arn:aws[\\w-]*:iam::(\\d{12}):policy${FOUNDATION_IAM_PATH}${BOUNDARY_POLICY_NAME}$`);

/**
 * Every role and user under Foundation's IAM path carries its account's permissions boundary, the ceiling a CI role
 * may create identities under (components/aws/guardrails.ts): without it, whatever the pipeline attaches to an
 * identity is what the identity may do. The CI roles are the exception, recognised by their trust: roles GitLab CI
 * assumes through its OIDC provider, and roles whose every trust statement admits only those (their halves in the
 * member accounts). Their own explicit Denies bound them instead.
 */
export const iamRolePermissionsBoundary = defineStackPolicy({
  name: "iam-role-permissions-boundary",
  description:
    "Every IAM role and user under Foundation's path, except the CI roles, carries its account's permissions boundary.",
  severity: "high",
  remediationSteps:
    `Set permissionsBoundary on the role or user to its own account's ${BOUNDARY_POLICY_NAME} policy ` +
    `(arn:aws:iam::<account>:policy${FOUNDATION_IAM_PATH}${BOUNDARY_POLICY_NAME}, boundaryArn in ` +
    "components/aws/iam-path.ts), taken from the account's MemberAccountAccess so that the identity waits for the " +
    "boundary; the CI roles may create and change identities only with it.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html",
  area: "aws",
  check: (args, report) => {
    const identities = identitiesOf(args.resources);
    const exempt = ciRoles(identities);
    for (const identity of identities) {
      if (!identity.path.startsWith(FOUNDATION_IAM_PATH) || exempt.has(identity.resource)) continue;
      if (identity.boundary === null) continue; // unknown at preview: checked at update
      const expected = `arn:aws:iam::${identity.accountId ?? "<account>"}:policy${FOUNDATION_IAM_PATH}${BOUNDARY_POLICY_NAME}`;
      if (identity.boundary === undefined) {
        report(
          `${identity.kind} ${identity.name} under ${FOUNDATION_IAM_PATH} has no permissions boundary; set ` +
            `permissionsBoundary to its account's ${BOUNDARY_POLICY_NAME} policy (${expected})`,
          identity.resource.urn,
        );
        continue;
      }
      const account = BOUNDARY.exec(identity.boundary)?.[1];
      if (account === undefined || (identity.accountId !== undefined && account !== identity.accountId)) {
        report(
          `${identity.kind} ${identity.name} has permissions boundary ${identity.boundary}, not its account's ` +
            `${BOUNDARY_POLICY_NAME} policy; set permissionsBoundary to ${expected}`,
          identity.resource.urn,
        );
      }
    }
  },
});
