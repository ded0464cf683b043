import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KmsKey } from "./kms-key";
import { PrivateBucket } from "./private-bucket";
import { stateAccessPolicy } from "./state-access";
import { FOUNDATION_IAM_PATH } from "./iam-path";

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

/**
 * The Pulumi state backend: a private S3 bucket (versioned, SSE-KMS, TLS only) and the KMS key that encrypts Pulumi
 * secrets. Bucket and key are `protect`ed: losing either loses every stack's state or secrets. Layout, locking and the
 * KMS secrets provider: https://www.pulumi.com/docs/iac/operations/stack-management/using-a-diy-backend/ and
 * https://www.pulumi.com/docs/iac/concepts/secrets/.
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
    super("foundation:aws:StateBackend", name, {}, opts);
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

    const bucket = new PrivateBucket(
      `${name}-bucket`,
      {
        bucketName: args.bucketName,
        kmsKeyArn: key.arn,
        versioned: true,
        protect: true,
        lifecycleRules: [
          {
            id: "expire-superseded-state",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );

    const policies = {
      read: new aws.iam.Policy(
        `${name}-read`,
        {
          path: FOUNDATION_IAM_PATH,
          description: "Preview Foundation stacks: read Pulumi state and take locks",
          policy: pulumi.all([bucket.arn, key.arn]).apply(([b, k]) => stateAccessPolicy("read", b, k)),
        },
        { parent: this },
      ),
      write: new aws.iam.Policy(
        `${name}-write`,
        {
          path: FOUNDATION_IAM_PATH,
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

    this.bucketName = bucket.bucketName;
    this.bucketArn = bucket.arn;
    this.keyArn = key.arn;
    this.keyAlias = key.aliasName;
    this.readPolicyArn = policies.read.arn;
    this.writePolicyArn = policies.write.arn;
    // `awssdk=v2` selects the SDK that honours profiles and credential_process
    // (https://www.pulumi.com/docs/iac/operations/stack-management/using-a-diy-backend/).
    this.backendUrl = pulumi.interpolate`s3://${bucket.bucketName}?region=${args.region}&awssdk=v2`;
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
