import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { StateBackend, StateBackendArgs } from "./state-backend";

const BUCKET = "aws:s3/bucket:Bucket";

const args: StateBackendArgs = {
  bucketName: "acme-state",
  region: "eu-central-1",
  accountId: "123456789012",
  readerRoles: ["previewer"],
  writerRoles: ["deployer"],
  keyUserArns: ["arn:aws:iam::123456789012:role/previewer", "arn:aws:iam::123456789012:role/deployer"],
};

async function recordBackend(overrides: Partial<StateBackendArgs> = {}) {
  return record(() => {
    const provider = new aws.Provider("aws", { region: "eu-central-1" });
    const backend = new StateBackend("state", { ...args, ...overrides }, { providers: { aws: provider } });
    return { backendUrl: backend.backendUrl, secretsProviderUrl: backend.secretsProviderUrl };
  });
}

describe("StateBackend", () => {
  it("is a KMS key, a private bucket, and the read and write policies attached to their roles", async () => {
    const rec = await recordBackend();
    const component = rec.named("state");
    expect(
      rec.resources
        .filter((r) => r.parent === component.urn)
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
    ).toEqual([
      "aws:iam/policy:Policy::state-read",
      "aws:iam/policy:Policy::state-write",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::state-read-0",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::state-write-0",
      "foundation:aws:KmsKey::state-kms",
      "foundation:aws:PrivateBucket::state-bucket",
    ]);
    const provider = rec.named("aws").urn;
    expect(
      rec.resources.filter((r) => r.custom && r.type.startsWith("aws:")).every((r) => r.provider === provider),
    ).toBe(true);
  });

  it("protects exactly the bucket and the key", async () => {
    const rec = await recordBackend();
    expect(
      rec.resources
        .filter((r) => r.protect)
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
    ).toEqual(["aws:kms/key:Key::state-kms-key", "aws:s3/bucket:Bucket::state-bucket"]);
  });

  it("encrypts with a rotating key whose policy names the state's users", async () => {
    const rec = await recordBackend();
    const key = rec.inputsOf("state-kms-key");
    expect(key).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    expect(JSON.parse(key.policy as string).Statement[1].Principal).toEqual({
      AWS: ["arn:aws:iam::123456789012:role/deployer", "arn:aws:iam::123456789012:role/previewer"],
    });
    expect(rec.inputsOf("state-kms-alias").name).toBe("alias/foundation-state");
    const sse = rec.inputsOf("state-bucket-encryption").rules as { applyServerSideEncryptionByDefault: unknown }[];
    expect(sse[0].applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: rec.named("state-kms-key").outputs.arn,
    });
  });

  it("versions state and keeps superseded versions for the configured days", async () => {
    const rec = await recordBackend({ noncurrentVersionExpirationDays: 120 });
    expect(rec.inputsOf("state-bucket-versioning").versioningConfiguration).toEqual({ status: "Enabled" });
    expect(rec.inputsOf("state-bucket-lifecycle").rules).toEqual([
      {
        id: "expire-superseded-state",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 120 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
  });

  it("attaches the read policy to the preview roles and the write policy to the deploy roles", async () => {
    const rec = await recordBackend();
    expect(rec.inputsOf("state-read-0")).toEqual({ role: "previewer", policyArn: rec.named("state-read").outputs.arn });
    expect(rec.inputsOf("state-write-0")).toEqual({
      role: "deployer",
      policyArn: rec.named("state-write").outputs.arn,
    });
    expect(JSON.parse(rec.inputsOf("state-read").policy as string).Statement[1]).toEqual({
      Sid: "ReadState",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `${rec.named("state-bucket", BUCKET).outputs.arn}/.pulumi/*`,
    });
  });

  it("exports the backend and secrets-provider URLs", async () => {
    const rec = await recordBackend();
    expect(rec.outputs).toEqual({
      backendUrl: "s3://acme-state?region=eu-central-1&awssdk=v2",
      secretsProviderUrl: "awskms://alias/foundation-state?region=eu-central-1&awssdk=v2",
    });
  });

  it("refuses a deletion window AWS does not allow", async () => {
    await expect(recordBackend({ keyDeletionWindowDays: 45 })).rejects.toThrow(
      "KmsKey 'state-kms': deletionWindowDays must be from 7 to 30 (AWS's limits)",
    );
  });
});
