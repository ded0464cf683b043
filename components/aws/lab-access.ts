import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { renderPolicy } from "./policy-document";
import { FOUNDATION_IAM_PATH } from "./iam-path";

/** Arguments of {@link LabAccess}. */
export interface LabAccessArgs {
  /** The lab's DNS domain, delegated to the hosted zone this makes. */
  readonly domain: string;
  /** Secrets Manager name prefix of the lab's secrets, e.g. `lab/`. */
  readonly secretsPrefix: string;
  /** ARN of the application-secrets KMS key; every lab secret is encrypted with it. */
  readonly secretsKeyArn: pulumi.Input<string>;
  /** Secrets to create under the prefix (names without the prefix), each with a generated value. */
  readonly secrets: readonly string[];
  /**
   * Changing this replaces both access keys: the new keys exist before the old ones are deleted (IAM allows two
   * keys per user), so a rotation is one `pulumi up` of `aws` followed by one of `lab`.
   */
  readonly credentialRotation: string;
  /** The account the lab's resources live in (the provider's account); it scopes the secrets policy. */
  readonly accountId: pulumi.Input<string>;
  /** The region of the secrets. */
  readonly region: string;
  /**
   * ARN of the account's permissions boundary, which both users carry: the deployer role may create and change
   * users only with it (components/aws/guardrails.ts). Pass it as an Output of the boundary policy so the users
   * wait for it.
   */
  readonly permissionsBoundary?: pulumi.Input<string>;
}

/** Credentials of one IAM user, as the cluster's controllers read them. */
export interface AccessKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * What ExternalDNS and cert-manager may do: change records of the lab zone only, and read what they need to find
 * it and follow a change (https://cert-manager.io/docs/configuration/acme/dns01/route53/, ExternalDNS AWS tutorial).
 */
export function dnsPolicy(zoneArn: string): string {
  return renderPolicy([
    {
      Sid: "ChangeLabZone",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
      Resource: zoneArn,
    },
    { Sid: "FollowChanges", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
    {
      Sid: "FindZones",
      Effect: "Allow",
      Action: ["route53:ListHostedZones", "route53:ListHostedZonesByName", "route53:ListTagsForResources"],
      Resource: "*",
    },
  ]);
}

/** What External Secrets may do: read the secrets under the lab prefix, and decrypt them through Secrets Manager. */
export function secretsReadPolicy(region: string, accountId: string, prefix: string, keyArn: string): string {
  return renderPolicy([
    {
      Sid: "ReadLabSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: `arn:aws:secretsmanager:${region}:${accountId}:secret:${prefix}*`,
    },
    {
      Sid: "DecryptThroughSecretsManager",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: keyArn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
    },
  ]);
}

/**
 * What the lab cluster may use in AWS: the hosted zone of its domain, secrets under its prefix, and two IAM users
 * with the narrowest policies for the controllers that use them (ExternalDNS and cert-manager on the zone;
 * External Secrets on the prefix). The cluster runs outside AWS without workload identity federation, so these are
 * access keys: the policy pack's declared exception, rotated through {@link LabAccessArgs.credentialRotation}.
 */
export class LabAccess extends pulumi.ComponentResource {
  /** The hosted zone's id. */
  readonly zoneId: pulumi.Output<string>;
  /** The zone's name servers, to delegate the domain to. */
  readonly nameServers: pulumi.Output<string[]>;
  /** Names of the created secrets, by name without prefix. */
  readonly secretNames: pulumi.Output<Record<string, string>>;
  /** Credentials for ExternalDNS and cert-manager; secret. */
  readonly dnsCredentials: pulumi.Output<AccessKeyPair>;
  /** Credentials for External Secrets; secret. */
  readonly secretsCredentials: pulumi.Output<AccessKeyPair>;

  constructor(name: string, args: LabAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:LabAccess", name, {}, opts);
    if (!/^[A-Za-z0-9/_+=.@-]+\/$/.test(args.secretsPrefix)) {
      throw new pulumi.ResourceError(
        `LabAccess '${name}': secretsPrefix '${args.secretsPrefix}' must be a Secrets Manager path ending in '/', e.g. lab/`,
        this,
      );
    }
    if (!/^[A-Za-z0-9._-]+$/.test(args.credentialRotation)) {
      throw new pulumi.ResourceError(
        `LabAccess '${name}': credentialRotation must be a short label such as 2026-11 (letters, digits, . _ -)`,
        this,
      );
    }
    const zone = new aws.route53.Zone(
      `${name}-zone`,
      { name: args.domain, comment: "The lab cluster's domain (ExternalDNS, cert-manager)", forceDestroy: false },
      // Records and the parent's delegation point at this zone's name servers; a new zone would break both.
      { parent: this, protect: true },
    );

    const secrets = args.secrets.map((secretName) => {
      const secret = new aws.secretsmanager.Secret(
        `${name}-${secretName.replace(/[^a-z0-9-]/gi, "-")}`,
        {
          name: `${args.secretsPrefix}${secretName}`,
          kmsKeyId: args.secretsKeyArn,
          recoveryWindowInDays: 30,
          description: `Lab secret read by External Secrets (${secretName})`,
        },
        { parent: this },
      );
      const value = new random.RandomPassword(
        `${name}-${secretName.replace(/[^a-z0-9-]/gi, "-")}`,
        { length: 32, special: false },
        { parent: this },
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-${secretName.replace(/[^a-z0-9-]/gi, "-")}`,
        { secretId: secret.id, secretString: value.result.apply((password) => JSON.stringify({ password })) },
        { parent: this },
      );
      return [secretName, secret] as const;
    });

    const user = (purpose: string, policy: pulumi.Input<string>) => {
      const iamUser = new aws.iam.User(
        `${name}-${purpose}`,
        {
          name: `${name}-${purpose}`,
          path: `${FOUNDATION_IAM_PATH}lab/`,
          permissionsBoundary: args.permissionsBoundary,
        },
        { parent: this },
      );
      new aws.iam.UserPolicy(`${name}-${purpose}`, { user: iamUser.name, policy }, { parent: this });
      const key = new aws.iam.AccessKey(
        `${name}-${purpose}-${args.credentialRotation}`,
        { user: iamUser.name },
        { parent: this, additionalSecretOutputs: ["secret"] },
      );
      return pulumi.secret(
        pulumi.all([key.id, key.secret]).apply(([accessKeyId, secretAccessKey]) => ({ accessKeyId, secretAccessKey })),
      );
    };

    this.zoneId = zone.zoneId;
    this.nameServers = zone.nameServers;
    this.secretNames = pulumi
      .all(Object.fromEntries(secrets.map(([n, s]) => [n, s.name])))
      .apply((v) => v as Record<string, string>);
    this.dnsCredentials = user("dns", zone.arn.apply(dnsPolicy));
    this.secretsCredentials = user(
      "secrets",
      pulumi
        .all([args.accountId, args.secretsKeyArn])
        .apply(([account, key]) => secretsReadPolicy(args.region, account, args.secretsPrefix, key)),
    );
    this.registerOutputs({
      zoneId: this.zoneId,
      nameServers: this.nameServers,
      secretNames: this.secretNames,
      dnsCredentials: this.dnsCredentials,
      secretsCredentials: this.secretsCredentials,
    });
  }
}
