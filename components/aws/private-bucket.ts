import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderPolicy, Statement } from "./policy-document";

/** The statements that refuse every request made without TLS 1.2 or newer. */
function tlsOnlyStatements(bucketArn: string): Statement[] {
  const resources = [bucketArn, `${bucketArn}/*`];
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOutdatedTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resources,
      Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
    },
  ];
}

/**
 * The bucket policy of a bucket that is only reachable over TLS 1.2 or newer.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
 */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return renderPolicy(tlsOnlyStatements(bucketArn));
}

/**
 * The statements that refuse an upload asking for any encryption but SSE-KMS with the bucket's own key: another
 * algorithm (`AES256`, `aws:kms:dsse`) or another KMS key (one the uploader controls, which would lock the bucket's
 * owner out of the object). An upload that asks for nothing gets the bucket's default, the same key, so both Denies
 * apply only when the header is present (`Null` false); a negated operator alone would also refuse header-less
 * uploads, which the Pulumi state backend and the runner cache make. The key is named by its ARN, the form the
 * condition key compares (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */
export function kmsUploadsOnlyStatements(bucketArn: string, kmsKeyArn: string): Statement[] {
  const algorithm = "s3:x-amz-server-side-encryption";
  const keyId = "s3:x-amz-server-side-encryption-aws-kms-key-id";
  return [
    {
      Sid: "DenyOtherEncryption",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { StringNotEquals: { [algorithm]: "aws:kms" }, Null: { [algorithm]: "false" } },
    },
    {
      Sid: "DenyOtherKmsKey",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { StringNotEquals: { [keyId]: kmsKeyArn }, Null: { [keyId]: "false" } },
    },
  ];
}

/**
 * The bucket policy every Foundation bucket carries: TLS 1.2 or newer only, and uploads encrypted with the bucket's
 * own customer key only.
 */
export function privateBucketPolicy(bucketArn: string, kmsKeyArn: string): string {
  return renderPolicy([...tlsOnlyStatements(bucketArn), ...kmsUploadsOnlyStatements(bucketArn, kmsKeyArn)]);
}

/** Arguments of {@link PrivateBucket}. */
export interface PrivateBucketArgs {
  /** Globally unique bucket name; 3–63 lowercase letters, digits, dots, hyphens. */
  readonly bucketName: string;
  /** ARN of the KMS key every object is encrypted with by default. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /**
   * Keep every version of every object (for state that must be restorable).
   * @default false
   */
  readonly versioned?: boolean;
  /** Lifecycle rules; an empty list sets none. @default [] */
  readonly lifecycleRules?: readonly aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /**
   * Protect the bucket (stateful data) from deletion.
   * @default false
   */
  readonly protect?: boolean;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * An S3 bucket that is private in every way S3 allows: ACLs disabled (bucket-owner-enforced), the full public
 * access block, SSE-KMS with a customer key and S3 Bucket Keys, and a bucket policy that refuses requests without
 * TLS and uploads that ask for another encryption or another key. Optionally
 * versioned and with lifecycle rules.
 */
export class PrivateBucket extends pulumi.ComponentResource {
  /** The bucket's name. */
  readonly bucketName: pulumi.Output<string>;
  /** The bucket's ARN. */
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: PrivateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:PrivateBucket", name, {}, opts);
    if (!BUCKET_NAME.test(args.bucketName) || args.bucketName.includes("..")) {
      throw new pulumi.ResourceError(
        `PrivateBucket '${name}': bucketName '${args.bucketName}' is not a valid S3 bucket name; ` +
          "use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
        this,
      );
    }
    const bucket = new aws.s3.Bucket(
      name,
      { bucket: args.bucketName, forceDestroy: false },
      { parent: this, protect: args.protect ?? false },
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
            // S3 Bucket Keys cut KMS requests (and cost) for many small objects.
            bucketKeyEnabled: true,
          },
        ],
      },
      { parent: this },
    );
    const versioning = args.versioned
      ? new aws.s3.BucketVersioning(
          `${name}-versioning`,
          { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
          { parent: this },
        )
      : undefined;
    if ((args.lifecycleRules ?? []).length > 0) {
      new aws.s3.BucketLifecycleConfiguration(
        `${name}-lifecycle`,
        { bucket: bucket.id, rules: [...(args.lifecycleRules ?? [])] },
        // S3 rejects a lifecycle configuration on a bucket whose versioning is still being set up.
        { parent: this, dependsOn: versioning ? [versioning] : [] },
      );
    }
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, args.kmsKeyArn]).apply(([arn, key]) => privateBucketPolicy(arn, key)),
      },
      // A bucket policy put before the public access block is in place could be judged public and refused.
      { parent: this, dependsOn: [publicAccess, ownership] },
    );
    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}
