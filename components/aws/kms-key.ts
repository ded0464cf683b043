import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderPolicy, Statement } from "./policy-document";

/** Actions a key user needs to encrypt and decrypt with a symmetric key. */
export const KEY_USER_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:DescribeKey",
] as const;

/**
 * A key policy that names who uses the key. The account root statement delegates administration to IAM (AWS's
 * default key policy); users get exactly {@link KEY_USER_ACTIONS}, and services, when given, only through the
 * named AWS service (`kms:ViaService`).
 */
export function keyPolicy(accountId: string, userArns: readonly string[], viaServices: readonly string[] = []): string {
  const statements: Statement[] = [
    {
      Sid: "AccountAdministersKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (userArns.length > 0) {
    const statement: Statement = {
      Sid: "NamedPrincipalsUseKey",
      Effect: "Allow",
      Principal: { AWS: [...userArns].sort() },
      Action: [...KEY_USER_ACTIONS],
      Resource: "*",
      ...(viaServices.length > 0 ? { Condition: { StringEquals: { "kms:ViaService": [...viaServices] } } } : {}),
    };
    statements.push(statement);
  }
  return renderPolicy(statements);
}

/** Arguments of {@link KmsKey}. */
export interface KmsKeyArgs {
  /** What the key protects; the key's description. */
  readonly description: string;
  /** Alias without the `alias/` prefix. */
  readonly alias: string;
  /** The account that owns the key (the provider's account). */
  readonly accountId: pulumi.Input<string>;
  /** Principals (role ARNs) that encrypt and decrypt with the key. */
  readonly userArns?: readonly pulumi.Input<string>[];
  /** When set, users may use the key only through these services (e.g. `s3.eu-central-1.amazonaws.com`). */
  readonly viaServices?: readonly string[];
  /**
   * Days before a scheduled deletion happens; the standard is AWS's maximum.
   * @default 30
   */
  readonly deletionWindowDays?: number;
}

/**
 * A customer managed symmetric KMS key with yearly rotation, a 30-day deletion window, an alias and a key policy
 * that names its users. The key is `protect`ed: deleting it destroys everything it encrypted.
 */
export class KmsKey extends pulumi.ComponentResource {
  /** The key's ARN. */
  readonly arn: pulumi.Output<string>;
  /** The key id. */
  readonly keyId: pulumi.Output<string>;
  /** The alias name, `alias/<alias>`. */
  readonly aliasName: pulumi.Output<string>;

  constructor(name: string, args: KmsKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:KmsKey", name, {}, opts);
    const window = args.deletionWindowDays ?? 30;
    if (!Number.isInteger(window) || window < 7 || window > 30) {
      throw new pulumi.ResourceError(`KmsKey '${name}': deletionWindowDays must be from 7 to 30 (AWS's limits)`, this);
    }
    const users = pulumi.all([...(args.userArns ?? [])]);
    const accountId = pulumi.output(args.accountId);
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: args.description,
        enableKeyRotation: true,
        deletionWindowInDays: window,
        policy: pulumi.all([accountId, users]).apply(([account, arns]) => keyPolicy(account, arns, args.viaServices)),
      },
      { parent: this, protect: true },
    );
    const alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${args.alias}`, targetKeyId: key.keyId },
      { parent: this },
    );
    this.arn = key.arn;
    this.keyId = key.keyId;
    this.aliasName = alias.name;
    this.registerOutputs({ arn: this.arn, keyId: this.keyId, aliasName: this.aliasName });
  }
}
