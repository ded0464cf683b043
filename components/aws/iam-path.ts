/**
 * The IAM path of every role, managed policy and user Foundation creates. The deploy role may write IAM identities
 * under this path only (components/aws/ci-policies.ts `deployPolicy`), so a pipeline cannot touch the account's other
 * roles, and an IAM path cannot be changed in place: moving an identity here replaces it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-friendly-names
 */
export const FOUNDATION_IAM_PATH = "/foundation/";

/**
 * Name of the permissions boundary policy (under {@link FOUNDATION_IAM_PATH}) that every role and user the CI roles
 * create must carry, one per account (a boundary must be a managed policy of the identity's own account).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
 */
export const BOUNDARY_POLICY_NAME = "foundation-boundary";

/** The role the deploy role assumes in a member account (docs/runbooks/landing-zone.md, "Member accounts"). */
export const MEMBER_DEPLOYER_ROLE = "foundation-deployer";

/** The read-only role the preview role assumes in a member account, for previews and drift checks. */
export const MEMBER_PREVIEWER_ROLE = "foundation-previewer";

/**
 * The role AWS Organizations creates in every account it creates, trusted by the whole management account
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html).
 * Only a person with the Administrator permission set uses it (the member accounts' bootstrap); the CI roles are
 * denied it.
 */
export const ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole";

/** An IAM ARN in `accountId`: `iamArn("123456789012", "role/foundation/x")`. */
export function iamArn(accountId: string, resource: string): string {
  return `arn:aws:iam::${accountId}:${resource}`;
}

/** ARN of a role under {@link FOUNDATION_IAM_PATH}. */
export function foundationRoleArn(accountId: string, name: string): string {
  return iamArn(accountId, `role${FOUNDATION_IAM_PATH}${name}`);
}

/**
 * ARN of the account's permissions boundary. It is computed, not read from the policy resource, so that the deploy
 * policy's conditions and every bounded identity name the very same string, and so that the CI roles' policies do
 * not depend on the boundary's creation.
 */
export function boundaryArn(accountId: string): string {
  return iamArn(accountId, `policy${FOUNDATION_IAM_PATH}${BOUNDARY_POLICY_NAME}`);
}
