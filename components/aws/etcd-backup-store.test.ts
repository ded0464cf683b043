import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { etcdBackupWriterPolicy } from "./etcd-backup-bucket";
import { EtcdBackupStore, EtcdBackupStoreArgs } from "./etcd-backup-store";
import { keyPolicy } from "./kms-key";

const APP_KEY = "arn:aws:kms:eu-central-1:222222222222:key/app";
const BOUNDARY = "arn:aws:iam::222222222222:policy/foundation/foundation-boundary";
const args: EtcdBackupStoreArgs = {
  bucketName: "mson-lab-etcd-backups",
  keyPrefix: "etcd/lab/",
  retentionDays: 30,
  noncurrentRetentionDays: 7,
  keyAlias: "foundation-etcd-backup",
  secretsPrefix: "lab/",
  credentialsSecret: "etcd-backup/credentials",
  secretsKeyArn: APP_KEY,
  credentialRotation: "2026-11",
  accountId: "222222222222",
  region: "eu-central-1",
  permissionsBoundary: BOUNDARY,
};

function recordStore(overrides: Partial<EtcdBackupStoreArgs> = {}) {
  return record(() => {
    const store = new EtcdBackupStore(
      "lab-etcd-backup",
      { ...args, ...overrides },
      { providers: { aws: new aws.Provider("aws", { region: "eu-central-1" }) } },
    );
    return { destination: store.destination, keyArn: store.keyArn, writer: store.writerUserName };
  });
}

describe("EtcdBackupStore", () => {
  it("makes the key, the bucket, one bounded writer with one key, and the secret that holds it", async () => {
    const rec = await recordStore();
    const custom = rec
      .summary()
      .filter((s) => !s.startsWith("pulumi:") && !s.includes(":s3/bucket"))
      .sort();
    expect(custom).toEqual([
      "aws:iam/accessKey:AccessKey::lab-etcd-backup-writer-2026-11",
      "aws:iam/user:User::lab-etcd-backup-writer",
      "aws:iam/userPolicy:UserPolicy::lab-etcd-backup-writer",
      "aws:kms/alias:Alias::lab-etcd-backup-key-alias",
      "aws:kms/key:Key::lab-etcd-backup-key-key",
      "aws:secretsmanager/secret:Secret::lab-etcd-backup-credentials",
      "aws:secretsmanager/secretVersion:SecretVersion::lab-etcd-backup-credentials",
      "foundation:aws:EtcdBackupBucket::lab-etcd-backup-bucket",
      "foundation:aws:EtcdBackupStore::lab-etcd-backup",
      "foundation:aws:KmsKey::lab-etcd-backup-key",
      "foundation:aws:PrivateBucket::lab-etcd-backup-bucket-bucket",
    ]);
    expect(rec.ofType("aws:s3/bucket:Bucket").map((b) => b.name)).toEqual(["lab-etcd-backup-bucket-bucket"]);
  });

  it("encrypts the snapshots with a protected, rotating key of their own that only IAM delegates", async () => {
    const rec = await recordStore();
    expect(rec.inputsOf("lab-etcd-backup-key-key")).toMatchObject({
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy("222222222222", []),
    });
    expect(rec.named("lab-etcd-backup-key-key").protect).toBe(true);
    expect(rec.inputsOf("lab-etcd-backup-key-alias").name).toBe("alias/foundation-etcd-backup");
    const keyArn = rec.named("lab-etcd-backup-key-key").outputs.arn as string;
    expect(rec.inputsOf("lab-etcd-backup-bucket-bucket-encryption").rules).toEqual([
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
        bucketKeyEnabled: true,
      },
    ]);
    expect(rec.named("lab-etcd-backup-bucket-bucket", "aws:s3/bucket:Bucket")).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
    expect(rec.inputsOf("lab-etcd-backup-bucket-bucket-lifecycle").rules).toMatchObject([
      { id: "expire-snapshots", filter: { prefix: "etcd/lab/" }, expiration: { days: 30 } },
      { id: "remove-expired-delete-markers", filter: { prefix: "etcd/lab/" } },
    ]);
  });

  it("gives the writer the account's boundary and put-only access under the prefix", async () => {
    const rec = await recordStore();
    expect(rec.inputsOf("lab-etcd-backup-writer", "aws:iam/user:User")).toEqual({
      name: "lab-etcd-backup-writer",
      path: "/foundation/lab/",
      permissionsBoundary: BOUNDARY,
    });
    const bucketArn = rec.named("lab-etcd-backup-bucket-bucket", "aws:s3/bucket:Bucket").outputs.arn as string;
    const keyArn = rec.named("lab-etcd-backup-key-key").outputs.arn as string;
    expect(rec.inputsOf("lab-etcd-backup-writer", "aws:iam/userPolicy:UserPolicy")).toEqual({
      user: "lab-etcd-backup-writer",
      policy: etcdBackupWriterPolicy(bucketArn, "etcd/lab/", keyArn),
    });
    expect(rec.outputs.writer).toBe("lab-etcd-backup-writer");
  });

  it("stores the access key in Secrets Manager under the lab's prefix with the app key, as a secret", async () => {
    const rec = await recordStore();
    const SECRET = "aws:secretsmanager/secret:Secret";
    const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
    expect(rec.inputsOf("lab-etcd-backup-credentials", SECRET)).toEqual({
      name: "lab/etcd-backup/credentials",
      kmsKeyId: APP_KEY,
      recoveryWindowInDays: 30,
      description: "Access key of the lab's etcd snapshot writer, read by External Secrets",
    });
    expect(rec.named("lab-etcd-backup-writer-2026-11").additionalSecretOutputs).toContain("secret");
    expect(rec.isSecretInput("lab-etcd-backup-credentials", "secretString", VERSION)).toBe(true);
    const stored = JSON.parse(rec.inputsOf("lab-etcd-backup-credentials", VERSION).secretString as string);
    expect(Object.keys(stored)).toEqual(["accessKeyId", "secretAccessKey"]);
  });

  it("publishes the destination the job needs, naming the credentials rather than carrying them", async () => {
    const rec = await recordStore();
    expect(rec.outputs.destination).toEqual({
      bucketName: "mson-lab-etcd-backups",
      region: "eu-central-1",
      keyPrefix: "etcd/lab/",
      kmsKeyArn: rec.outputs.keyArn,
      credentialsSecretName: "lab/etcd-backup/credentials",
    });
  });

  it("replaces the writer's key when the rotation label changes", async () => {
    const before = await recordStore();
    const after = await recordStore({ credentialRotation: "2027-05" });
    const keys = (rec: typeof before) => rec.ofType("aws:iam/accessKey:AccessKey").map((k) => k.name);
    expect(keys(before)).toEqual(["lab-etcd-backup-writer-2026-11"]);
    expect(keys(after)).toEqual(["lab-etcd-backup-writer-2027-05"]);
  });

  it("refuses a prefix without its slash, a secret name that climbs out, and a rotation label with spaces", async () => {
    await expect(
      recordStore({ secretsPrefix: "lab", credentialsSecret: "/etcd", credentialRotation: "next month" }),
    ).rejects.toThrow(
      "EtcdBackupStore 'lab-etcd-backup': secretsPrefix 'lab' must be a Secrets Manager path ending in '/', e.g. lab/; " +
        "credentialsSecret '/etcd' must be a Secrets Manager name under the prefix, e.g. etcd-backup/credentials; " +
        "credentialRotation must be a short label such as 2026-11 (letters, digits, . _ -)",
    );
  });
});
