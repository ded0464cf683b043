/** The `aws` stack (phase 1): the landing zone on the runner-critical path. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { EtcdBackupStore } from "../../components/aws/etcd-backup-store";
import { GitlabOidc } from "../../components/aws/gitlab-oidc";
import { foundationRoleArn } from "../../components/aws/iam-path";
import { IdentityCenter } from "../../components/aws/identity-center";
import { KmsKey } from "../../components/aws/kms-key";
import { LabAccess } from "../../components/aws/lab-access";
import { MemberAccountAccess } from "../../components/aws/member-account";
import { Organization } from "../../components/aws/organization";
import { PermissionsBoundary } from "../../components/aws/permissions-boundary";
import { FleetImage, RunnerFleet } from "../../components/aws/runner-fleet";
import { StateBackend } from "../../components/aws/state-backend";
import { standardTags } from "../../components/aws/tags";
import { ContractExports } from "../contract";
import { accountProvider, MEMBER_ROLE_ENV, memberRoleArn } from "./accounts";
import { deployPolicy, previewPolicy } from "../../components/aws/ci-policies";
import { AwsConfig, awsConfig, MANAGEMENT_ACCOUNT } from "./config";
import { awsOutputs } from "./outputs";

/** The CI roles' policies, defined in components/aws/ci-policies.ts and re-exported where the program and its tests import them. */
export { DEPLOY_SERVICES, deployPolicy, previewPolicy } from "../../components/aws/ci-policies";
/** What the deploy policy is scoped to. */
export type { DeployScope } from "../../components/aws/ci-policies";

/** Where each build of the fleet's image writes its AMI id, one parameter per architecture under it. */
export const RUNNER_IMAGE_PARAMETER_PREFIX = "/imagebuilder/foundation/runner-image";

/** The fleet's image as the component takes it, from `foundation:runnerFleet.image`. */
function fleetImage(image: AwsConfig["runnerFleet"]["image"]): FleetImage | undefined {
  if (image === undefined) return undefined;
  return {
    ...(image.pinned === null ? {} : { pinned: image.pinned }),
    bake: {
      variants: image.bake.variants,
      nodeExporterVersion: image.bake.nodeExporterVersion,
      schedule: image.bake.schedule,
      scheduleTimezone: image.bake.timezone,
      parameterPrefix: RUNNER_IMAGE_PARAMETER_PREFIX,
    },
  };
}

