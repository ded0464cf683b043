/**
 * The `aws` stack's AWS providers: one per account it deploys into, each pinned to its account with
 * `allowedAccountIds`, the member accounts' reached by assuming a role there (docs/runbooks/landing-zone.md,
 * "Member accounts"; https://www.pulumi.com/registry/packages/aws/api-docs/provider/).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  foundationRoleArn,
  iamArn,
  MEMBER_DEPLOYER_ROLE,
  MEMBER_PREVIEWER_ROLE,
  ORGANIZATION_ACCESS_ROLE,
} from "../../components/aws/iam-path";

/**
 * The environment variable a person sets to `OrganizationAccountAccessRole` to run the stack as the member
 * accounts' administrator: the bootstrap of their CI roles, and the changes those roles may not make to themselves.
 */
export const MEMBER_ROLE_ENV = "FOUNDATION_AWS_MEMBER_ROLE";

/**
 * The role a member account's provider assumes, from who runs the stack: the preview role (merge request
 * previews, drift checks) gets the read-only `foundation-previewer`; anyone else the `foundation-deployer`, which
 * trusts the deploy role alone; a person who sets {@link MEMBER_ROLE_ENV} gets `OrganizationAccountAccessRole`.
 * Pulumi keeps a provider's inputs in the state like any resource's, so a preview run after a deploy shows the
 * provider's `assumeRoles` as changed: an update of the provider alone, which touches no resource
 * (https://www.pulumi.com/docs/iac/concepts/resources/providers/#explicit-provider-configuration).
 *
 * @param callerArn the management account identity the stack runs as (`sts get-caller-identity`)
 * @param previewRoleName name of the management account's preview role
 * @param override the value of {@link MEMBER_ROLE_ENV}, if set
 */
export function memberRoleArn(
  accountId: string,
  callerArn: string,
  previewRoleName: string,
  override: string | undefined,
): string {
  if (override !== undefined && override !== "") {
    if (override !== ORGANIZATION_ACCESS_ROLE) {
      throw new pulumi.RunError(
        `${MEMBER_ROLE_ENV}=${override}: the only role a person may choose is ${ORGANIZATION_ACCESS_ROLE}; ` +
          `unset it to use ${MEMBER_DEPLOYER_ROLE}`,
      );
    }
    return iamArn(accountId, `role/${ORGANIZATION_ACCESS_ROLE}`);
  }
  const callerRole = /^arn:aws[\w-]*:sts::\d{12}:assumed-role\/([^/]+)\//.exec(callerArn)?.[1];
  return foundationRoleArn(accountId, callerRole === previewRoleName ? MEMBER_PREVIEWER_ROLE : MEMBER_DEPLOYER_ROLE);
}

/** What {@link accountProvider} needs. */
export interface AccountProviderArgs {
  readonly region: string;
  /** The one account the provider may touch. */
  readonly accountId: pulumi.Input<string>;
  /** A role in that account to assume; none for the management account, reached with the ambient credentials. */
  readonly roleArn?: pulumi.Input<string>;
  /** The standard tag set, applied to every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * An AWS provider for one account. `allowedAccountIds` makes the provider refuse to run when its credentials, after
 * the role is assumed, belong to any other account, so a wrong role ARN or profile fails before any change.
 */
export function accountProvider(name: string, args: AccountProviderArgs): aws.Provider {
  return new aws.Provider(name, {
    region: args.region as aws.Region,
    allowedAccountIds: [args.accountId],
    ...(args.roleArn === undefined
      ? {}
      : { assumeRoles: [{ roleArn: args.roleArn, sessionName: `foundation-${pulumi.getStack()}` }] }),
    defaultTags: { tags: { ...args.tags } },
  });
}
