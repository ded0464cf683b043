/** The `aws` stack (phase 1): the landing zone on the runner-critical path. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { GitlabOidc } from "../../components/aws/gitlab-oidc";
import { FOUNDATION_IAM_PATH } from "../../components/aws/iam-path";
import { IdentityCenter } from "../../components/aws/identity-center";
import { KmsKey } from "../../components/aws/kms-key";
import { LabAccess } from "../../components/aws/lab-access";
import { Organization } from "../../components/aws/organization";
import { renderPolicy } from "../../components/aws/policy-document";
import { RunnerFleet } from "../../components/aws/runner-fleet";
import { StateBackend } from "../../components/aws/state-backend";
import { standardTags } from "../../components/aws/tags";
import { ContractExports } from "../contract";
import { awsConfig, MANAGEMENT_ACCOUNT } from "./config";
import { awsOutputs } from "./outputs";

/**
 * The services the deploy role may change: the ones Foundation's stacks manage, and nothing else. A service-level
 * grant (not `*:*`) keeps a compromised pipeline out of everything the landing zone does not own. IAM is not among
 * them: the deploy role writes IAM identities under Foundation's path only ({@link deployPolicy}).
 */
export const DEPLOY_SERVICES = [
  "autoscaling",
  "ec2",
  "identitystore",
  "kms",
  "organizations",
  "rolesanywhere",
  "route53",
  "secretsmanager",
  "s3",
  "sso",
  "ssm",
] as const;

/** What {@link deployPolicy} scopes its grants and guardrails to. */
export interface DeployScope {
  /** The management account the stacks deploy into. */
  readonly accountId: string;
  /** Host of the GitLab instance: the name of its IAM OIDC provider. */
  readonly gitlabHost: string;
  /** The Pulumi state bucket. */
  readonly stateBucketName: string;
}

/**
 * The deploy role's policy. Allows: the managed services; IAM reads everywhere (refresh reads attached AWS-managed
 * policies); IAM writes only to roles, policies and users under {@link FOUNDATION_IAM_PATH} and to the GitLab OIDC
 * provider, plus the service-linked roles that Auto Scaling, Spot and Identity Center create for themselves. Denies,
 * whatever a later grant says, what no pipeline may do even to resources it manages: take the account out of the
 * organization or close an account, delete or disable a KMS key (keys are `protect`ed; deleting one is a person's
 * decision), and delete the state bucket, its policy or old state versions (docs/runbooks/bootstrap-state.md).
 */
