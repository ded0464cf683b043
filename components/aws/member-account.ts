import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { boundedIdentityStatements, keyGuardDenies, protectedIdentityDenies, WORKLOAD_ACTIONS } from "./guardrails";
import { FOUNDATION_IAM_PATH, foundationRoleArn, MEMBER_DEPLOYER_ROLE, MEMBER_PREVIEWER_ROLE } from "./iam-path";
import { PermissionsBoundary } from "./permissions-boundary";
import { renderPolicy } from "./policy-document";

/**
 * The services the deployer role manages in a member account: what the runner fleet and the lab's AWS resources are
 * made of. Not IAM (below), not Organizations, Identity Center or STS.
 */
export const MEMBER_DEPLOY_SERVICES = [
  "autoscaling",
  "ec2",
  "imagebuilder",
  "kms",
  "rolesanywhere",
  "route53",
  "s3",
  "secretsmanager",
] as const;

/**
 * The trust of a member account's CI role: the management account, and of it only the one CI role named by
 * `aws:PrincipalArn`. Naming the account root with the condition, rather than the role ARN as principal, keeps the
 * trust valid if the management role is ever recreated (IAM would otherwise pin the deleted role's unique id);
 * `sts:ExternalId` is for third parties and adds nothing between accounts of one organization
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html).
 */
