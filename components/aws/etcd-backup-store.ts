/**
 * Where the lab cluster's etcd snapshots go, whole: the backup bucket (./etcd-backup-bucket.ts), its own KMS key, and
 * the writer the in-cluster CronJob uploads as (docs/runbooks/etcd-restore.md). The cluster runs outside AWS without
 * workload identity federation, so the writer is an IAM user with an access key, like the lab's controllers
 * (./lab-access.ts); its key is stored in Secrets Manager under the lab's prefix, where the cluster's External Secrets
 * store reads it, so the `lab` stack never holds it in its config or state.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EtcdBackupBucket } from "./etcd-backup-bucket";
import { FOUNDATION_IAM_PATH } from "./iam-path";
import { KmsKey } from "./kms-key";

/** Arguments of {@link EtcdBackupStore}. */
export interface EtcdBackupStoreArgs {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Key prefix of the snapshots, ending in `/`. */
  readonly keyPrefix: string;
  /** Days a snapshot is kept. */
  readonly retentionDays: number;
  /** Days an overwritten or deleted snapshot's old version is kept. */
  readonly noncurrentRetentionDays: number;
  /** Alias of the snapshots' KMS key, without the `alias/` prefix. */
  readonly keyAlias: string;
  /** Secrets Manager name prefix of the lab's secrets, ending in `/` (the External Secrets store reads under it). */
  readonly secretsPrefix: string;
  /** Name of the writer's credentials secret under the prefix, e.g. `etcd-backup/credentials`. */
  readonly credentialsSecret: string;
  /** ARN of the application-secrets KMS key, which encrypts every secret under the prefix. */
  readonly secretsKeyArn: pulumi.Input<string>;
  /**
   * Changing this replaces the writer's access key: the new key is made and stored before the old one is deleted
   * (IAM allows two keys per user), and External Secrets brings the new one into the cluster on its next refresh.
   */
  readonly credentialRotation: string;
  /** The account of the bucket and key (the provider's account); the key policy's root statement names it. */
  readonly accountId: pulumi.Input<string>;
  /** The region of the bucket, published to the job. */
  readonly region: string;
  /** ARN of the account's permissions boundary, which the writer carries (components/aws/guardrails.ts). */
  readonly permissionsBoundary?: pulumi.Input<string>;
}

/** The destination, as the lab's backup job takes it. */
export interface EtcdBackupDestinationOutput {
  readonly bucketName: string;
  readonly region: string;
  readonly keyPrefix: string;
  readonly kmsKeyArn: string;
  /** Full Secrets Manager name of the writer's credentials (JSON with `accessKeyId` and `secretAccessKey`). */
  readonly credentialsSecretName: string;
}

/** The bucket, key and writer of the etcd snapshots; see the module comment. Type `foundation:aws:EtcdBackupStore`. */
export class EtcdBackupStore extends pulumi.ComponentResource {
  /** Where and how the job uploads; no secret in it (the credentials are named, not carried). */
  readonly destination: pulumi.Output<EtcdBackupDestinationOutput>;
  /** ARN of the snapshots' KMS key. */
  readonly keyArn: pulumi.Output<string>;
  /** The writer's IAM user name, the declared exception of the policy `iam-accesskey-no-user-keys`. */
  readonly writerUserName: pulumi.Output<string>;

  constructor(name: string, args: EtcdBackupStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:EtcdBackupStore", name, {}, opts);
    const problems: string[] = [];
    if (!/^[A-Za-z0-9/_+=.@-]+\/$/.test(args.secretsPrefix)) {
      problems.push(`secretsPrefix '${args.secretsPrefix}' must be a Secrets Manager path ending in '/', e.g. lab/`);
    }
    if (!/^[A-Za-z0-9_+=.@-]+(\/[A-Za-z0-9_+=.@-]+)*$/.test(args.credentialsSecret)) {
      problems.push(
        `credentialsSecret '${args.credentialsSecret}' must be a Secrets Manager name under the prefix, e.g. etcd-backup/credentials`,
      );
    }
    if (!/^[A-Za-z0-9._-]+$/.test(args.credentialRotation)) {
      problems.push("credentialRotation must be a short label such as 2026-11 (letters, digits, . _ -)");
    }
    if (problems.length > 0) throw new pulumi.ResourceError(`EtcdBackupStore '${name}': ${problems.join("; ")}`, this);

    // A key of their own: the restore points are readable only by who may decrypt with it, not by every user of the
    // application-secrets key. No user is named in the key policy: the root statement delegates to IAM, the writer's
    // policy grants it GenerateDataKey and Encrypt, and a restore is done by an administrator
    // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
    const key = new KmsKey(
      `${name}-key`,
      {
        description: "etcd snapshots of the lab cluster in S3",
        alias: args.keyAlias,
        accountId: args.accountId,
      },
      { parent: this },
    );
    const bucket = new EtcdBackupBucket(
      `${name}-bucket`,
      {
        bucketName: args.bucketName,
        kmsKeyArn: key.arn,
        keyPrefix: args.keyPrefix,
        retentionDays: args.retentionDays,
        noncurrentRetentionDays: args.noncurrentRetentionDays,
      },
      { parent: this },
    );

    const user = new aws.iam.User(
      `${name}-writer`,
      {
        name: `${name}-writer`,
        path: `${FOUNDATION_IAM_PATH}lab/`,
        permissionsBoundary: args.permissionsBoundary,
      },
      { parent: this },
    );
    new aws.iam.UserPolicy(`${name}-writer`, { user: user.name, policy: bucket.writerPolicy }, { parent: this });
    const accessKey = new aws.iam.AccessKey(
      `${name}-writer-${args.credentialRotation}`,
      { user: user.name },
      { parent: this, additionalSecretOutputs: ["secret"] },
    );
    const secret = new aws.secretsmanager.Secret(
      `${name}-credentials`,
      {
        name: `${args.secretsPrefix}${args.credentialsSecret}`,
        kmsKeyId: args.secretsKeyArn,
        recoveryWindowInDays: 30,
        description: "Access key of the lab's etcd snapshot writer, read by External Secrets",
      },
      { parent: this },
    );
    // The shape the job's ExternalSecret reads, by property (components/kubernetes/etcd-backup/etcd-backup.ts).
    new aws.secretsmanager.SecretVersion(
      `${name}-credentials`,
      {
        secretId: secret.id,
        secretString: pulumi.secret(
          pulumi
            .all([accessKey.id, accessKey.secret])
            .apply(([accessKeyId, secretAccessKey]) => JSON.stringify({ accessKeyId, secretAccessKey })),
        ),
      },
      { parent: this },
    );

    this.keyArn = key.arn;
    this.writerUserName = user.name;
    this.destination = pulumi
      .all([bucket.bucketName, bucket.keyPrefix, key.arn, secret.name])
      .apply(([bucketName, keyPrefix, kmsKeyArn, credentialsSecretName]) => ({
        bucketName,
        region: args.region,
        keyPrefix,
        kmsKeyArn,
        credentialsSecretName,
      }));
    this.registerOutputs({ destination: this.destination, keyArn: this.keyArn, writerUserName: this.writerUserName });
  }
}
