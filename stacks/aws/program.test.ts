import { readFileSync } from "node:fs";
import { join } from "node:path";
import { boundaryArn } from "../../components/aws/iam-path";
import { AccessRequest, Decision, decide, Principal } from "../../components/aws/iam-evaluator";
import { planStacks, StackPlan } from "../../tools/plan/engine";
import { RecordedResource } from "../../tools/plan/monitor";
import { readProjectFile, readStackConfig } from "../../tools/plan/stack-files";
import { record, Recording } from "../../tools/plan/testing";
import { reveal } from "../../tools/plan/values";
import { iamPolicyNoSelfEscalation } from "../../policies/aws/iam-policy-no-self-escalation";
import { iamRolePermissionsBoundary } from "../../policies/aws/iam-role-permissions-boundary";
import { iamRoleTrustAccountPinned } from "../../policies/aws/iam-role-trust-account-pinned";
import { s3BucketKmsUploadsOnly } from "../../policies/aws/s3-bucket-kms-uploads-only";
import { runResourcePolicy, runStackPolicy, StackResourceFixture } from "../../policies/testing";
import { fleetUserData } from "../../components/aws/runner-fleet";
import { awsProgram, DEPLOY_SERVICES, deployPolicy } from "./index";

const root = join(__dirname, "..", "..");
const sample = readStackConfig(root, readProjectFile(root), "aws");
const testdata = (file: string) => readFileSync(join(__dirname, "testdata", file), "utf8");