export function memberTrustPolicy(managementAccountId: string, principalArn: string): string {
  return renderPolicy([
    {
      Sid: "FoundationCiRole",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${managementAccountId}:root` },
      Action: "sts:AssumeRole",
      Condition: { ArnEquals: { "aws:PrincipalArn": principalArn } },
    },
  ]);
}

/**
 * The deployer role's policy in a member account: the workload services, IAM reads, IAM writes under Foundation's
 * path only with the account's permissions boundary, passing bounded roles to Roles Anywhere and (through Foundation's
 * instance profiles) to EC2, the service-linked roles of Auto Scaling, Spot and Image Builder, and `ssm:GetParameters`
 * for the AMI aliases and image parameters launch templates resolve. Denied,
 * whatever else allows it: any write to the account's two CI roles and its boundary, and the KMS key guards.
 */
export function memberDeployerPolicy(accountId: string): string {
  return renderPolicy([
    {
      Sid: "ManageWorkloadServices",
      Effect: "Allow",
      Action: MEMBER_DEPLOY_SERVICES.map((service) => `${service}:*`),
      Resource: "*",
    },
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    {
      // Launch templates name their AMI as resolve:ssm:/aws/service/... (components/aws/runner-fleet.ts).
      Sid: "ResolvePublicAmiParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: "arn:aws:ssm:*::parameter/aws/service/*",
    },
    {
      // ...or as resolve:ssm:/imagebuilder/foundation/runner-image/<arch>, the parameter the image pipeline's builds
      // write (components/aws/runner-image.ts).
      Sid: "ResolveFleetImageParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: `arn:aws:ssm:*:${accountId}:parameter/imagebuilder/foundation/*`,
    },
    {
      // Image Builder's build instances start from an instance profile of Foundation's bounded role.
      Sid: "ManageFoundationInstanceProfiles",
      Effect: "Allow",
      Action: [
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
        "iam:UntagInstanceProfile",
      ],
      Resource: `arn:aws:iam::${accountId}:instance-profile${FOUNDATION_IAM_PATH}*`,
    },
    ...boundedIdentityStatements({
      accountId,
      serviceLinkedRoles: ["autoscaling.amazonaws.com", "spot.amazonaws.com", "imagebuilder.amazonaws.com"],
      // EC2 takes the image build role through its instance profile (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html).
      passRoleTo: ["rolesanywhere.amazonaws.com", "ec2.amazonaws.com"],
    }),
    ...protectedIdentityDenies({
      accountId,
      roleArns: [
        foundationRoleArn(accountId, MEMBER_DEPLOYER_ROLE),
        foundationRoleArn(accountId, MEMBER_PREVIEWER_ROLE),
      ],
    }),
    ...keyGuardDenies(accountId),
  ]);
}

/** Arguments of {@link MemberAccountAccess}. */
export interface MemberAccountAccessArgs {
  /** The member account (the provider's account). */
  readonly accountId: pulumi.Input<string>;
  /** The management account, whose CI roles the member roles trust. */
  readonly managementAccountId: string;
  /** The management account's deploy role: the only principal the deployer role trusts. */
  readonly deployRoleArn: pulumi.Input<string>;
  /** The management account's preview role: the only principal the previewer role trusts. */
  readonly previewRoleArn: pulumi.Input<string>;
}

/**
 * How Foundation's CI reaches a member account: the account's permissions boundary, the `foundation-deployer` role
 * the deploy role assumes (workload services, IAM only within the boundary) and the `foundation-previewer` role the
 * preview role assumes (`ReadOnlyAccess`). Register it on the member account's own provider.
 *
 * The two roles carry no boundary: they are the account's CI roles, bounded by their own explicit Denies, and the
 * deployer denies itself every write to all three. They are created, and changed later, by a person whose run assumes
 * `OrganizationAccountAccessRole` (docs/runbooks/landing-zone.md, "Member accounts").
 */
export class MemberAccountAccess extends pulumi.ComponentResource {
  /** ARN of the deployer role; depends on the role. */
  readonly deployerRoleArn: pulumi.Output<string>;
  /** ARN of the previewer role. */
  readonly previewerRoleArn: pulumi.Output<string>;
  /** ARN of the account's permissions boundary; depends on the policy, so identities that carry it wait for it. */
  readonly boundaryArn: pulumi.Output<string>;
  /** The boundary's policy resource: identities that carry the boundary depend on it. */
  readonly boundaryPolicy: aws.iam.Policy;

  constructor(name: string, args: MemberAccountAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:MemberAccountAccess", name, {}, opts);
    const accountId = pulumi.output(args.accountId);
    const roleArn = (role: string) => accountId.apply((id) => foundationRoleArn(id, role));

    const boundary = new PermissionsBoundary(
      `${name}-boundary`,
      {
        accountId,
        allowedActions: [...WORKLOAD_ACTIONS],
        ciRoleArns: [roleArn(MEMBER_DEPLOYER_ROLE), roleArn(MEMBER_PREVIEWER_ROLE)],
      },
      { parent: this },
    );

    const role = (kind: "deployer" | "previewer", roleName: string, trusted: pulumi.Input<string>) =>
      new aws.iam.Role(
        `${name}-${kind}`,
        {
          name: roleName,
          path: FOUNDATION_IAM_PATH,
          description: `Foundation CI ${kind} in this member account, assumed from the management account`,
          assumeRolePolicy: pulumi
            .output(trusted)
            .apply((principalArn) => memberTrustPolicy(args.managementAccountId, principalArn)),
          maxSessionDuration: 3600,
        },
        { parent: this },
      );
    const deployer = role("deployer", MEMBER_DEPLOYER_ROLE, args.deployRoleArn);
    new aws.iam.RolePolicy(
      `${name}-deployer`,
      { role: deployer.name, name: "foundation-deploy", policy: accountId.apply(memberDeployerPolicy) },
      { parent: this },
    );
    const previewer = role("previewer", MEMBER_PREVIEWER_ROLE, args.previewRoleArn);
    new aws.iam.RolePolicyAttachment(
      `${name}-previewer-readonly`,
      { role: previewer.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
      { parent: this },
    );

    // The ARNs are computed, so that they name the member account even where only the provider knows it, and carry
    // the resources as dependencies, so that whatever names them waits for them.
    const after = (arn: pulumi.Output<string>, resource: pulumi.Output<string>) =>
      pulumi.all([arn, resource]).apply(([value]) => value);
    this.deployerRoleArn = after(roleArn(MEMBER_DEPLOYER_ROLE), deployer.arn);
    this.previewerRoleArn = after(roleArn(MEMBER_PREVIEWER_ROLE), previewer.arn);
    this.boundaryArn = after(boundary.arn, boundary.policy.arn);
    this.boundaryPolicy = boundary.policy;
    this.registerOutputs({
      deployerRoleArn: this.deployerRoleArn,
      previewerRoleArn: this.previewerRoleArn,
      boundaryArn: this.boundaryArn,
    });
  }
}
