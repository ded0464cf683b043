import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  allowIngressPolicySpec,
  AWS_CREDENTIAL_KEYS,
  AwsAccessKey,
  CHARTS,
  createAwsCredentialsSecret,
  createNamespace,
  createNetworkPolicy,
  createRelease,
  requireDnsLabel,
  resources,
} from "./common";

/** Let's Encrypt's production ACME directory. */
export const LETS_ENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

/** Labels of cert-manager's webhook pods in the chart. */
export const CERT_MANAGER_WEBHOOK_LABELS = {
  "app.kubernetes.io/name": "webhook",
  "app.kubernetes.io/component": "webhook",
} as const;

/** Arguments of {@link CertManager}. */
export interface CertManagerArgs {
  /** The lab's domain: the issuer solves DNS-01 challenges for names in this zone only. */
  readonly domain: string;
  /** Route 53 hosted zone id of the domain (`aws` stack output `labZoneId`). */
  readonly zoneId: pulumi.Input<string>;
  /** AWS region the Route 53 client signs for. */
  readonly region: string;
  /** Access key allowed to change the lab zone only (`aws` stack output `labDnsCredentials`); kept secret. */
  readonly credentials: pulumi.Input<AwsAccessKey>;
  /** Contact address of the ACME account (expiry and policy notices). */
  readonly email: string;
  /** ACME directory URL. @default LETS_ENCRYPT_PRODUCTION */
  readonly acmeServer?: string;
  /** Name of the ClusterIssuer Ingresses reference. @default "letsencrypt" */
  readonly clusterIssuerName?: string;
  /** Namespace of cert-manager, its credentials Secret and the ACME account key. @default "cert-manager" */
  readonly namespace?: string;
}

/** A `ClusterIssuer` (cert-manager.io/v1) with one ACME DNS-01 solver on Route 53. */
export interface ClusterIssuer {
  readonly apiVersion: "cert-manager.io/v1";
  readonly kind: "ClusterIssuer";
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly acme: {
      readonly server: string;
      readonly email: string;
      readonly privateKeySecretRef: { readonly name: string };
      readonly solvers: {
        readonly selector: { readonly dnsZones: string[] };
        readonly dns01: {
          readonly route53: {
            readonly region: string;
            readonly hostedZoneID: string;
            readonly accessKeyIDSecretRef: { readonly name: string; readonly key: string };
            readonly secretAccessKeySecretRef: { readonly name: string; readonly key: string };
          };
        };
      }[];
    };
  };
}

/** Plain inputs of {@link clusterIssuerSpec}. */
export interface ClusterIssuerInput {
  readonly name: string;
  readonly server: string;
  readonly email: string;
  readonly domain: string;
  readonly zoneId: string;
  readonly region: string;
  readonly credentialsSecret: string;
}

/**
 * The issuer. DNS-01 rather than HTTP-01: it needs no inbound path from Let's Encrypt to the lab, which sits
 * behind a private address range. A ClusterIssuer reads its Secrets from cert-manager's own namespace.
 */
export function clusterIssuerSpec(input: ClusterIssuerInput): ClusterIssuer {
  const ref = (key: string) => ({ name: input.credentialsSecret, key });
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: input.name },
    spec: {
      acme: {
        server: input.server,
        email: input.email,
        privateKeySecretRef: { name: `${input.name}-account-key` },
        solvers: [
          {
            selector: { dnsZones: [input.domain] },
            dns01: {
              route53: {
                region: input.region,
                hostedZoneID: input.zoneId,
                accessKeyIDSecretRef: ref(AWS_CREDENTIAL_KEYS.accessKeyId),
                secretAccessKeySecretRef: ref(AWS_CREDENTIAL_KEYS.secretAccessKey),
              },
            },
          },
        ],
      },
    },
  };
}

/** Chart values: CRDs from the chart (kept on uninstall), requests and limits on every component. */
export function certManagerValues(): Record<string, unknown> {
  return {
    crds: { enabled: true, keep: true },
    resources: resources("10m", "64Mi", "200m", "256Mi"),
    webhook: { resources: resources("10m", "32Mi", "100m", "128Mi") },
    cainjector: { resources: resources("10m", "64Mi", "100m", "256Mi") },
    startupapicheck: { resources: resources("10m", "32Mi", "100m", "64Mi") },
  };
}

/**
 * cert-manager with a ClusterIssuer that gets certificates from an ACME CA through DNS-01 challenges in the lab's
 * Route 53 zone. The chart's defaults satisfy `restricted`.
 */
export class CertManager extends pulumi.ComponentResource {
  /** Name of the ClusterIssuer (annotation `cert-manager.io/cluster-issuer` on an Ingress). */
  readonly clusterIssuerName: pulumi.Output<string>;
  /** cert-manager's namespace. */
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:CertManager", name, {}, opts);
    const namespaceName = args.namespace ?? "cert-manager";
    const issuerName = args.clusterIssuerName ?? "letsencrypt";
    const server = args.acmeServer ?? LETS_ENCRYPT_PRODUCTION;
    requireDnsLabel(this, "CertManager", name, "namespace", namespaceName);
    requireDnsLabel(this, "CertManager", name, "clusterIssuerName", issuerName);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.email)) {
      throw new pulumi.ResourceError(
        `CertManager '${name}': email '${args.email}' must be an address the ACME CA can write to`,
        this,
      );
    }
    if (!server.startsWith("https://")) {
      throw new pulumi.ResourceError(
        `CertManager '${name}': acmeServer '${server}' must be an https:// ACME directory URL`,
        this,
      );
    }

    const namespace = createNamespace(`${name}-namespace`, namespaceName, "restricted", this);
    // The webhook (the chart's securePort 10250), which the API server calls for every cert-manager object.
    createNetworkPolicy(
      `${name}-allow-webhook`,
      allowIngressPolicySpec("allow-webhook", namespaceName, CERT_MANAGER_WEBHOOK_LABELS, [10250]),
      namespace.metadata.name,
      { parent: this, dependsOn: [namespace] },
    );
    const secretName = `${issuerName}-route53-credentials`;
    const secret = createAwsCredentialsSecret(`${name}-credentials`, secretName, namespace, args.credentials, this);
    const release = createRelease(
      `${name}-chart`,
      "cert-manager",
      CHARTS.certManager,
      namespace,
      certManagerValues(),
      this,
    );
    const rendered = pulumi.output(args.zoneId).apply((zoneId) =>
      clusterIssuerSpec({
        name: issuerName,
        server,
        email: args.email,
        domain: args.domain,
        zoneId,
        region: args.region,
        credentialsSecret: secretName,
      }),
    );
    const issuer = new kubernetes.apiextensions.CustomResource(
      `${name}-issuer`,
      // Type and name are known now; only the zone id may wait for the aws stack.
      { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: issuerName }, spec: rendered.spec },
      { parent: this, dependsOn: [release, secret] },
    );

    this.clusterIssuerName = issuer.metadata.name;
    this.namespace = namespace.metadata.name;
    this.registerOutputs({ clusterIssuerName: this.clusterIssuerName, namespace: this.namespace });
  }
}