const MANAGEMENT = sample.config["foundation:accountId"];
const CI = "210987654321"; // adopted: foundation:organization.accounts[ci].adoptId
const BUCKET = "arn:aws:s3:::mson-foundation-state-example";
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/foundation/${name}`;
const DEPLOY_ROLE = role(MANAGEMENT, "foundation-deploy");
const PREVIEW_ROLE = role(MANAGEMENT, "foundation-preview");

let rec: Recording;
let plan: StackPlan;
beforeAll(async () => {
  rec = await record(() => awsProgram(), { stack: "aws", config: sample.config, secretKeys: sample.secretKeys });
  [plan] = await planStacks({ root, stacks: ["aws"] });
});

const policyOf = (name: string, type: string) => rec.inputsOf(name, type).policy as string;
const accountIds = () => reveal(rec.outputs.accountIds) as Record<string, string>;

describe("the aws stack with the sample config", () => {
  it("protects exactly the organization, its OUs and accounts, the KMS keys, the state and etcd backup buckets, the lab zone and the runner CA", () => {
    expect(
      rec.resources
        .filter((r) => r.protect)
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
    ).toEqual(
      [
        "aws:kms/key:Key::app-secrets-key",
        "aws:kms/key:Key::ci-cache-key",
        "aws:kms/key:Key::lab-etcd-backup-key-key",
        "aws:kms/key:Key::state-kms-key",
        "aws:organizations/account:Account::organization-account-ci",
        "aws:organizations/account:Account::organization-account-lab",
        "aws:organizations/organization:Organization::organization-organization",
        "aws:organizations/organizationalUnit:OrganizationalUnit::organization-ou-infrastructure",
        "aws:organizations/organizationalUnit:OrganizationalUnit::organization-ou-sandbox",
        "aws:organizations/organizationalUnit:OrganizationalUnit::organization-ou-workloads",
        "aws:route53/zone:Zone::lab-zone",
        "aws:s3/bucket:Bucket::lab-etcd-backup-bucket-bucket",
        "aws:s3/bucket:Bucket::state-bucket",
        "tls:index/privateKey:PrivateKey::ci-ca",
        "tls:index/selfSignedCert:SelfSignedCert::ci-ca",
      ].sort(),
    );
  });

  it("makes the state, runner cache, application secrets and etcd backup keys with rotation and a 30-day window, each administered by its own account", () => {
    const keys = rec.ofType("aws:kms/key:Key");
    const owner: Record<string, string> = {
      "state-kms-key": MANAGEMENT,
      "ci-cache-key": CI,
      "app-secrets-key": accountIds().lab,
      "lab-etcd-backup-key-key": accountIds().lab,
    };
    expect(keys.map((k) => k.name).sort()).toEqual(Object.keys(owner).sort());
    for (const key of keys) {
      expect(reveal(key.inputs)).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
      // kms:* goes to the account root alone; every other statement names its principals.
      const statements = JSON.parse(reveal(key.inputs.policy) as string).Statement as {
        Action: string | string[];
        Principal: { AWS?: string | string[]; Service?: string | string[] };
      }[];
      for (const statement of statements) {
        const principals = [statement.Principal.AWS ?? statement.Principal.Service].flat();
        expect(principals).not.toContain("*");
        if ([statement.Action].flat().includes("kms:*")) {
          expect(principals).toEqual([`arn:aws:iam::${owner[key.name]}:root`]);
        }
      }
    }
  });

  it("keeps every role, managed policy and user it makes under Foundation's IAM path", () => {
    const paths = ["aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/user:User"]
      .flatMap((type) => rec.ofType(type))
      .map((r) => `${r.name} ${String(reveal(r.inputs.path))}`)
      .sort();
    expect(paths).toEqual(
      [
        "gitlab-oidc-foundation-preview /foundation/",
        "gitlab-oidc-foundation-deploy /foundation/",
        "member-ci-deployer /foundation/",
        "member-ci-previewer /foundation/",
        "member-lab-deployer /foundation/",
        "member-lab-previewer /foundation/",
        "ci-manager /foundation/",
        "ci-image-builder /foundation/",
        "state-read /foundation/",
        "state-write /foundation/",
        "iam-boundary /foundation/",
        "member-ci-boundary /foundation/",
        "member-lab-boundary /foundation/",
        "lab-dns /foundation/lab/",
        "lab-secrets /foundation/lab/",
        "lab-etcd-backup-writer /foundation/lab/",
      ].sort(),
    );
  });

  it("gives every role and user its own account's boundary, except the CI roles, which their Denies bound", () => {
    const bounded = [...rec.ofType("aws:iam/role:Role"), ...rec.ofType("aws:iam/user:User")].map((r) => [
      r.name,
      rec.inputsOf(r.name, r.type).permissionsBoundary,
    ]);
    expect(Object.fromEntries(bounded)).toEqual({
      "gitlab-oidc-foundation-preview": undefined,
      "gitlab-oidc-foundation-deploy": undefined,
      "member-ci-deployer": undefined,
      "member-ci-previewer": undefined,
      "member-lab-deployer": undefined,
      "member-lab-previewer": undefined,
      "ci-manager": boundaryArn(CI),
      "ci-image-builder": boundaryArn(CI),
      "lab-dns": boundaryArn(accountIds().lab),
      "lab-secrets": boundaryArn(accountIds().lab),
      "lab-etcd-backup-writer": boundaryArn(accountIds().lab),
    });
  });

  it("gives the preview role read-only access, state reads and member previewers, the deploy role its policy and state writes", () => {
    expect(rec.inputsOf("gitlab-oidc-foundation-preview-managed-0")).toEqual({
      role: "foundation-preview",
      policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
    });
    const attached = (name: string) => rec.inputsOf(name).policyArn as string;
    expect(rec.inputsOf("state-read-0").role).toBe("foundation-preview");
    expect(attached("state-read-0")).toMatch(/^arn:aws:iam::\d{12}:policy\/foundation\/state-read-/);
    expect(rec.inputsOf("state-write-0").role).toBe("foundation-deploy");
    expect(attached("state-write-0")).toMatch(/^arn:aws:iam::\d{12}:policy\/foundation\/state-write-/);
    expect(rec.inputsOf("gitlab-oidc-foundation-preview-foundation-preview").role).toBe("foundation-preview");
    const inline = rec.inputsOf("gitlab-oidc-foundation-deploy-foundation-deploy");
    expect(inline.role).toBe("foundation-deploy");
    const permissionSet = rec.inputsOf("identity-center-ps-readonly");
    const group = rec.named("identity-center-group-developers");
    expect(inline.policy).toBe(
      deployPolicy({
        accountId: MANAGEMENT,
        region: sample.config["foundation:region"],
        gitlabHost: "gitlab.example.com",
        stateBucketName: "mson-foundation-state-example",
        stateKeyAlias: "alias/foundation-state",
        ciRoleNames: ["foundation-preview", "foundation-deploy"],
        ciPolicyArns: [attached("state-read-0"), attached("state-write-0")],
        memberAccountIds: [CI, accountIds().lab],
        identityCenter: {
          instanceArn: permissionSet.instanceArn as string,
          identityStoreId: String(group.inputs.identityStoreId),
          groupIds: ["identity-center-group-platform-admins", "identity-center-group-developers"].map(
            (name) => rec.named(name).outputs.groupId as string,
          ),
          accountIds: [MANAGEMENT, CI, accountIds().lab],
          tags: { ManagedBy: "pulumi", Project: "foundation", Stack: "aws" },
        },
      }),
    );
  });
});

describe("the fleet's baked image and the lab's etcd backups", () => {
  it("boots the pools from the image pipeline's SSM parameter, after its first build, with user-data that installs nothing", () => {
    const template = rec.named("ci-arm64", "aws:ec2/launchTemplate:LaunchTemplate");
    expect(template.inputs.imageId).toBe("resolve:ssm:/imagebuilder/foundation/runner-image/arm64");
    expect(Buffer.from(String(template.inputs.userData), "base64").toString()).toBe(fleetUserData("baked"));
    expect(template.dependencies).toContain(rec.named("ci-image-arm64", "aws:imagebuilder/image:Image").urn);
    const distribution = rec.inputsOf(
      "ci-image-arm64",
      "aws:imagebuilder/distributionConfiguration:DistributionConfiguration",
    );
    expect(JSON.stringify(distribution.distributions)).toContain(
      '"parameterName":"/imagebuilder/foundation/runner-image/arm64"',
    );
    // One image per architecture the pools use: arm64 only, so no amd64 variant.
    expect(rec.ofType("aws:imagebuilder/imagePipeline:ImagePipeline").map((p) => p.name)).toEqual(["ci-image-arm64"]);
  });

  it("publishes where the etcd snapshots go, and names the writer's key without carrying it", () => {
    const destination = reveal(rec.outputs.etcdBackup) as Record<string, string>;
    expect(destination).toEqual({
      bucketName: "mson-lab-etcd-backups",
      region: "eu-central-1",
      keyPrefix: "etcd/lab/",
      kmsKeyArn: rec.named("lab-etcd-backup-key-key").outputs.arn,
      credentialsSecretName: "lab/etcd-backup/credentials",
    });
    expect((reveal(rec.outputs.kmsKeyArns) as Record<string, string>).etcdBackup).toBe(destination.kmsKeyArn);
    // The writer's access key is a declared exception of the policy pack, like the lab controllers' keys.
    expect(JSON.parse(sample.config["foundation:policyConfig"])["iam-accesskey-no-user-keys"].allowedUsers).toContain(
      "lab-etcd-backup-writer",
    );
  });
});

describe("what the CI roles' policies rely on", () => {
  it("fit IAM's quotas: 10,240 characters of inline policy per role, 6,144 per managed policy", () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    // Inline policies add up per role, and a role is one name in one account (one provider).
    const perRole = new Map<string, number>();
    for (const p of rec.ofType("aws:iam/rolePolicy:RolePolicy")) {
      const key = `${String(p.provider)} ${String(rec.inputsOf(p.name, p.type).role)}`;
      perRole.set(key, (perRole.get(key) ?? 0) + policyOf(p.name, p.type).replace(/\s/g, "").length);
    }
    expect(perRole.size).toBe(5);
    for (const [role, length] of perRole) expect([role, length <= 10240]).toEqual([role, true]);
    for (const policy of rec.ofType("aws:iam/policy:Policy")) {
      expect([policy.name, policyOf(policy.name, policy.type).length <= 6144]).toEqual([policy.name, true]);
    }
  });

  it("tags every permission set, through the management provider's defaultTags, as the deploy policy requires", () => {
    const tags = JSON.parse(String(reveal(rec.named("aws", "pulumi:providers:aws").inputs.defaultTags))).tags;
    expect(tags).toMatchObject({ ManagedBy: "pulumi", Project: "foundation", Stack: "aws" });
    for (const set of rec.ofType("aws:ssoadmin/permissionSet:PermissionSet")) {
      expect(set.provider).toBe(rec.named("aws", "pulumi:providers:aws").urn);
    }
    const statements = JSON.parse(
      policyOf("gitlab-oidc-foundation-deploy-foundation-deploy", "aws:iam/rolePolicy:RolePolicy"),
    ).Statement as { Sid: string; Condition?: Record<string, Record<string, string>> }[];
    const condition = statements.find((s) => s.Sid === "WriteTaggedPermissionSets")?.Condition;
    expect(condition).toEqual({
      StringEquals: {
        "aws:ResourceTag/ManagedBy": tags.ManagedBy,
        "aws:ResourceTag/Project": tags.Project,
        "aws:ResourceTag/Stack": tags.Stack,
      },
    });
  });
});

describe("the deploy role, evaluated", () => {
  const lab = () => accountIds().lab;
  const deployRole = (): Principal => ({
    identity: [
      policyOf("gitlab-oidc-foundation-deploy-foundation-deploy", "aws:iam/rolePolicy:RolePolicy"),
      policyOf("state-write", "aws:iam/policy:Policy"),
    ],
  });
  const before: Principal = { identity: [testdata("deploy-policy-before.json")] };
  const stateWrite = () => rec.named("state-write", "aws:iam/policy:Policy").outputs.arn as string;
  const stateKey = () => rec.named("state-kms-key").outputs.arn as string;
  const instanceArn = () => rec.inputsOf("identity-center-ps-readonly").instanceArn as string;
  const permissionSet = (id: string, tags: Record<string, string>) => ({
    arn: `arn:aws:sso:::permissionSet/${instanceArn().split("/").pop()}/${id}`,
    context: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
  });
  const FOUNDATION_TAGS = { ManagedBy: "pulumi", Project: "foundation", Stack: "aws" };
  const assignment = (set: { arn: string; context: Record<string, string> }, account: string): AccessRequest => ({
    action: "sso:CreateAccountAssignment",
    resource: [{ arn: instanceArn() }, set, { arn: `arn:aws:sso:::account/${account}` }],
  });
  const foreignGroup = "arn:aws:identitystore:::group/00000000-0000-4000-a000-000000000000";
  const ownGroup = () =>
    `arn:aws:identitystore:::group/${rec.named("identity-center-group-platform-admins").outputs.groupId as string}`;

  /** Each escalation path: open in the policy before this change, closed now (explicit or implicit deny). */
  const paths: [string, () => AccessRequest, Decision][] = [
    [
      "attach AdministratorAccess to itself",
      () => ({
        action: "iam:AttachRolePolicy",
        resource: DEPLOY_ROLE,
        context: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" },
      }),
      "explicit-deny",
    ],
    ["rewrite its own trust", () => ({ action: "iam:UpdateAssumeRolePolicy", resource: DEPLOY_ROLE }), "explicit-deny"],
    ["replace its inline policy", () => ({ action: "iam:PutRolePolicy", resource: DEPLOY_ROLE }), "explicit-deny"],
    ["drop its Deny statements", () => ({ action: "iam:DeleteRolePolicy", resource: DEPLOY_ROLE }), "explicit-deny"],
    ["tag itself", () => ({ action: "iam:TagRole", resource: DEPLOY_ROLE }), "explicit-deny"],
    ["widen the preview role", () => ({ action: "iam:AttachRolePolicy", resource: PREVIEW_ROLE }), "explicit-deny"],
    [
      "open the preview role's trust",
      () => ({ action: "iam:UpdateAssumeRolePolicy", resource: PREVIEW_ROLE }),
      "explicit-deny",
    ],
    [
      "rewrite the state policy attached to itself",
      () => ({ action: "iam:CreatePolicyVersion", resource: stateWrite() }),
      "explicit-deny",
    ],
    [
      "switch that policy's version",
      () => ({ action: "iam:SetDefaultPolicyVersion", resource: stateWrite() }),
      "explicit-deny",
    ],
    [
      "create an unbounded role under its path",
      () => ({ action: "iam:CreateRole", resource: role(MANAGEMENT, "backdoor") }),
      "implicit-deny",
    ],
    [
      "create an unbounded user under its path",
      () => ({ action: "iam:CreateUser", resource: `arn:aws:iam::${MANAGEMENT}:user/foundation/backdoor` }),
      "implicit-deny",
    ],
    [
      "lift a role's boundary",
      () => ({ action: "iam:DeleteRolePermissionsBoundary", resource: role(MANAGEMENT, "bounded") }),
      "explicit-deny",
    ],
    [
      "rewrite the boundary",
      () => ({ action: "iam:CreatePolicyVersion", resource: boundaryArn(MANAGEMENT) }),
      "explicit-deny",
    ],
    [
      "assign a permission set made by hand",
      () => assignment(permissionSet("ps-breakglass0000000", {}), CI),
      "implicit-deny",
    ],
    [
      "assign the stack's permission set in an account outside the organization",
      () => assignment(permissionSet("ps-administrator000", FOUNDATION_TAGS), "999999999999"),
      "implicit-deny",
    ],
    [
      "put an admin policy on a permission set made by hand",
      () => ({
        action: "sso:PutInlinePolicyToPermissionSet",
        resource: [{ arn: instanceArn() }, permissionSet("ps-breakglass0000000", {})],
      }),
      "implicit-deny",
    ],
    [
      "tag a permission set made by hand into its reach",
      () => ({
        action: "sso:TagResource",
        resource: [{ arn: instanceArn() }, permissionSet("ps-breakglass0000000", {})],
        context: {
          "aws:RequestTag/ManagedBy": "pulumi",
          "aws:RequestTag/Project": "foundation",
          "aws:RequestTag/Stack": "aws",
        },
      }),
      "implicit-deny",
    ],
    [
      "add itself to a group",
      () => ({ action: "identitystore:CreateGroupMembership", resource: ownGroup() }),
      "implicit-deny",
    ],
    ["create an identity store user", () => ({ action: "identitystore:CreateUser", resource: "*" }), "implicit-deny"],
    [
      "rename a group it does not manage",
      () => ({ action: "identitystore:UpdateGroup", resource: foreignGroup }),
      "implicit-deny",
    ],
    [
      "expire the state's history",
      () => ({ action: "s3:PutLifecycleConfiguration", resource: BUCKET }),
      "explicit-deny",
    ],
    ["suspend the state's versioning", () => ({ action: "s3:PutBucketVersioning", resource: BUCKET }), "explicit-deny"],
    ["rewrite the state bucket's policy", () => ({ action: "s3:PutBucketPolicy", resource: BUCKET }), "explicit-deny"],
    [
      "lift the state bucket's public access block",
      () => ({ action: "s3:PutBucketPublicAccessBlock", resource: BUCKET }),
      "explicit-deny",
    ],
    [
      "change the state's encryption",
      () => ({ action: "s3:PutEncryptionConfiguration", resource: BUCKET }),
      "explicit-deny",
    ],
    [
      "turn the state bucket's ACLs back on",
      () => ({ action: "s3:PutBucketOwnershipControls", resource: BUCKET }),
      "explicit-deny",
    ],
    [
      "lock the state's objects",
      () => ({ action: "s3:PutBucketObjectLockConfiguration", resource: BUCKET }),
      "explicit-deny",
    ],
    [
      "replicate the state elsewhere",
      () => ({ action: "s3:PutReplicationConfiguration", resource: BUCKET }),
      "explicit-deny",
    ],
    ["hand the state key to anyone", () => ({ action: "kms:PutKeyPolicy", resource: stateKey() }), "explicit-deny"],
    [
      "grant the state key to another account",
      () => ({
        action: "kms:CreateGrant",
        resource: stateKey(),
        context: { "kms:GranteePrincipal": "arn:aws:iam::999999999999:role/attacker" },
      }),
      "explicit-deny",
    ],
    [
      "repoint the state key's alias",
      () => ({ action: "kms:UpdateAlias", resource: `arn:aws:kms:eu-central-1:${MANAGEMENT}:alias/foundation-state` }),
      "explicit-deny",
    ],
  ];

  it.each(paths)("was open before: %s", (_path, request) => {
    expect(decide(before, request())).toBe("allow");
  });

  it.each(paths)("is closed now: %s", (_path, request, decision) => {
    expect(decide(deployRole(), request())).toBe(decision);
  });

  it("never reaches OrganizationAccountAccessRole, in any account", () => {
    for (const account of [CI, lab(), MANAGEMENT]) {
      const request = {
        action: "sts:AssumeRole",
        resource: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      };
      expect(decide(deployRole(), request)).toBe("explicit-deny");
    }
  });

  it.each<[string, () => AccessRequest]>([
    [
      "create a role with the boundary",
      () => ({
        action: "iam:CreateRole",
        resource: role(MANAGEMENT, "worker"),
        context: { "iam:PermissionsBoundary": boundaryArn(MANAGEMENT) },
      }),
    ],
    [
      "attach a policy to a bounded role",
      () => ({
        action: "iam:AttachRolePolicy",
        resource: role(MANAGEMENT, "worker"),
        context: { "iam:PermissionsBoundary": boundaryArn(MANAGEMENT) },
      }),
    ],
    [
      "change a bounded role's trust",
      () => ({ action: "iam:UpdateAssumeRolePolicy", resource: role(MANAGEMENT, "worker") }),
    ],
    [
      "manage a managed policy of its path",
      () => ({ action: "iam:CreatePolicyVersion", resource: `arn:aws:iam::${MANAGEMENT}:policy/foundation/x` }),
    ],
    [
      "keep the GitLab OIDC provider",
      () => ({
        action: "iam:AddClientIDToOpenIDConnectProvider",
        resource: `arn:aws:iam::${MANAGEMENT}:oidc-provider/gitlab.example.com`,
      }),
    ],
    ["write state", () => ({ action: "s3:PutObject", resource: `${BUCKET}/.pulumi/stacks/foundation/aws.json` })],
    ["encrypt with the state key", () => ({ action: "kms:GenerateDataKey", resource: stateKey() })],
    [
      "grant a key inside the account",
      () => ({
        action: "kms:CreateGrant",
        resource: stateKey(),
        context: { "kms:GranteePrincipal": role(MANAGEMENT, "worker") },
      }),
    ],
    [
      "assign the stack's permission set in the organization",
      () => assignment(permissionSet("ps-readonly0000000", FOUNDATION_TAGS), lab()),
    ],
    [
      "create a permission set carrying the stack's tags",
      () => ({
        action: "sso:CreatePermissionSet",
        resource: [{ arn: instanceArn() }, permissionSet("ps-new0000000000000", {})],
        context: {
          "aws:RequestTag/ManagedBy": "pulumi",
          "aws:RequestTag/Project": "foundation",
          "aws:RequestTag/Stack": "aws",
        },
      }),
    ],
    [
      "change the inline policy of the stack's permission set",
      () => ({
        action: "sso:PutInlinePolicyToPermissionSet",
        resource: [{ arn: instanceArn() }, permissionSet("ps-readonly0000000", FOUNDATION_TAGS)],
      }),
    ],
    ["update a group it manages", () => ({ action: "identitystore:UpdateGroup", resource: ownGroup() })],
    [
      "assume the deployer of the ci account",
      () => ({ action: "sts:AssumeRole", resource: role(CI, "foundation-deployer") }),
    ],
    [
      "assume the deployer of the lab account",
      () => ({ action: "sts:AssumeRole", resource: role(lab(), "foundation-deployer") }),
    ],
    ["manage the organization", () => ({ action: "organizations:CreateAccount", resource: "*" })],
  ])("still may %s", (_what, request) => {
    expect(decide(deployRole(), request())).toBe("allow");
  });

  it("is refused a permission set create without the stack's tags, and the member previewers", () => {
    const untagged = {
      action: "sso:CreatePermissionSet",
      resource: [{ arn: instanceArn() }, permissionSet("ps-new0000000000000", {})],
    };
    expect(decide(deployRole(), untagged)).toBe("implicit-deny");
    expect(decide(deployRole(), { action: "sts:AssumeRole", resource: role(CI, "foundation-previewer") })).toBe(
      "implicit-deny",
    );
  });

  it("grants no service-wide IAM, Identity Center, identity store or STS write and nothing on *:*, and no workload service", () => {
    const statements = JSON.parse(
      policyOf("gitlab-oidc-foundation-deploy-foundation-deploy", "aws:iam/rolePolicy:RolePolicy"),
    ).Statement as { Effect: string; Action: string | string[] }[];
    const allowed = statements.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat());
    for (const wildcard of ["*", "*:*", "iam:*", "sso:*", "identitystore:*", "sts:*", "ec2:*", "route53:*"]) {
      expect(allowed).not.toContain(wildcard);
    }
    expect([...DEPLOY_SERVICES]).toEqual(["kms", "organizations", "s3"]);
    expect(decide(deployRole(), { action: "ec2:RunInstances", resource: "*" })).toBe("implicit-deny");
  });
});

describe("the preview role, evaluated", () => {
  const previewRole = (): Principal => ({
    identity: [policyOf("gitlab-oidc-foundation-preview-foundation-preview", "aws:iam/rolePolicy:RolePolicy")],
  });

  it("assumes the member accounts' previewers, not their deployers, and never OrganizationAccountAccessRole", () => {
    const lab = accountIds().lab;
    const assume = (resource: string) => decide(previewRole(), { action: "sts:AssumeRole", resource });
    expect(assume(role(CI, "foundation-previewer"))).toBe("allow");
    expect(assume(role(lab, "foundation-previewer"))).toBe("allow");
    expect(assume(role(CI, "foundation-deployer"))).toBe("implicit-deny");
    expect(assume(`arn:aws:iam::${CI}:role/OrganizationAccountAccessRole`)).toBe("explicit-deny");
  });
});

describe("the offline plan of the aws stack: every workload in its member account", () => {
  const resources = () => plan.resources;
  const byUrn = () => new Map(resources().map((r) => [r.urn, r]));
  const providerUrn = (name: string) => `urn:pulumi:aws::foundation::pulumi:providers:aws::${name}`;
  const provider = (name: string) => {
    const found = resources().find((r) => r.urn === providerUrn(name));
    if (!found) throw new Error(`no provider ${name}`);
    return reveal(found.inputs) as Record<string, string>;
  };
  /** The top-level component a resource belongs to (its ancestor right under the stack), or itself. */
  const topLevel = (resource: RecordedResource): string => {
    let current = resource;
    for (;;) {
      const parent = current.parent ? byUrn().get(current.parent) : undefined;
      if (!parent || parent.type === "pulumi:pulumi:Stack") return `${current.type}::${current.name}`;
      current = parent;
    }
  };
  const labId = () => (reveal(plan.outputs.accountIds) as Record<string, string>).lab;

  it("has one AWS provider per account, each pinned to its account by allowedAccountIds", () => {
    expect(
      resources()
        .filter((r) => r.type === "pulumi:providers:aws")
        .map((r) => r.name),
    ).toEqual(["aws", "aws-ci", "aws-lab"]);
    expect(JSON.parse(provider("aws").allowedAccountIds)).toEqual([MANAGEMENT]);
    expect(JSON.parse(provider("aws-ci").allowedAccountIds)).toEqual([CI]);
    expect(JSON.parse(provider("aws-lab").allowedAccountIds)).toEqual([labId()]);
    expect(labId()).toMatch(/^\d{12}$/);
    expect(labId()).not.toBe(MANAGEMENT);
  });

  it("reaches each member account by assuming its foundation-deployer, and the management account directly", () => {
    expect(provider("aws")).not.toHaveProperty("assumeRoles");
    expect(JSON.parse(provider("aws-ci").assumeRoles)).toEqual([
      { roleArn: role(CI, "foundation-deployer"), sessionName: "foundation-aws" },
    ]);
    expect(JSON.parse(provider("aws-lab").assumeRoles)).toEqual([
      { roleArn: role(labId(), "foundation-deployer"), sessionName: "foundation-aws" },
    ]);
    // The role each provider assumes is the one the stack makes in that account.
    for (const [account, id] of [
      ["ci", CI],
      ["lab", labId()],
    ]) {
      const deployer = resources().find(
        (r) => r.name === `member-${account}-deployer` && r.type === "aws:iam/role:Role",
      );
      expect(deployer?.provider).toBe(providerUrn(`aws-${account}`));
      expect(role(id, String(deployer?.inputs.name))).toBe(role(id, "foundation-deployer"));
    }
  });

  it("puts the fleet, its cache and key, Roles Anywhere, and the lab's zone, secrets, keys, users and etcd backups on their account's provider", () => {
    const on = (name: string) =>
      resources()
        .filter((r) => r.provider === providerUrn(name))
        .map((r) => `${r.type}::${r.name}`)
        .sort();
    expect(on("aws-ci")).toEqual(
      [
        "aws:autoscaling/group:Group::ci-arm64",
        "aws:autoscaling/group:Group::ci-arm64-dind",
        "aws:autoscaling/group:Group::ci-arm64-large",
        "aws:ec2/internetGateway:InternetGateway::ci-igw",
        "aws:ec2/launchTemplate:LaunchTemplate::ci-arm64",
        "aws:ec2/securityGroup:SecurityGroup::ci-image-builder",
        "aws:iam/instanceProfile:InstanceProfile::ci-image-builder",
        "aws:iam/role:Role::ci-image-builder",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment::ci-image-builder-AmazonSSMManagedInstanceCore",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment::ci-image-builder-EC2InstanceProfileForImageBuilder",
        "aws:imagebuilder/component:Component::ci-image-arm64",
        "aws:imagebuilder/distributionConfiguration:DistributionConfiguration::ci-image-arm64",
        "aws:imagebuilder/image:Image::ci-image-arm64",
        "aws:imagebuilder/imagePipeline:ImagePipeline::ci-image-arm64",
        "aws:imagebuilder/imageRecipe:ImageRecipe::ci-image-arm64",
        "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration::ci-image-arm64",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::ci-image-builder-https",
        "aws:ec2/routeTable:RouteTable::ci-public",
        "aws:ec2/routeTableAssociation:RouteTableAssociation::ci-public-eu-central-1a",
        "aws:ec2/routeTableAssociation:RouteTableAssociation::ci-public-eu-central-1b",
        "aws:ec2/routeTableAssociation:RouteTableAssociation::ci-public-eu-central-1c",
        "aws:ec2/securityGroup:SecurityGroup::ci-instances",
        "aws:ec2/subnet:Subnet::ci-public-eu-central-1a",
        "aws:ec2/subnet:Subnet::ci-public-eu-central-1b",
        "aws:ec2/subnet:Subnet::ci-public-eu-central-1c",
        "aws:ec2/vpc:Vpc::ci-vpc",
        "aws:iam/policy:Policy::member-ci-boundary",
        "aws:iam/role:Role::ci-manager",
        "aws:iam/role:Role::member-ci-deployer",
        "aws:iam/role:Role::member-ci-previewer",
        "aws:iam/rolePolicy:RolePolicy::ci-manager",
        "aws:iam/rolePolicy:RolePolicy::member-ci-deployer",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment::member-ci-previewer-readonly",
        "aws:kms/alias:Alias::ci-cache-alias",
        "aws:kms/key:Key::ci-cache-key",
        "aws:rolesanywhere/profile:Profile::ci-manager",
        "aws:rolesanywhere/trustAnchor:TrustAnchor::ci-anchor",
        "aws:s3/bucket:Bucket::ci-cache",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::ci-cache-lifecycle",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::ci-cache-ownership",
        "aws:s3/bucketPolicy:BucketPolicy::ci-cache-policy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::ci-cache-public-access",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::ci-cache-encryption",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::ci-egress",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::ci-ssh-0",
      ].sort(),
    );
    expect(on("aws-lab")).toEqual(
      [
        "aws:iam/accessKey:AccessKey::lab-dns-2026-11",
        "aws:iam/accessKey:AccessKey::lab-etcd-backup-writer-2026-11",
        "aws:iam/accessKey:AccessKey::lab-secrets-2026-11",
        "aws:iam/policy:Policy::member-lab-boundary",
        "aws:iam/role:Role::member-lab-deployer",
        "aws:iam/role:Role::member-lab-previewer",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment::member-lab-previewer-readonly",
        "aws:iam/rolePolicy:RolePolicy::member-lab-deployer",
        "aws:iam/user:User::lab-dns",
        "aws:iam/user:User::lab-etcd-backup-writer",
        "aws:iam/user:User::lab-secrets",
        "aws:iam/userPolicy:UserPolicy::lab-dns",
        "aws:iam/userPolicy:UserPolicy::lab-etcd-backup-writer",
        "aws:iam/userPolicy:UserPolicy::lab-secrets",
        "aws:kms/alias:Alias::app-secrets-alias",
        "aws:kms/alias:Alias::lab-etcd-backup-key-alias",
        "aws:kms/key:Key::app-secrets-key",
        "aws:kms/key:Key::lab-etcd-backup-key-key",
        "aws:route53/zone:Zone::lab-zone",
        "aws:s3/bucket:Bucket::lab-etcd-backup-bucket-bucket",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::lab-etcd-backup-bucket-bucket-lifecycle",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::lab-etcd-backup-bucket-bucket-ownership",
        "aws:s3/bucketPolicy:BucketPolicy::lab-etcd-backup-bucket-bucket-policy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::lab-etcd-backup-bucket-bucket-public-access",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::lab-etcd-backup-bucket-bucket-encryption",
        "aws:s3/bucketVersioning:BucketVersioning::lab-etcd-backup-bucket-bucket-versioning",
        "aws:secretsmanager/secret:Secret::lab-eve-skill-farm-credentials",
        "aws:secretsmanager/secret:Secret::lab-etcd-backup-credentials",
        "aws:secretsmanager/secretVersion:SecretVersion::lab-eve-skill-farm-credentials",
        "aws:secretsmanager/secretVersion:SecretVersion::lab-etcd-backup-credentials",
      ].sort(),
    );
  });

  it("leaves in the management account only the organization, Identity Center, the state backend, the CI roles and the boundary", () => {
    const management = new Set(
      resources()
        .filter((r) => r.provider === providerUrn("aws"))
        .map(topLevel),
    );
    expect([...management].sort()).toEqual(
      [
        "foundation:aws:GitlabOidc::gitlab-oidc",
        "foundation:aws:IdentityCenter::identity-center",
        "foundation:aws:Organization::organization",
        "foundation:aws:PermissionsBoundary::iam-boundary",
        "foundation:aws:StateBackend::state",
      ].sort(),
    );
    // Every AWS resource of a workload component is on its member account's provider, none left behind.
    const expected: Record<string, string> = {
      "foundation:aws:RunnerFleet::ci": "aws-ci",
      "foundation:aws:MemberAccountAccess::member-ci": "aws-ci",
      "foundation:aws:LabAccess::lab": "aws-lab",
      "foundation:aws:KmsKey::app-secrets": "aws-lab",
      "foundation:aws:MemberAccountAccess::member-lab": "aws-lab",
      "foundation:aws:EtcdBackupStore::lab-etcd-backup": "aws-lab",
    };
    for (const resource of resources().filter((r) => r.custom && r.type.startsWith("aws:"))) {
      expect([resource.name, resource.provider]).toEqual([
        resource.name,
        providerUrn(expected[topLevel(resource)] ?? "aws"),
      ]);
    }
  });

  it("keeps the URN of every resource it had before the move: only providers changed", () => {
    const now = new Set(resources().map((r) => r.urn));
    const before = testdata("urns-before.txt").split("\n").filter(Boolean);
    expect(before).toHaveLength(96);
    expect(before.filter((urn) => !now.has(urn))).toEqual([]);
  });
});

describe("the guardrail policies over the aws plan", () => {
  /** The plan's custom resources as the analyzer shows them to a stack policy: outputs, and their provider. */
  const fixtures = (edit: (r: RecordedResource) => Record<string, unknown> = (r) => reveal(r.outputs) as never) => {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    return plan.resources
      .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
      .map((r): StackResourceFixture => {
        const provider = r.provider ? byUrn.get(r.provider) : undefined;
        return {
          type: r.type,
          name: r.name,
          stack: "aws",
          props: edit(r),
          ...(provider
            ? { provider: { type: provider.type, name: provider.name, props: reveal(provider.inputs) as never } }
            : {}),
        };
      });
  };

  it("finds no self-escalation, no unbounded identity, no unpinned account trust and no bucket open to other keys", async () => {
    expect(await runStackPolicy(iamPolicyNoSelfEscalation, fixtures())).toEqual([]);
    expect(await runStackPolicy(iamRolePermissionsBoundary, fixtures())).toEqual([]);
    for (const fixture of fixtures()) {
      expect(await runResourcePolicy(iamRoleTrustAccountPinned, fixture)).toEqual([]);
      expect(await runResourcePolicy(s3BucketKmsUploadsOnly, fixture)).toEqual([]);
    }
  });

  it("reports the deploy role with the policy it had before, and an identity that lost its boundary", async () => {
    const withOldPolicy = fixtures((r) => {
      const props = reveal(r.outputs) as Record<string, unknown>;
      return r.name === "gitlab-oidc-foundation-deploy-foundation-deploy"
        ? { ...props, policy: testdata("deploy-policy-before.json") }
        : props;
    });
    const messages = await runStackPolicy(iamPolicyNoSelfEscalation, withOldPolicy);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^role foundation-deploy can change itself: its policies allow iam:AttachRolePolicy, /);
    expect(messages[1]).toMatch(
      /^role foundation-deploy can rewrite its own managed policy arn:aws:iam::\d{12}:policy\/foundation\/state-write-/,
    );
    const unbounded = fixtures((r) => {
      const props = reveal(r.outputs) as Record<string, unknown>;
      return r.name === "ci-manager" && r.type === "aws:iam/role:Role"
        ? { ...props, permissionsBoundary: undefined }
        : props;
    });
    expect(await runStackPolicy(iamRolePermissionsBoundary, unbounded)).toEqual([
      `role ci-runner-manager under /foundation/ has no permissions boundary; set permissionsBoundary to its account's foundation-boundary policy (${boundaryArn(CI)}) (urn:pulumi:aws::foundation::aws:iam/role:Role::ci-manager)`,
    ]);
  });
});
