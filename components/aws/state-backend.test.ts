import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { StateBackend, stateBucketPolicy } from "./state-backend";

const args = {
  bucketName: "acme-state",
  region: "eu-central-1",
  accountId: "123456789012",
  readerRoles: ["previewer"],
  writerRoles: ["deployer"],
  keyUserArns: ["arn:aws:iam::123456789012:role/previewer", "arn:aws:iam::123456789012:role/deployer"],
};

async function recordBackend(overrides: Partial<typeof args> & Record<string, unknown> = {}) {
  return record(() => {
    const provider = new aws.Provider("aws", { region: "eu-central-1" });
    const backend = new StateBackend("state", { ...args, ...overrides }, { providers: { aws: provider } });
    return { backendUrl: backend.backendUrl, secretsProviderUrl: backend.secretsProviderUrl };
  });
}

describe("StateBackend", () => {
  it("registers exactly the key, alias, bucket and its five settings, under the component", async () => {
    const rec = await recordBackend();
    const component = rec.named("state");
    expect(component.type).toBe("foundation:aws:StateBackend");
    const children = rec.resources.filter((r) => r.parent === component.urn).map((r) => `${r.type}::${r.name}`);
    expect(children.sort()).toEqual(
      [
        "foundation:aws:KmsKey::state-kms",
        "aws:s3/bucket:Bucket::state-bucket",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::state-ownership",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::state-public-access",
        "aws:s3/bucketVersioning:BucketVersioning::state-versioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::state-encryption",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::state-lifecycle",
        "aws:s3/bucketPolicy:BucketPolicy::state-policy",
        "aws:iam/policy:Policy::state-read",
        "aws:iam/policy:Policy::state-write",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment::state-read-0",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment::state-write-0",
      ].sort(),
    );
    // Every child uses the caller's explicit provider.
    const provider = rec.named("aws").urn;
    expect(
      rec.resources.filter((r) => r.parent === component.urn && r.custom).every((r) => r.provider === provider),
    ).toBe(true);
  });

  it("protects exactly the bucket and the key", async () => {
    const rec = await recordBackend();
    expect(
      rec.resources
        .filter((r) => r.protect)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["state-bucket", "state-kms-key"]);
  });

  it("makes a rotating key with a 30-day deletion window whose policy names the state's users", async () => {
    const rec = await recordBackend();
    const key = rec.inputsOf("state-kms-key");
    expect(key.enableKeyRotation).toBe(true);
    expect(key.deletionWindowInDays).toBe(30);
    expect(JSON.parse(key.policy as string).Statement[1].Principal).toEqual({
      AWS: ["arn:aws:iam::123456789012:role/deployer", "arn:aws:iam::123456789012:role/previewer"],
    });
    expect(rec.inputsOf("state-kms-alias").name).toBe("alias/foundation-state");
  });

  it("attaches the read policy to the preview roles and the write policy to the deploy roles", async () => {
    const rec = await recordBackend();
    expect(rec.inputsOf("state-read-0")).toEqual({ role: "previewer", policyArn: rec.named("state-read").outputs.arn });
    expect(rec.inputsOf("state-write-0")).toEqual({
      role: "deployer",
      policyArn: rec.named("state-write").outputs.arn,
    });
    const read = JSON.parse(rec.inputsOf("state-read").policy as string);
    expect(read.Statement[1]).toEqual({
      Sid: "ReadState",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: `${rec.named("state-bucket").outputs.arn}/.pulumi/*`,
    });
  });

  it("keeps the bucket versioned, encrypted with the key, private and TLS-only", async () => {
    const rec = await recordBackend();
    const bucket = rec.named("state-bucket");
    expect(rec.inputsOf("state-bucket")).toMatchObject({ bucket: "acme-state", forceDestroy: false });
    expect(rec.inputsOf("state-versioning").versioningConfiguration).toEqual({ status: "Enabled" });
    expect(rec.inputsOf("state-encryption").rules).toEqual([
      {
        applyServerSideEncryptionByDefault: {
          sseAlgorithm: "aws:kms",
          kmsMasterKeyId: rec.named("state-kms-key").outputs.arn,
        },
        bucketKeyEnabled: true,
      },
    ]);
    expect(rec.inputsOf("state-public-access")).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(rec.inputsOf("state-ownership").rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    expect(rec.inputsOf("state-policy").policy).toBe(stateBucketPolicy(bucket.outputs.arn as string));
    expect(rec.inputsOf("state-lifecycle").rules).toEqual([
      {
        id: "expire-superseded-state",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 90 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
  });

  it("orders the bucket policy after the public access block and the lifecycle after versioning", async () => {
    const rec = await recordBackend();
    expect(rec.named("state-policy").dependencies).toEqual(
      expect.arrayContaining([rec.named("state-public-access").urn, rec.named("state-ownership").urn]),
    );
    expect(rec.named("state-lifecycle").dependencies).toContain(rec.named("state-versioning").urn);
  });

  it("denies every request without TLS 1.2", () => {
    expect(JSON.parse(stateBucketPolicy("arn:aws:s3:::b"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyOutdatedTls",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
      ],
    });
  });

  it("exports the backend and secrets-provider URLs", async () => {
    const rec = await recordBackend();
    expect(rec.outputs).toEqual({
      backendUrl: "s3://acme-state?region=eu-central-1&awssdk=v2",
      secretsProviderUrl: "awskms://alias/foundation-state?region=eu-central-1&awssdk=v2",
    });
  });

  it.each([
    [
      { bucketName: "Acme_State" },
      "StateBackend 'state': bucketName 'Acme_State' is not a valid S3 bucket name; use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
    ],
    [{ keyDeletionWindowDays: 45 }, "KmsKey 'state-kms': deletionWindowDays must be from 7 to 30 (AWS's limits)"],
  ])("refuses %p", async (overrides, message) => {
    await expect(recordBackend(overrides)).rejects.toThrow(message);
  });
});