export function deployPolicy(scope: DeployScope): string {
  const iam = (resource: string) => `arn:aws:iam::${scope.accountId}:${resource}`;
  const bucket = `arn:aws:s3:::${scope.stateBucketName}`;
  return renderPolicy([
    {
      Sid: "ManageFoundationServices",
      Effect: "Allow",
      Action: DEPLOY_SERVICES.map((service) => `${service}:*`),
      Resource: "*",
    },
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    {
      Sid: "ManageFoundationIdentities",
      Effect: "Allow",
      Action: "iam:*",
      Resource: [
        iam(`role${FOUNDATION_IAM_PATH}*`),
        iam(`policy${FOUNDATION_IAM_PATH}*`),
        iam(`user${FOUNDATION_IAM_PATH}*`),
        iam(`oidc-provider/${scope.gitlabHost}`),
      ],
    },
    {
      Sid: "CreateServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: iam("role/aws-service-role/*"),
      Condition: {
        StringEquals: {
          "iam:AWSServiceName": ["autoscaling.amazonaws.com", "spot.amazonaws.com", "sso.amazonaws.com"],
        },
      },
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
    { Sid: "KeepKeys", Effect: "Deny", Action: ["kms:DisableKey", "kms:ScheduleKeyDeletion"], Resource: "*" },
    {
      Sid: "KeepState",
      Effect: "Deny",
      Action: ["s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteObjectVersion"],
      Resource: [bucket, `${bucket}/*`],
    },
  ]);
}

/** Registers the `aws` stack's resources and returns its contract's outputs. */
export function awsProgram(): ContractExports<typeof awsOutputs> {
  const config = awsConfig();
  const provider = new aws.Provider("aws", {
    region: config.region as aws.Region,
    // Refuse to touch any account but the management account named in config.
    allowedAccountIds: [config.accountId],
    defaultTags: {
      tags: standardTags({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        owner: config.owner,
        costCenter: config.costCenter,
      }),
    },
  });
  const opts = { providers: { aws: provider, random: new random.Provider("random"), tls: new tls.Provider("tls") } };

  const organization = new Organization(
    "organization",
    {
      adoptId: config.organization.adoptId,
      awsServiceAccessPrincipals: config.organization.awsServiceAccessPrincipals,
      enabledPolicyTypes: config.organization.enabledPolicyTypes,
      organizationalUnits: config.organization.organizationalUnits,
      accounts: config.organization.accounts,
    },
    opts,
  );
  const accountIds = organization.accountIds.apply((ids): Record<string, string> => ({
    [MANAGEMENT_ACCOUNT]: config.accountId,
    ...ids,
  }));

  const instance = aws.ssoadmin.getInstancesOutput({}, { provider });
  new IdentityCenter(
    "identity-center",
    {
      instanceArn: instance.arns[0],
      identityStoreId: instance.identityStoreIds[0],
      groups: config.identityCenter.groups,
      permissionSets: config.identityCenter.permissionSets.map((set) => ({
        ...set,
        inlinePolicy: set.inlinePolicy ? JSON.stringify(set.inlinePolicy) : undefined,
      })),
      assignments: config.identityCenter.assignments,
      accountIds: Object.fromEntries(
        [MANAGEMENT_ACCOUNT, ...config.organization.accounts.map((a) => a.name)].map((n) => [
          n,
          accountIds.apply((ids) => ids[n]),
        ]),
      ),
    },
    opts,
  );

  const roleSpecs = config.gitlabOidc.roles;
  const previewSpec = roleSpecs.find((r) => r.kind === "preview");
  const deploySpec = roleSpecs.find((r) => r.kind === "deploy");
  if (!previewSpec || !deploySpec) throw new Error("gitlabOidc.roles: one preview and one deploy role are required");
  const oidc = new GitlabOidc(
    "gitlab-oidc",
    {
      gitlabUrl: config.gitlabOidc.url,
      audience: config.gitlabOidc.audience,
      roles: roleSpecs.map((spec) =>
        spec.kind === "preview"
          ? { ...spec, managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }
          : {
              ...spec,
              inlinePolicies: {
                "foundation-deploy": deployPolicy({
                  accountId: config.accountId,
                  gitlabHost: new URL(config.gitlabOidc.url).host,
                  stateBucketName: config.stateBackend.bucketName,
                }),
              },
            },
      ),
    },
    opts,
  );
  const preview = oidc.roles[previewSpec.name];
  const deploy = oidc.roles[deploySpec.name];

  const state = new StateBackend(
    "state",
    {
      bucketName: config.stateBackend.bucketName,
      region: config.region,
      accountId: config.accountId,
      keyAlias: config.stateBackend.keyAlias,
      keyDeletionWindowDays: config.stateBackend.keyDeletionWindowDays,
      noncurrentVersionExpirationDays: config.stateBackend.noncurrentVersionExpirationDays,
      readerRoles: [preview.name],
      writerRoles: [deploy.name],
      keyUserArns: [preview.arn, deploy.arn],
    },
    opts,
  );

  const fleet = new RunnerFleet(
    "ci",
    {
      pools: config.runnerFleet.pools,
      vpcCidr: config.runnerFleet.vpcCidr,
      availabilityZones: config.runnerFleet.availabilityZones,
      managerSourceCidrs: config.runnerFleet.managerSourceCidrs,
      rootVolumeGiB: config.runnerFleet.rootVolumeGiB,
      cacheBucketName: config.runnerFleet.cacheBucketName,
      cacheExpirationDays: config.runnerFleet.cacheExpirationDays,
      cacheKeyAlias: config.kms.runnerCacheAlias,
      managerCommonName: config.runnerFleet.managerCommonName,
      region: config.region,
      accountId: config.accountId,
    },
    opts,
  );
  const appSecrets = new KmsKey(
    "app-secrets",
    {
      description: "Application secrets of the lab cluster in Secrets Manager",
      alias: config.kms.appSecretsAlias,
      accountId: config.accountId,
      userArns: [deploy.arn],
      viaServices: [`secretsmanager.${config.region}.amazonaws.com`],
    },
    opts,
  );

  const lab = new LabAccess(
    "lab",
    {
      domain: config.lab.domain,
      secretsPrefix: config.lab.secretsPrefix,
      secretsKeyArn: appSecrets.arn,
      secrets: config.lab.secrets,
      credentialRotation: config.lab.credentialRotation,
    },
    opts,
  );

  return {
    region: config.region,
    accountId: config.accountId,
    accountIds,
    stateBucketName: state.bucketName,
    stateBackendUrl: state.backendUrl,
    secretsProviderUrl: state.secretsProviderUrl,
    stateKeyArn: state.keyArn,
    stateKeyAlias: state.keyAlias,
    kmsKeyArns: pulumi
      .all([state.keyArn, fleet.cacheKeyArn, appSecrets.arn])
      .apply(([stateKey, runnerCacheKey, appSecretsKey]) => ({
        state: stateKey,
        runnerCache: runnerCacheKey,
        appSecrets: appSecretsKey,
      })),
    oidcProviderArn: oidc.providerArn,
    previewRoleArn: preview.arn,
    deployRoleArn: deploy.arn,
    runnerPools: config.runnerFleet.pools,
    runnerFleet: pulumi
      .all([
        fleet.asgNames,
        fleet.cacheBucketName,
        fleet.cacheKeyArn,
        fleet.managerRoleArn,
        fleet.trustAnchorArn,
        fleet.profileArn,
        fleet.managerCertificatePem,
      ])
      .apply(
        ([
          asgNames,
          cacheBucketName,
          cacheKeyArn,
          managerRoleArn,
          trustAnchorArn,
          profileArn,
          managerCertificatePem,
        ]) => ({
          asgNames,
          cacheBucketName,
          cacheKeyArn,
          managerRoleArn,
          trustAnchorArn,
          profileArn,
          managerCertificatePem,
        }),
      ),
    runnerManagerPrivateKeyPem: fleet.managerPrivateKeyPem,
    labDomain: config.lab.domain,
    labZoneId: lab.zoneId,
    labNameServers: lab.nameServers,
    labSecretsPrefix: config.lab.secretsPrefix,
    labSecretNames: lab.secretNames,
    labDnsCredentials: lab.dnsCredentials,
    labSecretsCredentials: lab.secretsCredentials,
  };
}
