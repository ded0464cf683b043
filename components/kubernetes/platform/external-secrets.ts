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
import { isAwsRegion } from "../../common/validation";

/** Labels of the External Secrets webhook pods in the chart. */
export const EXTERNAL_SECRETS_WEBHOOK_LABELS = { "app.kubernetes.io/name": "external-secrets-webhook" } as const;

/** Arguments of {@link ExternalSecrets}. */
export interface ExternalSecretsArgs {
  /** AWS region of the lab's Secrets Manager secrets. */
  readonly region: string;
  /**
   * Access key allowed to read the secrets under the lab prefix only (`aws` stack output `labSecretsCredentials`);
   * kept a Pulumi secret.
   */
  readonly credentials: pulumi.Input<AwsAccessKey>;
  /** Name of the ClusterSecretStore applications reference. @default "aws-secrets-manager" */
  readonly clusterSecretStoreName?: string;
  /**
   * Namespaces whose ExternalSecrets may use the store. The store reads every secret the access key can read, so
   * naming the consumers keeps one application from reading another's. Empty: every namespace.
   * @default []
   */
  readonly allowedNamespaces?: readonly string[];
  /** Namespace of the operator and of the credentials Secret. @default "external-secrets" */
  readonly namespace?: string;
}

/** A `ClusterSecretStore` (external-secrets.io/v1) on AWS Secrets Manager with static credentials. */
export interface ClusterSecretStore {
  readonly apiVersion: "external-secrets.io/v1";
  readonly kind: "ClusterSecretStore";
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly provider: {
      readonly aws: {
        readonly service: "SecretsManager";
        readonly region: string;
        readonly auth: {
          readonly secretRef: {
            readonly accessKeyIDSecretRef: { readonly name: string; readonly key: string; readonly namespace: string };
            readonly secretAccessKeySecretRef: {
              readonly name: string;
              readonly key: string;
              readonly namespace: string;
            };
          };
        };
      };
    };
    readonly conditions?: { readonly namespaces: string[] }[];
  };
}

/** Plain inputs of {@link clusterSecretStoreSpec}. */
export interface ClusterSecretStoreInput {
  readonly name: string;
  readonly region: string;
  readonly credentialsSecret: string;
  readonly credentialsNamespace: string;
  readonly allowedNamespaces: readonly string[];
}

/** The store: Secrets Manager in `region`, authenticated by the access key in the credentials Secret. */
export function clusterSecretStoreSpec(input: ClusterSecretStoreInput): ClusterSecretStore {
  const ref = (key: string) => ({ name: input.credentialsSecret, key, namespace: input.credentialsNamespace });
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ClusterSecretStore",
    metadata: { name: input.name },
    spec: {
      provider: {
        aws: {
          service: "SecretsManager",
          region: input.region,
          auth: {
            secretRef: {
              accessKeyIDSecretRef: ref(AWS_CREDENTIAL_KEYS.accessKeyId),
              secretAccessKeySecretRef: ref(AWS_CREDENTIAL_KEYS.secretAccessKey),
            },
          },
        },
      },
      ...(input.allowedNamespaces.length === 0 ? {} : { conditions: [{ namespaces: [...input.allowedNamespaces] }] }),
    },
  };
}

/** Chart values: CRDs from the chart, requests and limits on the operator, its webhook and its cert controller. */
export function externalSecretsValues(): Record<string, unknown> {
  return {
    installCRDs: true,
    resources: resources("10m", "64Mi", "200m", "256Mi"),
    webhook: { resources: resources("10m", "32Mi", "100m", "128Mi") },
    certController: { resources: resources("10m", "64Mi", "100m", "256Mi") },
  };
}

/**
 * External Secrets Operator with one ClusterSecretStore on AWS Secrets Manager. The cluster runs outside AWS, so
 * the store authenticates with the narrow access key the `aws` stack makes for it, held in a Secret beside the
 * operator. The operator's chart runs under `restricted`.
 */
export class ExternalSecrets extends pulumi.ComponentResource {
  /** Name of the ClusterSecretStore. */
  readonly clusterSecretStoreName: pulumi.Output<string>;
  /** The operator's namespace. */
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:kubernetes:ExternalSecrets", name, {}, opts);
    const namespaceName = args.namespace ?? "external-secrets";
    const storeName = args.clusterSecretStoreName ?? "aws-secrets-manager";
    const allowedNamespaces = args.allowedNamespaces ?? [];
    requireDnsLabel(this, "ExternalSecrets", name, "namespace", namespaceName);
    requireDnsLabel(this, "ExternalSecrets", name, "clusterSecretStoreName", storeName);
    allowedNamespaces.forEach((ns) => requireDnsLabel(this, "ExternalSecrets", name, "allowedNamespaces", ns));
    if (!isAwsRegion(args.region)) {
      throw new pulumi.ResourceError(
        `ExternalSecrets '${name}': region '${args.region}' must be an AWS region such as eu-central-1`,
        this,
      );
    }

    const namespace = createNamespace(`${name}-namespace`, namespaceName, "restricted", this);
    // The webhook (the chart's port 10250), which the API server calls for every store and ExternalSecret.
    createNetworkPolicy(
      `${name}-allow-webhook`,
      allowIngressPolicySpec("allow-webhook", namespaceName, EXTERNAL_SECRETS_WEBHOOK_LABELS, [10250]),
      namespace.metadata.name,
      { parent: this, dependsOn: [namespace] },
    );
    const secretName = `${storeName}-credentials`;
    const secret = createAwsCredentialsSecret(`${name}-credentials`, secretName, namespace, args.credentials, this);
    const release = createRelease(
      `${name}-chart`,
      "external-secrets",
      CHARTS.externalSecrets,
      namespace,
      externalSecretsValues(),
      this,
    );
    const store = new kubernetes.apiextensions.CustomResource(
      `${name}-store`,
      clusterSecretStoreSpec({
        name: storeName,
        region: args.region,
        credentialsSecret: secretName,
        credentialsNamespace: namespaceName,
        allowedNamespaces,
      }),
      // The CRD and the validating webhook come with the release; the store reads the Secret at once.
      { parent: this, dependsOn: [release, secret] },
    );

    this.clusterSecretStoreName = store.metadata.name;
    this.namespace = namespace.metadata.name;
    this.registerOutputs({ clusterSecretStoreName: this.clusterSecretStoreName, namespace: this.namespace });
  }
}
