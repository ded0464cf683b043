/**
 * The policies of the management account's two CI roles. Read as an attacker's map: every write the deploy role
 * could use to widen itself (its own role, its policies, the boundary, the state backend, the keys, Identity Center,
 * the organization's access role) is either not granted or explicitly denied, and each closed path is listed with
 * what a legitimate change now needs in docs/runbooks/landing-zone.md, "Escalation paths closed".
 */
import { boundedIdentityStatements, keyGuardDenies, protectedIdentityDenies } from "./guardrails";
import { foundationRoleArn, MEMBER_DEPLOYER_ROLE, MEMBER_PREVIEWER_ROLE, ORGANIZATION_ACCESS_ROLE } from "./iam-path";
import { renderPolicy, Statement } from "./policy-document";

/**
 * The services the deploy role manages in the management account, service-wide: the organization, the state
 * bucket and the state key. The workloads live in member accounts (`foundation-deployer`); IAM, Identity Center and
 * STS are granted statement by statement below, never service-wide.
 */
export const DEPLOY_SERVICES = ["kms", "organizations", "s3"] as const;

/** IAM Identity Center writes on permission sets; each names the instance and the permission set as resources. */
export const PERMISSION_SET_WRITE_ACTIONS = [
  "sso:UpdatePermissionSet",
  "sso:DeletePermissionSet",
  "sso:ProvisionPermissionSet",
  "sso:PutInlinePolicyToPermissionSet",
  "sso:DeleteInlinePolicyFromPermissionSet",
  "sso:AttachManagedPolicyToPermissionSet",
  "sso:DetachManagedPolicyFromPermissionSet",
  "sso:TagResource",
  "sso:UntagResource",
] as const;

/** IAM Identity Center writes on assignments; each names the instance, the permission set and the account. */
export const ASSIGNMENT_WRITE_ACTIONS = ["sso:CreateAccountAssignment", "sso:DeleteAccountAssignment"] as const;

/** What the stack's Identity Center looks like to the deploy policy. */
export interface IdentityCenterScope {
  /** `arn:aws:sso:::instance/ssoins-...`. */
  readonly instanceArn: string;
  /** `d-...`. */
  readonly identityStoreId: string;
  /** Ids of the groups the stack manages. */
  readonly groupIds: readonly string[];
  /** Accounts assignments may target: the organization's accounts the config names. */
  readonly accountIds: readonly string[];
  /**
   * Tags every permission set of the stack carries (the AWS provider's `defaultTags`): the deploy role may write
   * only permission sets that carry all of them, and create only permission sets that ask for all of them.
   */
  readonly tags: Readonly<Record<string, string>>;
}

/** What {@link deployPolicy} scopes its grants and guardrails to. */
export interface DeployScope {
  /** The management account. */
  readonly accountId: string;
  /** The region of the state backend. */
  readonly region: string;
  /** Host of the GitLab instance: the name of its IAM OIDC provider. */
  readonly gitlabHost: string;
  /** The Pulumi state bucket. */
  readonly stateBucketName: string;
  /** Alias of the state key (`alias/foundation-state`), which the secrets provider URLs name. */
  readonly stateKeyAlias: string;
  /** Names of the two CI roles (`foundation-preview`, `foundation-deploy`). */
  readonly ciRoleNames: readonly string[];
  /** Managed policies attached to the CI roles (the state read and write policies). */
  readonly ciPolicyArns: readonly string[];
  /** The member accounts, whose `foundation-deployer` role the deploy role assumes. */
  readonly memberAccountIds: readonly string[];
  readonly identityCenter: IdentityCenterScope;
}

/** The statement the CI roles share: never `OrganizationAccountAccessRole`, which trusts the whole account. */
const NO_ORGANIZATION_ACCESS_ROLE: Statement = {
  Sid: "NoOrganizationAccessRole",
  Effect: "Deny",
  Action: "sts:AssumeRole",
  Resource: `arn:aws:iam::*:role/${ORGANIZATION_ACCESS_ROLE}`,
};

