/**
 * The bucket the lab cluster's etcd snapshots go to (docs/runbooks/etcd-restore.md): private, SSE-KMS with a customer
 * key, TLS only, versioned, protected and kept when removed from the program, and with a lifecycle that expires
 * snapshots after a retention period, so the bucket holds a bounded window of restore points.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderPolicy } from "./policy-document";
import { PrivateBucket } from "./private-bucket";

/** Arguments of {@link EtcdBackupBucket}. */
export interface EtcdBackupBucketArgs {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** ARN of the KMS key the snapshots are encrypted with. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Key prefix of the snapshots, ending in `/` (one cluster per prefix).
   * @default "etcd/"
   */
  readonly keyPrefix?: string;
  /**
   * Days a snapshot is kept before it expires.
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Days an overwritten or deleted snapshot's old version is kept: the window in which a snapshot deleted by mistake
   * (or by a compromised writer) can still be restored.
   * @default 7
   */
  readonly noncurrentRetentionDays?: number;
}

/** Lifecycle rules of the bucket, as S3 takes them. */
export function etcdBackupLifecycleRules(
  keyPrefix: string,
  retentionDays: number,
  noncurrentRetentionDays: number,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "expire-snapshots",
      status: "Enabled",
      filter: { prefix: keyPrefix },
      expiration: { days: retentionDays },
      noncurrentVersionExpiration: { noncurrentDays: noncurrentRetentionDays },
      // An upload cut off halfway leaves parts that are billed but never become a snapshot.
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    },
    {
      // Expired snapshots leave delete markers behind; they are removed once nothing is under them.
      id: "remove-expired-delete-markers",
      status: "Enabled",
      filter: { prefix: keyPrefix },
      expiration: { expiredObjectDeleteMarker: true },
    },
  ];
}

/**
 * The least privilege of the snapshot writer: put objects under the prefix with the bucket's key, nothing else (no
 * read, no list, no delete), so a leaked writer credential can read nothing and delete nothing. It can still overwrite
 * a snapshot whose name it guesses; the bucket keeps the overwritten version for `noncurrentRetentionDays`.
 *
 * The key use is S3's on the writer's behalf only: GenerateDataKey for each object, and Decrypt, which S3 needs to
 * complete a multipart upload (the AWS CLI's above 8 MB) with SSE-KMS
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions). Decrypt gives nothing
 * to read: the writer has no s3:GetObject.
 */
export function etcdBackupWriterPolicy(bucketArn: string, keyPrefix: string, kmsKeyArn: string): string {
  return renderPolicy([
    { Sid: "PutSnapshots", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/${keyPrefix}*` },
    {
      Sid: "EncryptSnapshots",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: kmsKeyArn,
      Condition: {
        StringLike: {
          "kms:ViaService": "s3.*.amazonaws.com",
          // The bucket's ARN with S3 Bucket Keys, the object's without.
          "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/${keyPrefix}*`],
        },
      },
    },
  ]);
}

/** The bucket of the etcd snapshots; see the module comment. Type `foundation:aws:EtcdBackupBucket`. */
export class EtcdBackupBucket extends pulumi.ComponentResource {
  /** The bucket's name. */
  readonly bucketName: pulumi.Output<string>;
  /** The bucket's ARN. */
  readonly arn: pulumi.Output<string>;
  /** The snapshots' key prefix. */
  readonly keyPrefix: pulumi.Output<string>;
  /** The IAM policy of the snapshot writer (JSON), for the credentials the lab's backup job uses. */
  readonly writerPolicy: pulumi.Output<string>;

  constructor(name: string, args: EtcdBackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:EtcdBackupBucket", name, {}, opts);
    const keyPrefix = args.keyPrefix ?? "etcd/";
    const retentionDays = args.retentionDays ?? 30;
    const noncurrentRetentionDays = args.noncurrentRetentionDays ?? 7;
    const problems: string[] = [];
    if (!/^([A-Za-z0-9!_.*'()-]+\/)+$/.test(keyPrefix)) {
      problems.push(`keyPrefix '${keyPrefix}' must be one or more path segments ending in '/', e.g. etcd/lab/`);
    }
    for (const [key, value] of [
      ["retentionDays", retentionDays],
      ["noncurrentRetentionDays", noncurrentRetentionDays],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        problems.push(`${key} ${value} must be a whole number of days, at least 1`);
    }
    if (problems.length > 0) throw new pulumi.ResourceError(`EtcdBackupBucket '${name}': ${problems.join("; ")}`, this);

    const bucket = new PrivateBucket(
      `${name}-bucket`,
      {
        bucketName: args.bucketName,
        kmsKeyArn: args.kmsKeyArn,
        versioned: true,
        lifecycleRules: etcdBackupLifecycleRules(keyPrefix, retentionDays, noncurrentRetentionDays),
        protect: true,
      },
      {
        parent: this,
        // The restore points must outlive the program that wrote them: removing the bucket from the program (or the
        // stack) leaves it in the account (https://www.pulumi.com/docs/iac/concepts/options/retainondelete/).
        transformations: [
          (resource) =>
            resource.type === "aws:s3/bucket:Bucket"
              ? { props: resource.props, opts: pulumi.mergeOptions(resource.opts, { retainOnDelete: true }) }
              : undefined,
        ],
      },
    );
    this.bucketName = bucket.bucketName;
    this.arn = bucket.arn;
    this.keyPrefix = pulumi.output(keyPrefix);
    this.writerPolicy = pulumi
      .all([bucket.arn, args.kmsKeyArn])
      .apply(([arn, key]) => etcdBackupWriterPolicy(arn, keyPrefix, key));
    this.registerOutputs({
      bucketName: this.bucketName,
      arn: this.arn,
      keyPrefix: this.keyPrefix,
      writerPolicy: this.writerPolicy,
    });
  }
}
