/**
 * The IAM statements that keep a CI role from widening itself, shared by the management account's deploy role
 * (ci-policies.ts) and the member accounts' deployer roles (components/aws/member-account.ts), and the
 * permissions boundary every identity they create must carry. Why each one exists, and what a legitimate change needs
 * instead: docs/runbooks/landing-zone.md, "Escalation paths closed".
 *
 * Action names and condition keys are those of the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html);
 * the boundary pattern is AWS's own
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html#access_policies_boundaries-delegate).
 */
import { boundaryArn, FOUNDATION_IAM_PATH, iamArn } from "./iam-path";
import { KEY_USER_ACTIONS } from "./kms-key";
import { renderPolicy, Statement } from "./policy-document";

/**
 * IAM writes that give an identity permissions. Each takes the `iam:PermissionsBoundary` condition key: for
 * `CreateRole`, `CreateUser` and `Put*PermissionsBoundary` it is the boundary the request sets, for the others the
 * boundary the role or user already has. Allowed only when that is the account's boundary.
 */
export const BOUNDED_IDENTITY_ACTIONS = [
  "iam:CreateRole",
  "iam:PutRolePermissionsBoundary",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:CreateUser",
  "iam:PutUserPermissionsBoundary",
  "iam:AttachUserPolicy",
  "iam:DetachUserPolicy",
  "iam:PutUserPolicy",
  "iam:DeleteUserPolicy",
] as const;

/**
 * IAM writes on Foundation's roles and users that grant no permission by themselves (descriptions, trust, tags,
 * deletion, the access keys of bounded users). They take no boundary condition key, so they are allowed on the path
 * and the CI roles are carved out by an explicit Deny.
 */
export const IDENTITY_UPKEEP_ACTIONS = [
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:UpdateAssumeRolePolicy",
  "iam:DeleteRole",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateUser",
  "iam:DeleteUser",
  "iam:TagUser",
  "iam:UntagUser",
  "iam:CreateAccessKey",
  "iam:UpdateAccessKey",
  "iam:DeleteAccessKey",
] as const;

/** Every write to a managed policy: its creation, its versions (a new default version rewrites it), its tags. */
export const POLICY_WRITE_ACTIONS = [
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:TagPolicy",
  "iam:UntagPolicy",
] as const;

/** Every IAM write to a role, and passing it to a service: what a CI role may never do to itself or its peer. */
export const ROLE_WRITE_ACTIONS = [
  "iam:CreateRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:DeleteRole",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:PassRole",
] as const;

/** Removing a boundary: the one IAM write that would lift every bounded identity's ceiling at once. */
export const BOUNDARY_REMOVAL_ACTIONS = [
  "iam:DeleteRolePermissionsBoundary",
  "iam:DeleteUserPermissionsBoundary",
] as const;

/**
 * What an EC2 Image Builder build instance does (components/aws/runner-image.ts): the Systems Manager agent that
 * receives Image Builder's commands, and AWSTOE fetching its component and writing its log; the data-plane halves
 * of the AWS managed policies `AmazonSSMManagedInstanceCore` and `EC2InstanceProfileForImageBuilder`
 * (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-builder-setting-up.html). No SSM action that
 * sends commands, reads parameters or documents of others is among them.
 */
export const IMAGE_BUILD_ACTIONS = [
  "ssm:UpdateInstanceInformation",
  "ssm:ListInstanceAssociations",
  "ssm:UpdateInstanceAssociationStatus",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
  "imagebuilder:GetComponent",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
] as const;

/**
 * What any identity a CI role creates may ever do: the data-plane actions of the runner fleet's manager (the
 * fleeting plugin and the cache), of the lab's ExternalDNS and cert-manager (its zone), of External Secrets (its
 * secrets) and of the fleet image's build instances ({@link IMAGE_BUILD_ACTIONS}), and nothing that manages IAM,
 * keys, buckets, accounts or Identity Center. A workload that needs more
 * changes the boundary, which only a person can.
 */
export const WORKLOAD_ACTIONS = [
  "autoscaling:Describe*",
  "autoscaling:SetDesiredCapacity",
  "autoscaling:TerminateInstanceInAutoScalingGroup",
  "ec2:Describe*",
  "ec2-instance-connect:SendSSHPublicKey",
  "s3:ListBucket",
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  ...KEY_USER_ACTIONS,
  "route53:ChangeResourceRecordSets",
  "route53:GetChange",
  "route53:ListHostedZones",
  "route53:ListHostedZonesByName",
  "route53:ListResourceRecordSets",
  "route53:ListTagsForResources",
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetSecretValue",
  ...IMAGE_BUILD_ACTIONS,
] as const;

/** What {@link boundedIdentityStatements} scopes to. */
export interface IdentityScope {
  /** The account the CI role writes IAM in. */
  readonly accountId: string;
  /**
   * Services allowed to create their service-linked roles (`autoscaling.amazonaws.com`); a service-linked role's
   * permissions are AWS's, and it cannot carry a boundary.
   */
  readonly serviceLinkedRoles: readonly string[];
  /** Services the CI role may pass Foundation's bounded roles to (`rolesanywhere.amazonaws.com`). */
  readonly passRoleTo?: readonly string[];
}

/**
 * The IAM writes a CI role may make in its account: roles and users under {@link FOUNDATION_IAM_PATH} only with the
 * account's boundary (`iam:PermissionsBoundary`), upkeep of those identities, the path's managed policies, and the
 * service-linked roles of the named services. The CI roles themselves and the boundary are carved out by
 * {@link protectedIdentityDenies}.
 */
