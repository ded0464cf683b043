import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { stringify } from "yaml";
import { isDnsLabel } from "../common/validation";
import { KUBERNETES_API_PORT } from "./machine-config";

/** What the admin kubeconfig is rendered from, as plain values. */
export interface KubeconfigInput {
  /** Cluster name: names the cluster entry, and the user and context `admin@<cluster>`. */
  readonly clusterName: string;
  /** The API server URL, `https://<vip>:6443`. */
  readonly server: string;
  /** The Kubernetes CA certificate PEM. */
  readonly caCertPem: string;
  /** Admin client certificate PEM (CN=admin, O=system:masters). */
  readonly clientCertPem: string;
  /** Its private key PEM. */
  readonly clientKeyPem: string;
}

/** What the talosconfig is rendered from, as plain values. */
export interface TalosconfigInput {
  /** Context name (the cluster name). */
  readonly context: string;
  /** Talos API endpoints: control-plane node IPs. Not the VIP, which is down whenever etcd is. */
  readonly endpoints: readonly string[];
  /** Default target nodes; none means every command names its nodes. */
  readonly nodes: readonly string[];
  /** The OS CA certificate PEM. */
  readonly caCertPem: string;
  /** Client certificate PEM (O=os:admin). */
  readonly clientCertPem: string;
  /** Its private key PEM. */
  readonly clientKeyPem: string;
}

const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");

/**
 * The admin kubeconfig, shaped like the one Talos generates (`pkg/kubeconfig/generate.go`): one cluster, user
 * `admin@<cluster>` with inline certificate data, and that context current, namespace `default`.
 */
export function renderKubeconfig(input: KubeconfigInput): string {
  if (!/^https:\/\/[^/\s]+$/.test(input.server)) {
    throw new Error(`kubeconfig server '${input.server}' must be https://<host>:<port> without a path`);
  }
  const user = `admin@${input.clusterName}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: input.clusterName,
        cluster: { server: input.server, "certificate-authority-data": b64(input.caCertPem) },
      },
    ],
    users: [
      {
        name: user,
        user: { "client-certificate-data": b64(input.clientCertPem), "client-key-data": b64(input.clientKeyPem) },
      },
    ],
    contexts: [{ name: user, context: { cluster: input.clusterName, namespace: "default", user } }],
    "current-context": user,
  });
}

/** The talosconfig (`pkg/machinery/client/config/config.go`): one context with base64 PEM `ca`, `crt` and `key`. */
export function renderTalosconfig(input: TalosconfigInput): string {
  if (input.endpoints.length === 0) {
    throw new Error(`talosconfig context '${input.context}': endpoints must name at least one control-plane node IP`);
  }
  return stringify({
    context: input.context,
    contexts: {
      [input.context]: {
        endpoints: [...input.endpoints],
        ...(input.nodes.length > 0 ? { nodes: [...input.nodes] } : {}),
        ca: b64(input.caCertPem),
        crt: b64(input.clientCertPem),
        key: b64(input.clientKeyPem),
      },
    },
  });
}

/** Arguments of {@link TalosAdminCredentials}. */
export interface TalosAdminCredentialsArgs {
  /** Cluster name, as in the machine configs; names the kubeconfig entries and the talosconfig context. */
  readonly clusterName: string;
  /** The control-plane VIP: the kubeconfig's server is `https://<vip>:6443`. */
  readonly vip: pulumi.Input<string>;
  /** Control-plane node IPs: the talosconfig endpoints. */
  readonly endpoints: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Default talosctl target nodes.
   * @default [] (every command names its nodes)
   */
  readonly nodes?: pulumi.Input<pulumi.Input<string>[]>;
  /** OS CA certificate PEM (from TalosSecrets). */
  readonly osCaCertPem: pulumi.Input<string>;
  /** OS CA private key PEM. */
  readonly osCaKeyPem: pulumi.Input<string>;
  /** Kubernetes CA certificate PEM. */
  readonly kubernetesCaCertPem: pulumi.Input<string>;
  /** Kubernetes CA private key PEM. */
  readonly kubernetesCaKeyPem: pulumi.Input<string>;
  /**
   * Lifetime of both client certificates in hours; Talos uses one year for both.
   * @default 8760
   */
  readonly validityHours?: number;
  /**
   * How long before expiry `pulumi up` re-issues a certificate (the tls provider's early renewal).
   * @default 720 (30 days)
   */
  readonly earlyRenewalHours?: number;
}

/**
 * The cluster's admin credentials, derived from our own CAs instead of fetched from a node (as Talos does in
 * https://github.com/siderolabs/talos/blob/v1.11.6/pkg/kubeconfig/generate.go and
 * https://github.com/siderolabs/talos/blob/v1.11.6/pkg/machinery/config/generate/secrets/ca.go): a Kubernetes client
 * certificate (CN=admin, O=system:masters, ECDSA P-256 like the Kubernetes CA) and a Talos API client certificate
 * (O=os:admin, Ed25519 like the OS CA), each valid a year and re-issued by `pulumi up` in its last 30 days, plus the
 * rendered kubeconfig and talosconfig. Every output is a Pulumi secret. Not protected: they are re-issued at will.
 */