/** Registers the `aws` stack's resources and returns its contract's outputs. */
export function awsProgram(): ContractExports<typeof awsOutputs> {
  const config = awsConfig();
  const tags = standardTags({
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    owner: config.owner,
    costCenter: config.costCenter,
  });
  // The management account: the organization, Identity Center, the state backend and the CI roles, with the
  // ambient credentials (a person's profile, or the CI role the job assumed).
  const provider = accountProvider("aws", { region: config.region, accountId: config.accountId, tags });
  const randomProvider = new random.Provider("random");
  const tlsProvider = new tls.Provider("tls");
  const opts = { providers: { aws: provider, random: randomProvider, tls: tlsProvider } };

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
  const accountIdOf = (name: string) => accountIds.apply((ids) => ids[name]);
  const allAccounts = [MANAGEMENT_ACCOUNT, ...config.organization.accounts.map((a) => a.name)];

  const instance = aws.ssoadmin.getInstancesOutput({}, { provider });
  const identityCenter = new IdentityCenter(
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
      accountIds: Object.fromEntries(allAccounts.map((n) => [n, accountIdOf(n)])),
    },
    opts,
  );

  // The member accounts that hold workloads, in config order, each once.
  const memberAccounts = [...new Set([config.workloads.runnerFleet, config.workloads.lab])];
  const memberAccountIds = pulumi.all(memberAccounts.map(accountIdOf));

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
          ? {
              ...spec,
              managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
              inlinePolicies: { "foundation-preview": memberAccountIds.apply(previewPolicy) },
            }
          : spec,
      ),
    },
    opts,
  );
  const preview = oidc.roles[previewSpec.name];
  const deploy = oidc.roles[deploySpec.name];
  const ciRoleArns = [previewSpec, deploySpec].map((spec) => foundationRoleArn(config.accountId, spec.name));

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

  // The management account's boundary allows nothing: no workload runs there, so a role or user the deploy role
  // could create there would be inert.
  new PermissionsBoundary("iam-boundary", { accountId: config.accountId, allowedActions: [], ciRoleArns }, opts);

  // The deploy policy names the managed policies the state backend attaches to the CI roles, so it is added after.
  oidc.addInlinePolicy(
    deploySpec.name,
    "foundation-deploy",
    pulumi
      .all([
        memberAccountIds,
        state.readPolicyArn,
        state.writePolicyArn,
        instance.arns[0],
        instance.identityStoreIds[0],
        identityCenter.groupIds,
        pulumi.all(allAccounts.map(accountIdOf)),
      ])
      .apply(([members, readPolicyArn, writePolicyArn, instanceArn, identityStoreId, groupIds, assignable]) =>
        deployPolicy({
          accountId: config.accountId,
          region: config.region,
          gitlabHost: new URL(config.gitlabOidc.url).host,
          stateBucketName: config.stateBackend.bucketName,
          stateKeyAlias: config.stateBackend.keyAlias,
          ciRoleNames: [previewSpec.name, deploySpec.name],
          ciPolicyArns: [readPolicyArn, writePolicyArn],
          memberAccountIds: members,
          identityCenter: {
            instanceArn,
            identityStoreId,
            groupIds: Object.values(groupIds),
            accountIds: assignable,
            tags: { ManagedBy: tags.ManagedBy, Project: tags.Project, Stack: tags.Stack },
          },
        }),
      ),
  );

  // One provider per member account, pinned to it, assuming the role that fits who runs the stack
  // (stacks/aws/accounts.ts), and in each account the roles and boundary that make that possible.
  const caller = aws.getCallerIdentityOutput({}, { provider });
  const members = Object.fromEntries(
    memberAccounts.map((account) => {
      const accountId = accountIdOf(account);
      const memberProvider = accountProvider(`aws-${account}`, {
        region: config.region,
        accountId,
        roleArn: pulumi
          .all([accountId, caller.arn])
          .apply(([id, callerArn]) => memberRoleArn(id, callerArn, previewSpec.name, process.env[MEMBER_ROLE_ENV])),
        tags,
      });
      const access = new MemberAccountAccess(
        `member-${account}`,
        { accountId, managementAccountId: config.accountId, deployRoleArn: deploy.arn, previewRoleArn: preview.arn },
        { providers: { aws: memberProvider } },
      );
      return [account, { accountId, provider: memberProvider, access }] as const;
    }),
  );
  const fleetAccount = members[config.workloads.runnerFleet];
  const labAccount = members[config.workloads.lab];

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
      image: fleetImage(config.runnerFleet.image),
      region: config.region,
      accountId: fleetAccount.accountId,
      permissionsBoundary: fleetAccount.access.boundaryArn,
    },
    { providers: { aws: fleetAccount.provider, random: randomProvider, tls: tlsProvider } },
  );

  const labOpts = { providers: { aws: labAccount.provider, random: randomProvider, tls: tlsProvider } };
  const appSecrets = new KmsKey(
    "app-secrets",
    {
      description: "Application secrets of the lab cluster in Secrets Manager",
      alias: config.kms.appSecretsAlias,
      accountId: labAccount.accountId,
      userArns: [labAccount.access.deployerRoleArn],
      viaServices: [`secretsmanager.${config.region}.amazonaws.com`],
    },
    labOpts,
  );

  const lab = new LabAccess(
    "lab",
    {
      domain: config.lab.domain,
      secretsPrefix: config.lab.secretsPrefix,
      secretsKeyArn: appSecrets.arn,
      secrets: config.lab.secrets,
      credentialRotation: config.lab.credentialRotation,
      accountId: labAccount.accountId,
      region: config.region,
      permissionsBoundary: labAccount.access.boundaryArn,
    },
    labOpts,
  );

  // The lab cluster's etcd snapshots leave the lab for the lab account: a restore point must survive the loss of
  // every node it was taken from.
  const etcdBackup = new EtcdBackupStore(
    "lab-etcd-backup",
    {
      bucketName: config.lab.etcdBackup.bucketName,
      keyPrefix: config.lab.etcdBackup.keyPrefix,
      retentionDays: config.lab.etcdBackup.retentionDays,
      noncurrentRetentionDays: config.lab.etcdBackup.noncurrentRetentionDays,
      keyAlias: config.kms.etcdBackupAlias,
      secretsPrefix: config.lab.secretsPrefix,
      credentialsSecret: config.lab.etcdBackup.credentialsSecret,
      secretsKeyArn: appSecrets.arn,
      credentialRotation: config.lab.etcdBackup.credentialRotation,
      accountId: labAccount.accountId,
      region: config.region,
      permissionsBoundary: labAccount.access.boundaryArn,
    },
    labOpts,
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
      .all([state.keyArn, fleet.cacheKeyArn, appSecrets.arn, etcdBackup.keyArn])
      .apply(([stateKey, runnerCacheKey, appSecretsKey, etcdBackupKey]) => ({
        state: stateKey,
        runnerCache: runnerCacheKey,
        appSecrets: appSecretsKey,
        etcdBackup: etcdBackupKey,
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
    etcdBackup: etcdBackup.destination,
  };
}
