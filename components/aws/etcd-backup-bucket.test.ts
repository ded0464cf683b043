import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { EtcdBackupBucket, EtcdBackupBucketArgs, etcdBackupWriterPolicy } from "./etcd-backup-bucket";

const KEY = "arn:aws:kms:eu-central-1:123456789012:key/etcd";
const BUCKET = "aws:s3/bucket:Bucket";

function recordBucket(overrides: Partial<EtcdBackupBucketArgs> = {}) {
  return record(() => {
    const bucket = new EtcdBackupBucket(
      "etcd-backups",
      { bucketName: "mson-lab-etcd-backups", kmsKeyArn: KEY, ...overrides },
      { providers: { aws: new aws.Provider("aws", {}) } },
    );
    return { writerPolicy: bucket.writerPolicy, keyPrefix: bucket.keyPrefix };
  });
}

interface PolicyDocument {
  Statement: { Sid: string; Effect: string; Action: string | string[]; Condition?: Record<string, unknown> }[];
}

describe("EtcdBackupBucket", () => {
  it("makes one private bucket: ACLs off, the full public access block, SSE-KMS, TLS only, versioned", async () => {
    const rec = await recordBucket();
    // Registration order follows when each input resolves, so the set is compared sorted.
    expect(
      rec
        .summary()
        .filter((s) => !s.startsWith("pulumi:"))
        .sort(),
    ).toEqual([
      "aws:s3/bucket:Bucket::etcd-backups-bucket",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::etcd-backups-bucket-lifecycle",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls::etcd-backups-bucket-ownership",
      "aws:s3/bucketPolicy:BucketPolicy::etcd-backups-bucket-policy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::etcd-backups-bucket-public-access",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::etcd-backups-bucket-encryption",
      "aws:s3/bucketVersioning:BucketVersioning::etcd-backups-bucket-versioning",
      "foundation:aws:EtcdBackupBucket::etcd-backups",
      "foundation:aws:PrivateBucket::etcd-backups-bucket",
    ]);
    expect(rec.inputsOf("etcd-backups-bucket", BUCKET)).toEqual({
      bucket: "mson-lab-etcd-backups",
      forceDestroy: false,
    });
    expect(rec.inputsOf("etcd-backups-bucket-public-access")).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(rec.inputsOf("etcd-backups-bucket-encryption").rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY }, bucketKeyEnabled: true },
    ]);
    expect(rec.inputsOf("etcd-backups-bucket-versioning").versioningConfiguration).toEqual({ status: "Enabled" });
    const policy = JSON.parse(rec.inputsOf("etcd-backups-bucket-policy").policy as string) as PolicyDocument;
    expect(policy.Statement.map((s) => [s.Sid, s.Effect, s.Condition])).toEqual([
      ["DenyInsecureTransport", "Deny", { Bool: { "aws:SecureTransport": "false" } }],
      ["DenyOutdatedTls", "Deny", { NumericLessThan: { "s3:TlsVersion": "1.2" } }],
      [
        "DenyOtherEncryption",
        "Deny",
        {
          StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
          Null: { "s3:x-amz-server-side-encryption": "false" },
        },
      ],
      [
        "DenyOtherKmsKey",
        "Deny",
        {
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        },
      ],
    ]);
  });

  it("protects the bucket and keeps it when it leaves the program", async () => {
    const rec = await recordBucket();
    expect(rec.named("etcd-backups-bucket", BUCKET)).toMatchObject({ protect: true, retainOnDelete: true });
  });

  it("expires snapshots under the prefix after the retention, old versions after a week, and stray uploads", async () => {
    const rec = await recordBucket({ keyPrefix: "etcd/lab/", retentionDays: 14 });
    expect(rec.inputsOf("etcd-backups-bucket-lifecycle").rules).toEqual([
      {
        id: "expire-snapshots",
        status: "Enabled",
        filter: { prefix: "etcd/lab/" },
        expiration: { days: 14 },
        noncurrentVersionExpiration: { noncurrentDays: 7 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
      {
        id: "remove-expired-delete-markers",
        status: "Enabled",
        filter: { prefix: "etcd/lab/" },
        expiration: { expiredObjectDeleteMarker: true },
      },
    ]);
    expect(rec.named("etcd-backups-bucket-lifecycle").dependencies).toContain(
      rec.named("etcd-backups-bucket-versioning").urn,
    );
  });

  it("gives the writer put-only access under the prefix with the bucket's key", async () => {
    const rec = await recordBucket();
    const bucketArn = rec.named("etcd-backups-bucket", BUCKET).outputs.arn as string;
    expect(rec.outputs.writerPolicy).toBe(etcdBackupWriterPolicy(bucketArn, "etcd/", KEY));
    expect(JSON.parse(rec.outputs.writerPolicy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "PutSnapshots", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/etcd/*` },
        {
          Sid: "EncryptSnapshots",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: KEY,
          Condition: {
            StringLike: {
              "kms:ViaService": "s3.*.amazonaws.com",
              "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/etcd/*`],
            },
          },
        },
      ],
    });
  });

  it("refuses a prefix without its slash and a retention of no days, registering nothing below it", async () => {
    await expect(recordBucket({ keyPrefix: "etcd", retentionDays: 0 })).rejects.toThrow(
      "EtcdBackupBucket 'etcd-backups': keyPrefix 'etcd' must be one or more path segments ending in '/', e.g. " +
        "etcd/lab/; retentionDays 0 must be a whole number of days, at least 1",
    );
  });
});
