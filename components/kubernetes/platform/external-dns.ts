import * as pulumi from "@pulumi/pulumi";
import {
  AWS_CREDENTIAL_KEYS,
  AwsAccessKey,
  CHARTS,
  createAwsCredentialsSecret,
  createNamespace,
  createRelease,
  requireDnsLabel,
  resources,
  RESTRICTED_CONTAINER,
} from "./common";

/**
 * How ExternalDNS treats records: `sync` also deletes the records of Ingresses that are gone; `upsert-only` never
 * deletes.
 */
export type ExternalDnsPolicy = "sync" | "upsert-only";

/** Arguments of {@link ExternalDns}. */
export interface ExternalDnsArgs {
  /** The lab's domain: the only one ExternalDNS manages. */
  readonly domain: string;
  /** Route 53 hosted zone id of the domain (`aws` stack output `labZoneId`). */
  readonly zoneId: pulumi.Input<string>;
  /** AWS region the Route 53 client signs for. */
  readonly region: string;
  /** Access key allowed to change the lab zone only (`aws` stack output `labDnsCredentials`); kept secret. */
  readonly credentials: pulumi.Input<AwsAccessKey>;
  /**
   * Owner id written in the TXT registry records. ExternalDNS changes only records that carry its own id, so two
   * clusters (or a rebuilt one with a new id) never fight over a name. Keep it stable for the cluster's life.
   */
  readonly txtOwnerId: string;
  /**
   * `sync` by default: the zone is the lab's own and the TXT registry limits deletions to records this cluster made,
   * so removing an Ingress removes its name instead of leaving it pointing at an address MetalLB may hand to
   * another Service. `upsert-only` suits a zone shared with hand-made records one does not trust to the registry.
   * @default "sync"
   */
  readonly policy?: ExternalDnsPolicy;
  /** Namespace of ExternalDNS and its credentials Secret. @default "external-dns" */
  readonly namespace?: string;
}

/** Plain inputs of {@link externalDnsValues}. */
export interface ExternalDnsValuesInput {
  readonly domain: string;
  readonly zoneId: string;
  readonly region: string;
  readonly txtOwnerId: string;
  readonly policy: ExternalDnsPolicy;
  readonly credentialsSecret: string;
}

/**
 * Chart values: the AWS provider on one zone, Ingresses as the source (their status carries Traefik's MetalLB
 * address), the TXT registry with the owner id, the explicit policy, credentials from the Secret by reference.
 */
export function externalDnsValues(input: ExternalDnsValuesInput): Record<string, unknown> {
  const fromSecret = (key: string) => ({ secretKeyRef: { name: input.credentialsSecret, key } });
  return {
    provider: { name: "aws" },
    env: [
      { name: "AWS_DEFAULT_REGION", value: input.region },
      { name: "AWS_ACCESS_KEY_ID", valueFrom: fromSecret(AWS_CREDENTIAL_KEYS.accessKeyId) },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: fromSecret(AWS_CREDENTIAL_KEYS.secretAccessKey) },
    ],
    sources: ["ingress"],
    domainFilters: [input.domain],
    // The key may list zones but change only this one; filtering by id keeps ExternalDNS off look-alike zones.
    extraArgs: [`--zone-id-filter=${input.zoneId}`, "--aws-zone-type=public"],
    policy: input.policy,
    registry: "txt",
    txtOwnerId: input.txtOwnerId,
    interval: "1m",
    podSecurityContext: { runAsNonRoot: true, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
    securityContext: { ...RESTRICTED_CONTAINER, runAsUser: 65532, runAsGroup: 65532 },
    resources: resources("10m", "64Mi", "100m", "128Mi"),
  };
}

/** ExternalDNS publishing the lab's Ingress host names in its Route 53 zone, under `restricted` pod security. */
export class ExternalDns extends pulumi.ComponentResource {
  /** ExternalDNS's namespace. */
  readonly namespace: pulumi.Output<string>;
  /** The TXT registry owner id. */
  readonly txtOwnerId: pulumi.Output<string>;

  constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:ExternalDns", name, {}, opts);
    const namespaceName = args.namespace ?? "external-dns";
    const policy = args.policy ?? "sync";
    requireDnsLabel(this, "ExternalDns", name, "namespace", namespaceName);
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(args.txtOwnerId)) {
      throw new pulumi.ResourceError(
        `ExternalDns '${name}': txtOwnerId '${args.txtOwnerId}' must be a short stable id (lowercase letters, digits, hyphens), e.g. lab`,
        this,
      );
    }
    if (policy !== "sync" && policy !== "upsert-only") {
      throw new pulumi.ResourceError(
        `ExternalDns '${name}': policy '${policy as string}' must be sync or upsert-only`,
        this,
      );
    }
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(args.domain)) {
      throw new pulumi.ResourceError(
        `ExternalDns '${name}': domain '${args.domain}' must be a lowercase DNS name such as lab.example.com`,
        this,
      );
    }

    const namespace = createNamespace(`${name}-namespace`, namespaceName, "restricted", this);
    const secretName = "external-dns-aws-credentials";
    const secret = createAwsCredentialsSecret(`${name}-credentials`, secretName, namespace, args.credentials, this);
    const values = pulumi.output(args.zoneId).apply((zoneId) =>
      externalDnsValues({
        domain: args.domain,
        zoneId,
        region: args.region,
        txtOwnerId: args.txtOwnerId,
        policy,
        credentialsSecret: secretName,
      }),
    );
    createRelease(`${name}-chart`, "external-dns", CHARTS.externalDns, namespace, values, this, [secret]);

    this.namespace = namespace.metadata.name;
    this.txtOwnerId = pulumi.output(args.txtOwnerId);
    this.registerOutputs({ namespace: this.namespace, txtOwnerId: this.txtOwnerId });
  }
}
