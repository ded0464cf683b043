import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

/** A PEM certificate and its PEM private key, as plain strings. */
export interface CertificateAndKey {
  /** The certificate, PEM (`-----BEGIN CERTIFICATE-----`). */
  readonly certPem: string;
  /** The private key, PEM. */
  readonly keyPem: string;
}

/**
 * Every secret of a Talos cluster as plain values: what `talosctl gen secrets` writes, and what the machine config
 * renderer and the credential renderers take. Only ever handled inside `apply`, never logged.
 */
export interface TalosSecretsBundle {
  /** `cluster.id`: URL-safe base64 of 32 random bytes (44 characters). */
  readonly clusterId: string;
  /** `cluster.secret`: standard base64 of 32 random bytes; the discovery service uses it as an AES key. */
  readonly clusterSecret: string;
  /** `cluster.token`: the Kubernetes bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`. */
  readonly bootstrapToken: string;
  /** `machine.token`: the trustd join token, same format as the bootstrap token. */
  readonly machineToken: string;
  /** `cluster.secretboxEncryptionSecret`: standard base64 of 32 random bytes (the secretbox key for etcd data). */
  readonly secretboxEncryptionSecret: string;
  /** The OS (Talos API) CA, Ed25519, O=talos. Its key goes to control planes only. */
  readonly osCa: CertificateAndKey;
  /** The Kubernetes CA, ECDSA P-256, O=kubernetes. */
  readonly kubernetesCa: CertificateAndKey;
  /** The etcd CA, ECDSA P-256, O=etcd. */
  readonly etcdCa: CertificateAndKey;
  /** The front-proxy (aggregator) CA, ECDSA P-256, empty subject as Talos makes it. */
  readonly aggregatorCa: CertificateAndKey;
  /** The service-account signing key, RSA 4096 (`RSA PRIVATE KEY`, PKCS#1). */
  readonly serviceAccountKeyPem: string;
}

/** Arguments of {@link TalosSecrets}. */
export interface TalosSecretsArgs {
  /**
   * Validity of the four CAs in hours. Talos uses ten years (`secrets.CAValidityTime`). The tls provider replaces a
   * certificate once it expires, which `protect` then blocks: CA rotation is a deliberate operation, never a side
   * effect of `pulumi up`.
   * @default 87600
   */
  readonly caValidityHours?: number;
}

/** Ten years, as `talosctl gen secrets` (`pkg/machinery/config/generate/secrets/ca.go`). */
const DEFAULT_CA_VALIDITY_HOURS = 87600;

/**
 * What Talos's CA template sets (siderolabs/crypto `NewSelfSignedCertificateAuthority`): KeyUsage CertSign and
 * DigitalSignature, ExtKeyUsage ServerAuth and ClientAuth.
 */
const CA_ALLOWED_USES = ["cert_signing", "digital_signature", "server_auth", "client_auth"];

/**
 * The secrets bundle of one Talos cluster, made the way `talosctl gen secrets` makes it
 * (https://github.com/siderolabs/talos/blob/v1.11.6/pkg/machinery/config/generate/secrets/bundle.go and `ca.go` beside
 * it): Ed25519 OS CA, ECDSA P-256 Kubernetes, etcd and aggregator CAs, an RSA 4096 service-account key, two
 * `[a-z0-9]{6}.[a-z0-9]{16}` tokens and three 32-byte random values. Every output is a Pulumi secret.
 *
 * Protection: every child is created with `protect: true` in its own options. A child's explicit option wins over
 * what it would inherit from this component, so a caller passing `protect: false` (or nothing) to the component
 * cannot unprotect the CAs and keys; the caller's other options (providers, transformations) still reach the
 * children through the parent. Losing these resources means a new cluster: removing them takes a deliberate
 * `pulumi state unprotect` first (docs/lab.md).
 */
export class TalosSecrets extends pulumi.ComponentResource {
  /** `cluster.id` (secret). */
  readonly clusterId: pulumi.Output<string>;
  /** `cluster.secret` (secret). */
  readonly clusterSecret: pulumi.Output<string>;
  /** The Kubernetes bootstrap token `cluster.token` (secret). */
  readonly bootstrapToken: pulumi.Output<string>;
  /** The trustd join token `machine.token` (secret). */
  readonly machineToken: pulumi.Output<string>;
  /** `cluster.secretboxEncryptionSecret` (secret). */
  readonly secretboxEncryptionSecret: pulumi.Output<string>;
  /** OS CA certificate PEM (secret, like the rest of the bundle). */
  readonly osCaCertPem: pulumi.Output<string>;
  /** OS CA private key PEM (PKCS#8 `PRIVATE KEY`, which Talos accepts from v1.11) (secret). */
  readonly osCaKeyPem: pulumi.Output<string>;
  /** Kubernetes CA certificate PEM (secret). */
  readonly kubernetesCaCertPem: pulumi.Output<string>;
  /** Kubernetes CA private key PEM (secret). */
  readonly kubernetesCaKeyPem: pulumi.Output<string>;
  /** The whole bundle as one plain object, for renderers inside `apply` (secret). */
  readonly bundle: pulumi.Output<TalosSecretsBundle>;