export function boundedIdentityStatements(scope: IdentityScope): Statement[] {
  const identities = [
    iamArn(scope.accountId, `role${FOUNDATION_IAM_PATH}*`),
    iamArn(scope.accountId, `user${FOUNDATION_IAM_PATH}*`),
  ];
  const statements: Statement[] = [
    {
      Sid: "GrantOnlyWithinBoundary",
      Effect: "Allow",
      Action: [...BOUNDED_IDENTITY_ACTIONS],
      Resource: identities,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaryArn(scope.accountId) } },
    },
    { Sid: "KeepFoundationIdentities", Effect: "Allow", Action: [...IDENTITY_UPKEEP_ACTIONS], Resource: identities },
    {
      Sid: "ManageFoundationPolicies",
      Effect: "Allow",
      Action: [...POLICY_WRITE_ACTIONS],
      Resource: iamArn(scope.accountId, `policy${FOUNDATION_IAM_PATH}*`),
    },
  ];
  if ((scope.passRoleTo ?? []).length > 0) {
    statements.push({
      Sid: "PassBoundedRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: iamArn(scope.accountId, `role${FOUNDATION_IAM_PATH}*`),
      Condition: { StringEquals: { "iam:PassedToService": [...(scope.passRoleTo ?? [])] } },
    });
  }
  if (scope.serviceLinkedRoles.length > 0) {
    statements.push({
      Sid: "CreateServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: iamArn(scope.accountId, "role/aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": [...scope.serviceLinkedRoles] } },
    });
  }
  return statements;
}

/** What {@link protectedIdentityDenies} protects. */
export interface ProtectedIdentities {
  /** The account the boundary belongs to. */
  readonly accountId: string;
  /** The CI roles of the account (the role that holds the policy and its peer). */
  readonly roleArns: readonly string[];
  /** Managed policies attached to those roles, which a new default version would rewrite. */
  readonly policyArns?: readonly string[];
}

/**
 * Explicit Denies that win over every Allow: no IAM write on the CI roles or their managed policies, no change to
 * the account's boundary (creating it included, so a deleted boundary cannot come back rewritten), and no removal
 * of any boundary.
 */
export function protectedIdentityDenies(scope: ProtectedIdentities): Statement[] {
  return [
    { Sid: "KeepCiRoles", Effect: "Deny", Action: [...ROLE_WRITE_ACTIONS], Resource: [...scope.roleArns] },
    {
      Sid: "KeepCiPoliciesAndBoundary",
      Effect: "Deny",
      Action: [...POLICY_WRITE_ACTIONS],
      Resource: [boundaryArn(scope.accountId), ...(scope.policyArns ?? [])],
    },
    { Sid: "KeepBoundaries", Effect: "Deny", Action: [...BOUNDARY_REMOVAL_ACTIONS], Resource: "*" },
  ];
}

/**
 * Explicit Denies on every KMS key of the account: no deletion or disabling (keys are `protect`ed; losing one loses
 * what it encrypted), no key policy change (a key policy can hand the key to anyone), and no grant to a principal
 * outside the account. `kms:GranteePrincipal` is always in a CreateGrant request, and a negated operator is true for
 * a missing key, so the Deny fails closed
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grantee-principal).
 */
export function keyGuardDenies(accountId: string): Statement[] {
  return [
    { Sid: "KeepKeys", Effect: "Deny", Action: ["kms:DisableKey", "kms:ScheduleKeyDeletion"], Resource: "*" },
    { Sid: "KeepKeyPolicies", Effect: "Deny", Action: "kms:PutKeyPolicy", Resource: "*" },
    {
      Sid: "NoGrantsOutsideAccount",
      Effect: "Deny",
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: {
        StringNotLike: { "kms:GranteePrincipal": [`arn:aws:iam::${accountId}:*`, `arn:aws:sts::${accountId}:*`] },
      },
    },
  ];
}

/** What {@link permissionsBoundaryPolicy} is rendered for. */
export interface BoundaryScope {
  /** The account the boundary is a policy of. */
  readonly accountId: string;
  /** The most a bounded identity may do; none in the management account, where no workload runs. */
  readonly allowedActions: readonly string[];
  /** The account's CI roles, which no bounded identity may change. */
  readonly ciRoleArns: readonly string[];
}

/**
 * The permissions boundary: the ceiling of every identity a CI role creates. It allows {@link WORKLOAD_ACTIONS}
 * (or nothing), and denies, for defence in depth should the ceiling ever be raised, changing the boundary itself,
 * removing any boundary and changing the CI roles. A boundary grants nothing by itself: an identity may do what both
 * its own policies and the boundary allow
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
 */
export function permissionsBoundaryPolicy(scope: BoundaryScope): string {
  const statements: Statement[] = [];
  if (scope.allowedActions.length > 0) {
    statements.push({ Sid: "WorkloadCeiling", Effect: "Allow", Action: [...scope.allowedActions], Resource: "*" });
  }
  statements.push(
    {
      Sid: "NoBoundaryChanges",
      Effect: "Deny",
      Action: [...POLICY_WRITE_ACTIONS],
      Resource: boundaryArn(scope.accountId),
    },
    { Sid: "NoBoundaryRemoval", Effect: "Deny", Action: [...BOUNDARY_REMOVAL_ACTIONS], Resource: "*" },
    { Sid: "NoCiRoleChanges", Effect: "Deny", Action: [...ROLE_WRITE_ACTIONS], Resource: [...scope.ciRoleArns] },
  );
  return renderPolicy(statements);
}
