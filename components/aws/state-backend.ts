import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KmsKey } from "./kms-key";
import { renderPolicy, Statement } from "./policy-document";
import { stateAccessPolicy } from "./state-access";

/** Arguments of {@link StateBackend}. */
export interface StateBackendArgs {
  /** Name of the S3 bucket that holds Pulumi state. Globally unique; 3–63 lowercase letters, digits, dots, hyphens. */
  readonly bucketName: string;
  /** The AWS region the bucket and key live in; it goes into the backend and secrets-provider URLs. */
  readonly region: string;
  /** The account that owns the key; its root principal administers the key through IAM. */
  readonly accountId: string;
  /**
   * Alias of the KMS key that encrypts Pulumi secrets.
   * @default "alias/foundation-state"
   */
  readonly keyAlias?: string;
  /**
   * Days KMS waits before deleting the key once deletion is scheduled (AWS allows 7–30).
   * @default 30
   */
  readonly keyDeletionWindowDays?: number;
  /**
   * Days a superseded state version is kept: the window in which an earlier state can be restored.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /** IAM roles (names) that preview: they read state and take locks. */
  readonly readerRoles?: readonly pulumi.Input<string>[];
  /** IAM roles (names) that deploy: they write state. */
  readonly writerRoles?: readonly pulumi.Input<string>[];
  /** Principals (ARNs) named in the key policy as users of the state key: the readers' and writers' roles. */
  readonly keyUserArns?: readonly pulumi.Input<string>[];
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The bucket policy of the state bucket: nothing reaches state without TLS 1.2 or newer.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
 */
export function stateBucketPolicy(bucketArn: string): string {
  const resources = [bucketArn, `${bucketArn}/*`];
  const statements: Statement[] = [
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
  return renderPolicy(statements);
}

/**
 * The Pulumi state backend: an S3 bucket (versioned, SSE-KMS, fully private, TLS only) and the KMS key that
 * encrypts Pulumi secrets. Bucket and key are `protect`ed: losing either loses every stack's state or secrets.
 * Facts: shared/reference/runner-aws-gitlab.md §6.
 */
export class StateBackend extends pulumi.ComponentResource {
  /** The state bucket's name. */
  readonly bucketName: pulumi.Output<string>;
  /** The state bucket's ARN. */
  readonly bucketArn: pulumi.Output<string>;
  /** ARN of the KMS key for Pulumi secrets and state encryption. */
  readonly keyArn: pulumi.Output<string>;
  /** The key's alias, e.g. `alias/foundation-state`. */
  readonly keyAlias: pulumi.Output<string>;
  /** The `pulumi login` URL of the backend. */
  readonly backendUrl: pulumi.Output<string>;
  /** The `--secrets-provider` URL of the key. */
  readonly secretsProviderUrl: pulumi.Output<string>;
  /** ARN of the managed policy that lets an identity preview (read state, take locks). */
  readonly readPolicyArn: pulumi.Output<string>;
  /** ARN of the managed policy that lets an identity deploy (write state). */
  readonly writePolicyArn: pulumi.Output<string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:StateBackend", name, args, opts);
    if (!BUCKET_NAME.test(args.bucketName) || args.bucketName.includes("..")) {
      throw new pulumi.ResourceError(
        `StateBackend '${name}': bucketName '${args.bucketName}' is not a valid S3 bucket name; ` +
          "use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
        this,
      );
    }
    const keyAlias = args.keyAlias ?? "alias/foundation-state";
    const noncurrentDays = args.noncurrentVersionExpirationDays ?? 90;

    const key = new KmsKey(
      `${name}-kms`,
      {
        description: "Pulumi state and secrets of the Foundation stacks",
        alias: keyAlias.replace(/^alias\//, ""),
        accountId: args.accountId,
        userArns: args.keyUserArns,
        deletionWindowDays: args.keyDeletionWindowDays,
      },
      { parent: this },
    );

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucket: args.bucketName, forceDestroy: false },
      { parent: this, protect: true },
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
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
            // S3 Bucket Keys cut KMS requests (and cost) for the many small state and history objects.
            bucketKeyEnabled: true,
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-superseded-state",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      // S3 rejects a lifecycle configuration on a bucket whose versioning is still being set up.
      { parent: this, dependsOn: [versioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.id, policy: bucket.arn.apply(stateBucketPolicy) },
      // A bucket policy put before the public access block is in place could be judged public and refused.
      { parent: this, dependsOn: [publicAccess, ownership] },
    );

    const policies = {
      read: new aws.iam.Policy(
        `${name}-read`,
        {
          description: "Preview Foundation stacks: read Pulumi state and take locks",
          policy: pulumi.all([bucket.arn, key.arn]).apply(([b, k]) => stateAccessPolicy("read", b, k)),
        },
        { parent: this },
      ),
      write: new aws.iam.Policy(
        `${name}-write`,
        {
          description: "Deploy Foundation stacks: read and write Pulumi state",
          policy: pulumi.all([bucket.arn, key.arn]).apply(([b, k]) => stateAccessPolicy("write", b, k)),
        },
        { parent: this },
      ),
    };
    const attach = (access: "read" | "write", roles: readonly pulumi.Input<string>[]) =>
      roles.forEach((role, i) => {
        new aws.iam.RolePolicyAttachment(
          `${name}-${access}-${i}`,
          { role, policyArn: policies[access].arn },
          { parent: this },
        );
      });
    attach("read", args.readerRoles ?? []);
    attach("write", args.writerRoles ?? []);

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.keyAlias = key.aliasName;
    this.readPolicyArn = policies.read.arn;
    this.writePolicyArn = policies.write.arn;
    // `awssdk=v2` selects the SDK that honours profiles and credential_process (shared/reference §6.1).
    this.backendUrl = pulumi.interpolate`s3://${bucket.bucket}?region=${args.region}&awssdk=v2`;
    this.secretsProviderUrl = pulumi.interpolate`awskms://${key.aliasName}?region=${args.region}&awssdk=v2`;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      keyArn: this.keyArn,
      keyAlias: this.keyAlias,
      backendUrl: this.backendUrl,
      secretsProviderUrl: this.secretsProviderUrl,
      readPolicyArn: this.readPolicyArn,
      writePolicyArn: this.writePolicyArn,
    });
  }
}