  constructor(name: string, args: TalosSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:talos:Secrets", name, {}, opts);
    const caValidityHours = args.caValidityHours ?? DEFAULT_CA_VALIDITY_HOURS;
    if (!Number.isInteger(caValidityHours) || caValidityHours < 1) {
      throw new pulumi.ResourceError(
        `TalosSecrets '${name}': caValidityHours must be a positive whole number of hours, got ${caValidityHours}; ` +
          "leave it unset for Talos's ten years (87600)",
        this,
      );
    }
    const childOpts: pulumi.CustomResourceOptions = { parent: this, protect: true };

    const ca = (suffix: string, key: tls.PrivateKey, organization: string | undefined): tls.SelfSignedCert =>
      new tls.SelfSignedCert(
        `${name}-${suffix}`,
        {
          privateKeyPem: key.privateKeyPem,
          isCaCertificate: true,
          setSubjectKeyId: true,
          validityPeriodHours: caValidityHours,
          allowedUses: CA_ALLOWED_USES,
          ...(organization === undefined ? {} : { subject: { organization } }),
        },
        childOpts,
      );
    const ecdsaKey = (suffix: string): tls.PrivateKey =>
      new tls.PrivateKey(`${name}-${suffix}`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, childOpts);

    const osCaKey = new tls.PrivateKey(`${name}-os-ca-key`, { algorithm: "ED25519" }, childOpts);
    const osCa = ca("os-ca", osCaKey, "talos");
    const kubernetesCaKey = ecdsaKey("kubernetes-ca-key");
    const kubernetesCa = ca("kubernetes-ca", kubernetesCaKey, "kubernetes");
    const etcdCaKey = ecdsaKey("etcd-ca-key");
    const etcdCa = ca("etcd-ca", etcdCaKey, "etcd");
    // Talos's aggregator CA has an empty subject: its template copies only Organization, and none is given.
    const aggregatorCaKey = ecdsaKey("aggregator-ca-key");
    const aggregatorCa = ca("aggregator-ca", aggregatorCaKey, undefined);
    // RSA 4096 for every version contract after 1.6 (`UseRSAServiceAccountKey` in contract.go).
    const serviceAccountKey = new tls.PrivateKey(
      `${name}-service-account-key`,
      { algorithm: "RSA", rsaBits: 4096 },
      childOpts,
    );

    // Talos's genToken(6, 16): lowercase letters and digits only, which the Kubernetes BootstrapTokenPattern needs.
    const tokenPart = (suffix: string, length: number): random.RandomString =>
      new random.RandomString(
        `${name}-${suffix}`,
        { length, lower: true, numeric: true, upper: false, special: false },
        childOpts,
      );
    const token = (suffix: string): pulumi.Output<string> =>
      pulumi.secret(
        pulumi.interpolate`${tokenPart(`${suffix}-id`, 6).result}.${tokenPart(`${suffix}-secret`, 16).result}`,
      );
    const randomBase64 = (suffix: string): pulumi.Output<string> =>
      pulumi.secret(new random.RandomBytes(`${name}-${suffix}`, { length: 32 }, childOpts).base64);

    this.bootstrapToken = token("bootstrap-token");
    this.machineToken = token("machine-token");
    // Talos writes the cluster id URL-safe (base64.URLEncoding); the bytes are what matter, the alphabet matches upstream.
    this.clusterId = randomBase64("cluster-id").apply((b64) => b64.replace(/\+/g, "-").replace(/\//g, "_"));
    this.clusterSecret = randomBase64("cluster-secret");
    this.secretboxEncryptionSecret = randomBase64("secretbox-secret");

    this.osCaCertPem = pulumi.secret(osCa.certPem);
    this.osCaKeyPem = pulumi.secret(osCaKey.privateKeyPem);
    this.kubernetesCaCertPem = pulumi.secret(kubernetesCa.certPem);
    this.kubernetesCaKeyPem = pulumi.secret(kubernetesCaKey.privateKeyPem);

    this.bundle = pulumi.secret(
      pulumi
        .all([
          this.clusterId,
          this.clusterSecret,
          this.bootstrapToken,
          this.machineToken,
          this.secretboxEncryptionSecret,
          osCa.certPem,
          osCaKey.privateKeyPem,
          kubernetesCa.certPem,
          kubernetesCaKey.privateKeyPem,
          etcdCa.certPem,
          etcdCaKey.privateKeyPem,
          aggregatorCa.certPem,
          aggregatorCaKey.privateKeyPem,
          serviceAccountKey.privateKeyPem,
        ])
        .apply(
          ([
            clusterId,
            clusterSecret,
            bootstrapToken,
            machineToken,
            secretboxEncryptionSecret,
            osCaCert,
            osCaKeyPem,
            kubernetesCaCert,
            kubernetesCaKeyPem,
            etcdCaCert,
            etcdCaKeyPem,
            aggregatorCaCert,
            aggregatorCaKeyPem,
            serviceAccountKeyPem,
          ]): TalosSecretsBundle => ({
            clusterId,
            clusterSecret,
            bootstrapToken,
            machineToken,
            secretboxEncryptionSecret,
            osCa: { certPem: osCaCert, keyPem: osCaKeyPem },
            kubernetesCa: { certPem: kubernetesCaCert, keyPem: kubernetesCaKeyPem },
            etcdCa: { certPem: etcdCaCert, keyPem: etcdCaKeyPem },
            aggregatorCa: { certPem: aggregatorCaCert, keyPem: aggregatorCaKeyPem },
            serviceAccountKeyPem,
          }),
        ),
    );

    this.registerOutputs({
      clusterId: this.clusterId,
      clusterSecret: this.clusterSecret,
      bootstrapToken: this.bootstrapToken,
      machineToken: this.machineToken,
      secretboxEncryptionSecret: this.secretboxEncryptionSecret,
      osCaCertPem: this.osCaCertPem,
      osCaKeyPem: this.osCaKeyPem,
      kubernetesCaCertPem: this.kubernetesCaCertPem,
      kubernetesCaKeyPem: this.kubernetesCaKeyPem,
      bundle: this.bundle,
    });
  }
}
