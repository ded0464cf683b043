import { join } from "node:path";
import { readProjectFile, readStackConfig } from "../../tools/plan/stack-files";
import { record, Recording } from "../../tools/plan/testing";
import { reveal } from "../../tools/plan/values";
import { awsProgram, DEPLOY_SERVICES, deployPolicy } from "./index";

const root = join(__dirname, "..", "..");
const sample = readStackConfig(root, readProjectFile(root), "aws");

let rec: Recording;
beforeAll(async () => {
  rec = await record(() => awsProgram(), { stack: "aws", config: sample.config, secretKeys: sample.secretKeys });
});

const ACCOUNT = "111111111111";

describe("the aws stack with the sample config", () => {
  it("protects exactly the organization, its OUs and accounts, the KMS keys, the state bucket, the lab zone and the runner CA", () => {
    expect(
      rec.resources
        .filter((r) => r.protect)
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
    ).toEqual(
      [
        "aws:kms/key:Key::app-secrets-key",
        "aws:kms/key:Key::ci-cache-key",
        "aws:kms/key:Key::state-kms-key",
        "aws:organizations/account:Account::organization-account-ci",
        "aws:organizations/account:Account::organization-account-lab",
        "aws:organizations/organization:Organization::organization-organization",
        "aws:organizations/organizationalUnit:OrganizationalUnit::organization-ou-infrastructure",
        "aws:organizations/organizationalUnit:OrganizationalUnit::organization-ou-sandbox",
        "aws:organizations/organizationalUnit:OrganizationalUnit::organization-ou-workloads",
        "aws:route53/zone:Zone::lab-zone",
        "aws:s3/bucket:Bucket::state-bucket",
        "tls:index/privateKey:PrivateKey::ci-ca",
        "tls:index/selfSignedCert:SelfSignedCert::ci-ca",
      ].sort(),
    );
  });

  it("makes the state, runner cache and application secrets keys with rotation and a 30-day window", () => {
    const keys = rec.ofType("aws:kms/key:Key");
    expect(keys.map((k) => k.name)).toEqual(["state-kms-key", "app-secrets-key", "ci-cache-key"]);
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
          expect(principals).toEqual([`arn:aws:iam::${sample.config["foundation:accountId"]}:root`]);
        }
      }
    }
  });

  it("keeps every role and managed policy it makes under Foundation's IAM path", () => {
    const paths = [...rec.ofType("aws:iam/role:Role"), ...rec.ofType("aws:iam/policy:Policy")].map(
      (r) => `${r.name} ${String(reveal(r.inputs.path))}`,
    );
    expect(paths).toEqual([
      "gitlab-oidc-foundation-preview /foundation/",
      "gitlab-oidc-foundation-deploy /foundation/",
      "ci-manager /foundation/",
      "state-read /foundation/",
      "state-write /foundation/",
    ]);
  });

  it("gives the preview role read-only access plus state reads, and the deploy role its policy plus state writes", () => {
    expect(rec.inputsOf("gitlab-oidc-foundation-preview-managed-0")).toEqual({
      role: "foundation-preview",
      policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
    });
    const attached = (name: string) => rec.inputsOf(name).policyArn as string;
    expect(rec.inputsOf("state-read-0").role).toBe("foundation-preview");
    expect(attached("state-read-0")).toMatch(/^arn:aws:iam::\d{12}:policy\/foundation\/state-read-/);
    expect(rec.inputsOf("state-write-0").role).toBe("foundation-deploy");
    expect(attached("state-write-0")).toMatch(/^arn:aws:iam::\d{12}:policy\/foundation\/state-write-/);
    const inline = rec.inputsOf("gitlab-oidc-foundation-deploy-foundation-deploy");
    expect(inline.role).toBe("foundation-deploy");
    expect(inline.policy).toBe(
      deployPolicy({
        accountId: sample.config["foundation:accountId"],
        gitlabHost: new URL(JSON.parse(sample.config["foundation:gitlabOidc"]).url).host,
        stateBucketName: JSON.parse(sample.config["foundation:stateBackend"]).bucketName,
      }),
    );
  });
});

describe("the deploy role's policy", () => {
  const statements = JSON.parse(
    deployPolicy({ accountId: ACCOUNT, gitlabHost: "gitlab.example.com", stateBucketName: "state-bucket" }),
  ).Statement as { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[] }[];
  const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

  it("grants no service-wide IAM write and nothing on *:*", () => {
    const actions = statements.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat());
    expect(actions).not.toContain("*");
    expect(actions).not.toContain("*:*");
    expect(DEPLOY_SERVICES).not.toContain("iam");
    expect(bySid.ManageFoundationServices.Resource).toBe("*");
    expect(bySid.ReadIam).toEqual({
      Sid: "ReadIam",
      Effect: "Allow",
      Action: ["iam:Get*", "iam:List*"],
      Resource: "*",
    });
  });

  it("writes IAM only under Foundation's path and on the GitLab OIDC provider", () => {
    expect(bySid.ManageFoundationIdentities).toEqual({
      Sid: "ManageFoundationIdentities",
      Effect: "Allow",
      Action: "iam:*",
      Resource: [
        `arn:aws:iam::${ACCOUNT}:role/foundation/*`,
        `arn:aws:iam::${ACCOUNT}:policy/foundation/*`,
        `arn:aws:iam::${ACCOUNT}:user/foundation/*`,
        `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.example.com`,
      ],
    });
    expect(bySid.CreateServiceLinkedRoles.Resource).toBe(`arn:aws:iam::${ACCOUNT}:role/aws-service-role/*`);
  });

  it("denies leaving the organization, deleting keys, and deleting the state bucket or its history", () => {
    const denied = statements.filter((s) => s.Effect === "Deny");
    expect(denied.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        "KeepTheOrganization",
        [
          "organizations:CloseAccount",
          "organizations:DeleteOrganization",
          "organizations:LeaveOrganization",
          "organizations:RemoveAccountFromOrganization",
        ],
        "*",
      ],
      ["KeepKeys", ["kms:DisableKey", "kms:ScheduleKeyDeletion"], "*"],
      [
        "KeepState",
        ["s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteObjectVersion"],
        ["arn:aws:s3:::state-bucket", "arn:aws:s3:::state-bucket/*"],
      ],
    ]);
  });
});
