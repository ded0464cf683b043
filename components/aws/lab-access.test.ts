import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { record } from "../../tools/plan/testing";
import { Secret } from "../../tools/plan/values";
import { dnsPolicy, LabAccess, LabAccessArgs, secretsReadPolicy } from "./lab-access";

const KEY = "arn:aws:kms:eu-central-1:123456789012:key/app";
const args: LabAccessArgs = {
  domain: "lab.example.com",
  secretsPrefix: "lab/",
  secretsKeyArn: KEY,
  secrets: ["eve-skill-farm/credentials"],
  credentialRotation: "2026-11",
  accountId: "222222222222",
  region: "eu-central-1",
  permissionsBoundary: "arn:aws:iam::222222222222:policy/foundation/foundation-boundary",
};

async function recordAccess(overrides: Partial<LabAccessArgs> = {}) {
  return record(() => {
    const access = new LabAccess(
      "lab",
      { ...args, ...overrides },
      {
        providers: { aws: new aws.Provider("aws", { region: "eu-central-1" }), random: new random.Provider("random") },
      },
    );
    return { dns: access.dnsCredentials, secrets: access.secretsCredentials, names: access.secretNames };
  });
}

describe("LabAccess", () => {
  it("makes the protected zone, the secrets encrypted with the app key, and one user per controller", async () => {
    const rec = await recordAccess();
    expect(rec.inputsOf("lab-zone")).toMatchObject({ name: "lab.example.com", forceDestroy: false });
    expect(rec.named("lab-zone").protect).toBe(true);
    expect(rec.inputsOf("lab-eve-skill-farm-credentials", "aws:secretsmanager/secret:Secret")).toMatchObject({
      name: "lab/eve-skill-farm/credentials",
      kmsKeyId: KEY,
      recoveryWindowInDays: 30,
    });
    expect(rec.ofType("aws:iam/user:User").map((u) => rec.inputsOf(u.name, u.type))).toEqual(
      ["lab-dns", "lab-secrets"].map((name) => ({
        name,
        path: "/foundation/lab/",
        permissionsBoundary: "arn:aws:iam::222222222222:policy/foundation/foundation-boundary",
      })),
    );
    expect(rec.outputs.names).toEqual({ "eve-skill-farm/credentials": "lab/eve-skill-farm/credentials" });
  });

  it("keeps the generated secret value and both credentials secret", async () => {
    const rec = await recordAccess();
    const version = "aws:secretsmanager/secretVersion:SecretVersion";
    expect(rec.isSecretInput("lab-eve-skill-farm-credentials", "secretString", version)).toBe(true);
    expect(rec.outputs.dns).toBeInstanceOf(Secret);
    expect(rec.outputs.secrets).toBeInstanceOf(Secret);
    expect(Object.keys((rec.outputs.dns as Secret).value as object)).toEqual(["accessKeyId", "secretAccessKey"]);
  });

  it("scopes DNS changes to the zone and secret reads to the prefix, in the lab's own account", async () => {
    const rec = await recordAccess();
    expect(rec.inputsOf("lab-secrets", "aws:iam/userPolicy:UserPolicy").policy).toBe(
      secretsReadPolicy("eu-central-1", "222222222222", "lab/", KEY),
    );
    const zoneArn = rec.named("lab-zone").outputs.arn as string;
    expect(rec.inputsOf("lab-dns", "aws:iam/userPolicy:UserPolicy").policy).toBe(dnsPolicy(zoneArn));
    expect(JSON.parse(dnsPolicy(zoneArn)).Statement[0]).toEqual({
      Sid: "ChangeLabZone",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
      Resource: zoneArn,
    });
    expect(JSON.parse(secretsReadPolicy("eu-central-1", "123456789012", "lab/", KEY)).Statement).toEqual([
      {
        Sid: "ReadLabSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:lab/*",
      },
      {
        Sid: "DecryptThroughSecretsManager",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY,
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-central-1.amazonaws.com" } },
      },
    ]);
  });

  it("rotates the access keys by replacing them when the rotation label changes", async () => {
    const before = await recordAccess();
    const after = await recordAccess({ credentialRotation: "2027-05" });
    const keys = (rec: typeof before) => rec.ofType("aws:iam/accessKey:AccessKey").map((k) => k.name);
    expect(keys(before)).toEqual(["lab-dns-2026-11", "lab-secrets-2026-11"]);
    expect(keys(after)).toEqual(["lab-dns-2027-05", "lab-secrets-2027-05"]);
  });

  it.each([
    [
      { secretsPrefix: "lab" },
      "LabAccess 'lab': secretsPrefix 'lab' must be a Secrets Manager path ending in '/', e.g. lab/",
    ],
    [
      { credentialRotation: "next month" },
      "LabAccess 'lab': credentialRotation must be a short label such as 2026-11 (letters, digits, . _ -)",
    ],
  ])("refuses bad args %#", async (overrides, message) => {
    await expect(recordAccess(overrides)).rejects.toThrow(message);
  });
});