export class TalosAdminCredentials extends pulumi.ComponentResource {
  /** The admin kubeconfig YAML (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** The talosconfig YAML (secret). */
  readonly talosconfig: pulumi.Output<string>;
  /** Kubernetes admin client certificate PEM (secret). */
  readonly kubernetesClientCertPem: pulumi.Output<string>;
  /** Its private key PEM (secret). */
  readonly kubernetesClientKeyPem: pulumi.Output<string>;
  /** Talos API admin client certificate PEM (secret). */
  readonly talosClientCertPem: pulumi.Output<string>;
  /** Its private key PEM (secret). */
  readonly talosClientKeyPem: pulumi.Output<string>;

  constructor(name: string, args: TalosAdminCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:talos:AdminCredentials", name, {}, opts);
    if (!isDnsLabel(args.clusterName)) {
      throw new pulumi.ResourceError(
        `TalosAdminCredentials '${name}': clusterName '${args.clusterName}' must be a lowercase DNS label, ` +
          "the same name the machine configs use",
        this,
      );
    }
    const validityHours = args.validityHours ?? 8760;
    const earlyRenewalHours = args.earlyRenewalHours ?? 720;
    if (!Number.isInteger(validityHours) || !Number.isInteger(earlyRenewalHours) || earlyRenewalHours < 0) {
      throw new pulumi.ResourceError(
        `TalosAdminCredentials '${name}': validityHours and earlyRenewalHours must be whole numbers of hours`,
        this,
      );
    }
    if (earlyRenewalHours >= validityHours) {
      throw new pulumi.ResourceError(
        `TalosAdminCredentials '${name}': earlyRenewalHours (${earlyRenewalHours}) must be less than ` +
          `validityHours (${validityHours}), or every run re-issues the certificates`,
        this,
      );
    }

    const clientCertificate = (
      suffix: string,
      algorithm: { algorithm: string; ecdsaCurve?: string },
      subject: tls.types.input.CertRequestSubject,
      allowedUses: string[],
      caCertPem: pulumi.Input<string>,
      caPrivateKeyPem: pulumi.Input<string>,
    ) => {
      const key = new tls.PrivateKey(`${name}-${suffix}-key`, algorithm, { parent: this });
      const request = new tls.CertRequest(
        `${name}-${suffix}-csr`,
        { privateKeyPem: key.privateKeyPem, subject },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        `${name}-${suffix}-cert`,
        {
          certRequestPem: request.certRequestPem,
          caCertPem,
          caPrivateKeyPem,
          validityPeriodHours: validityHours,
          earlyRenewalHours,
          allowedUses,
        },
        { parent: this },
      );
      return { certPem: pulumi.secret(cert.certPem), keyPem: pulumi.secret(key.privateKeyPem) };
    };

    // Talos's admin kubeconfig certificate: KeyUsage DigitalSignature|KeyEncipherment, ExtKeyUsage ClientAuth.
    const kubernetes = clientCertificate(
      "kubernetes-admin",
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { commonName: "admin", organization: "system:masters" },
      ["digital_signature", "key_encipherment", "client_auth"],
      args.kubernetesCaCertPem,
      args.kubernetesCaKeyPem,
    );
    // Talos's talosconfig certificate: the role is the Organization; apid checks the ClientAuth ExtKeyUsage.
    const talos = clientCertificate(
      "talos-admin",
      { algorithm: "ED25519" },
      { organization: "os:admin" },
      ["digital_signature", "client_auth"],
      args.osCaCertPem,
      args.osCaKeyPem,
    );

    this.kubernetesClientCertPem = kubernetes.certPem;
    this.kubernetesClientKeyPem = kubernetes.keyPem;
    this.talosClientCertPem = talos.certPem;
    this.talosClientKeyPem = talos.keyPem;
    const clusterName = args.clusterName;
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([args.vip, args.kubernetesCaCertPem, kubernetes.certPem, kubernetes.keyPem])
        .apply(([vip, caCertPem, clientCertPem, clientKeyPem]) =>
          renderKubeconfig({
            clusterName,
            server: `https://${vip}:${KUBERNETES_API_PORT}`,
            caCertPem,
            clientCertPem,
            clientKeyPem,
          }),
        ),
    );
    this.talosconfig = pulumi.secret(
      pulumi
        .all([args.endpoints, args.nodes ?? [], args.osCaCertPem, talos.certPem, talos.keyPem])
        .apply(([endpoints, nodes, caCertPem, clientCertPem, clientKeyPem]) =>
          renderTalosconfig({ context: clusterName, endpoints, nodes, caCertPem, clientCertPem, clientKeyPem }),
        ),
    );

    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
      kubernetesClientCertPem: this.kubernetesClientCertPem,
      kubernetesClientKeyPem: this.kubernetesClientKeyPem,
      talosClientCertPem: this.talosClientCertPem,
      talosClientKeyPem: this.talosClientKeyPem,
    });
  }
}