/** Equality conditions on every tag of `tags`, under `aws:ResourceTag/` or `aws:RequestTag/`. */
function tagConditions(kind: "ResourceTag" | "RequestTag", tags: Readonly<Record<string, string>>) {
  return { StringEquals: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:${kind}/${k}`, v])) };
}

/**
 * Identity Center writes limited to what the stack manages. Permission sets by tag: the `PermissionSet` resource
 * type takes `aws:ResourceTag/${TagKey}`, and a create takes `aws:RequestTag/${TagKey}`, so the deploy role can
 * neither touch a permission set made by hand nor tag one into its reach (tagging needs the tags already there).
 * Instance and accounts by ARN: an assignment names instance, permission set and account, and each must be allowed
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamidentitycentersuccessortoawssinglesign-on.html).
 * Groups: creating one in the identity store, and updating or deleting the stack's own, by ARN; never users or
 * memberships, so no pipeline can put anyone into a group
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentitystore.html).
 */
function identityCenterStatements(accountId: string, scope: IdentityCenterScope): Statement[] {
  const instanceId = scope.instanceArn.split("/").pop() ?? scope.instanceArn;
  const permissionSets = `arn:aws:sso:::permissionSet/${instanceId}/*`;
  const store = `arn:aws:identitystore::${accountId}:identitystore/${scope.identityStoreId}`;
  return [
    {
      Sid: "ReadIdentityCenter",
      Effect: "Allow",
      Action: [
        "sso:Describe*",
        "sso:Get*",
        "sso:List*",
        "identitystore:Describe*",
        "identitystore:Get*",
        "identitystore:List*",
      ],
      Resource: "*",
    },
    {
      Sid: "CreateTaggedPermissionSets",
      Effect: "Allow",
      Action: "sso:CreatePermissionSet",
      Resource: [scope.instanceArn, permissionSets],
      Condition: tagConditions("RequestTag", scope.tags),
    },
    {
      Sid: "WriteTaggedPermissionSets",
      Effect: "Allow",
      Action: [...PERMISSION_SET_WRITE_ACTIONS, ...ASSIGNMENT_WRITE_ACTIONS],
      Resource: permissionSets,
      Condition: tagConditions("ResourceTag", scope.tags),
    },
    {
      Sid: "InTheInstanceAndTheOrganizationsAccounts",
      Effect: "Allow",
      Action: [...PERMISSION_SET_WRITE_ACTIONS, ...ASSIGNMENT_WRITE_ACTIONS],
      Resource: [scope.instanceArn, ...scope.accountIds.map((id) => `arn:aws:sso:::account/${id}`)],
    },
    {
      Sid: "CreateGroups",
      Effect: "Allow",
      Action: "identitystore:CreateGroup",
      Resource: [store, "arn:aws:identitystore:::group/*"],
    },
    {
      Sid: "WriteOwnGroups",
      Effect: "Allow",
      Action: ["identitystore:UpdateGroup", "identitystore:DeleteGroup"],
      Resource: [store, ...scope.groupIds.map((id) => `arn:aws:identitystore:::group/${id}`)],
    },
  ];
}

/**
 * The deploy role's policy in the management account. Allows: {@link DEPLOY_SERVICES}; IAM reads; IAM writes under
 * Foundation's path only with the account's permissions boundary; the GitLab OIDC provider; Identity Center within
 * the stack's permission sets, groups and accounts; assuming `foundation-deployer` in the member accounts. Denies,
 * whatever else allows it: leaving or closing accounts of the organization; every write to the two CI roles, their
 * managed policies and the boundary, and removing any boundary; disabling, deleting, re-policying or granting out
 * any KMS key; the state bucket's deletion, policy, versioning, lifecycle, object lock, public access block,
 * encryption, ownership controls, ACL, replication and old versions, and repointing the state key's alias;
 * `OrganizationAccountAccessRole`. A change to any of those is a person's (docs/runbooks/landing-zone.md).
 */
export function deployPolicy(scope: DeployScope): string {
  const bucket = `arn:aws:s3:::${scope.stateBucketName}`;
  const roleArns = scope.ciRoleNames.map((name) => foundationRoleArn(scope.accountId, name));
  return renderPolicy([
    {
      Sid: "ManageFoundationServices",
      Effect: "Allow",
      Action: DEPLOY_SERVICES.map((service) => `${service}:*`),
      Resource: "*",
    },
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    ...boundedIdentityStatements({ accountId: scope.accountId, serviceLinkedRoles: ["sso.amazonaws.com"] }),
    {
      Sid: "ManageGitlabOidcProvider",
      Effect: "Allow",
      Action: [
        "iam:CreateOpenIDConnectProvider",
        "iam:DeleteOpenIDConnectProvider",
        "iam:UpdateOpenIDConnectProviderThumbprint",
        "iam:AddClientIDToOpenIDConnectProvider",
        "iam:RemoveClientIDFromOpenIDConnectProvider",
        "iam:TagOpenIDConnectProvider",
        "iam:UntagOpenIDConnectProvider",
      ],
      Resource: `arn:aws:iam::${scope.accountId}:oidc-provider/${scope.gitlabHost}`,
    },
    ...identityCenterStatements(scope.accountId, scope.identityCenter),
    {
      Sid: "AssumeMemberDeployers",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: scope.memberAccountIds.map((id) => foundationRoleArn(id, MEMBER_DEPLOYER_ROLE)),
    },
    {
      Sid: "KeepTheOrganization",
      Effect: "Deny",
      Action: [
        "organizations:CloseAccount",
        "organizations:DeleteOrganization",
        "organizations:LeaveOrganization",
        "organizations:RemoveAccountFromOrganization",
      ],
      Resource: "*",
    },
    ...protectedIdentityDenies({ accountId: scope.accountId, roleArns, policyArns: scope.ciPolicyArns }),
    ...keyGuardDenies(scope.accountId),
    {
      // Every S3 action that changes how the state is kept. The Delete* forms of encryption, lifecycle, ownership
      // controls, public access block and replication are authorized by the matching Put* action
      // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html and siblings).
      Sid: "KeepState",
      Effect: "Deny",
      Action: [
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:PutBucketVersioning",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketAcl",
        "s3:PutReplicationConfiguration",
        "s3:DeleteObjectVersion",
      ],
      Resource: [bucket, `${bucket}/*`],
    },
    {
      // The secrets provider URLs name the key by alias: repointing it would encrypt new secrets with another key.
      Sid: "KeepStateKeyAlias",
      Effect: "Deny",
      Action: ["kms:UpdateAlias", "kms:DeleteAlias"],
      Resource: `arn:aws:kms:${scope.region}:${scope.accountId}:${scope.stateKeyAlias}`,
    },
    NO_ORGANIZATION_ACCESS_ROLE,
  ]);
}

/**
 * The preview role's own policy, beside `ReadOnlyAccess` and the state read policy: assuming the read-only
 * `foundation-previewer` of each member account, since a preview reads the member accounts through their providers,
 * and never `OrganizationAccountAccessRole`.
 */
export function previewPolicy(memberAccountIds: readonly string[]): string {
  return renderPolicy([
    {
      Sid: "AssumeMemberPreviewers",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: memberAccountIds.map((id) => foundationRoleArn(id, MEMBER_PREVIEWER_ROLE)),
    },
    NO_ORGANIZATION_ACCESS_ROLE,
  ]);
}
