import * as kubernetes from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { record } from "../../../tools/plan/testing";
import {
  CertManager,
  CertManagerArgs,
  certManagerValues,
  clusterIssuerSpec,
  LETS_ENCRYPT_PRODUCTION,
} from "./cert-manager";
import { CHARTS } from "./common";
import { ExternalDns, ExternalDnsArgs } from "./external-dns";
import {
  clusterSecretStoreSpec,
  ExternalSecrets,
  ExternalSecretsArgs,
  externalSecretsValues,
} from "./external-secrets";
import { recordedObjects, validateObjects } from "./schema-validation";

const KEY = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret-access-key-value" };
const provider = () => ({ providers: { kubernetes: new kubernetes.Provider("k8s", {}) } });

const secretsArgs: ExternalSecretsArgs = {
  region: "eu-central-1",
  credentials: pulumi.secret(KEY),
  allowedNamespaces: ["eve-skill-farm"],
};
const dnsArgs: ExternalDnsArgs = {
  domain: "lab.example.com",
  zoneId: "Z0123456789ABC",
  region: "eu-central-1",
  credentials: pulumi.secret(KEY),
  txtOwnerId: "lab",
};
const certArgs: CertManagerArgs = {
  domain: "lab.example.com",
  zoneId: "Z0123456789ABC",
  region: "eu-central-1",
  credentials: pulumi.secret(KEY),
  email: "platform@example.com",
};

const restrictedLabels = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

describe("ExternalSecrets", () => {
  const recordSecrets = (args: ExternalSecretsArgs = secretsArgs) =>
    record(() => {
      const eso = new ExternalSecrets("lab-secrets", args, provider());
      return { store: eso.clusterSecretStoreName, namespace: eso.namespace };
    });

  it("installs the operator, keeps the access key secret, and makes the store after both", async () => {
    const rec = await recordSecrets();
    expect(rec.inputsOf("lab-secrets-namespace").metadata).toEqual({
      name: "external-secrets",
      labels: restrictedLabels,
    });
    expect(rec.inputsOf("lab-secrets-chart")).toMatchObject({
      chart: "external-secrets",
      version: CHARTS.externalSecrets.version,
      repositoryOpts: { repo: "https://charts.external-secrets.io" },
      values: externalSecretsValues(),
    });
    expect(rec.isSecretInput("lab-secrets-credentials", "stringData", "kubernetes:core/v1:Secret")).toBe(true);
    expect(rec.inputsOf("lab-secrets-credentials", "kubernetes:core/v1:Secret").stringData).toEqual({
      "access-key-id": "AKIAEXAMPLE",
      "secret-access-key": "secret-access-key-value",
    });
    const store = rec.named("lab-secrets-store");
    expect(store.type).toBe("kubernetes:external-secrets.io/v1:ClusterSecretStore");
    expect(store.dependencies).toEqual(
      expect.arrayContaining([
        rec.named("lab-secrets-chart").urn,
        rec.named("lab-secrets-credentials", "kubernetes:core/v1:Secret").urn,
      ]),
    );
    expect(rec.inputsOf("lab-secrets-store").spec).toEqual(
      clusterSecretStoreSpec({
        name: "aws-secrets-manager",
        region: "eu-central-1",
        credentialsSecret: "aws-secrets-manager-credentials",
        credentialsNamespace: "external-secrets",
        allowedNamespaces: ["eve-skill-farm"],
      }).spec,
    );
    expect(rec.outputs).toEqual({ store: "aws-secrets-manager", namespace: "external-secrets" });
  });

  it("renders the store on Secrets Manager with the Secret's keys, limited to the named namespaces", () => {
    const spec = clusterSecretStoreSpec({
      name: "s",
      region: "eu-central-1",
      credentialsSecret: "c",
      credentialsNamespace: "n",
      allowedNamespaces: [],
    });
    expect(spec.spec).toEqual({
      provider: {
        aws: {
          service: "SecretsManager",
          region: "eu-central-1",
          auth: {
            secretRef: {
              accessKeyIDSecretRef: { name: "c", key: "access-key-id", namespace: "n" },
              secretAccessKeySecretRef: { name: "c", key: "secret-access-key", namespace: "n" },
            },
          },
        },
      },
    });
  });

  it("rejects a region that is not an AWS region", async () => {
    await expect(recordSecrets({ ...secretsArgs, region: "Frankfurt" })).rejects.toThrow(
      "ExternalSecrets 'lab-secrets': region 'Frankfurt' must be an AWS region such as eu-central-1",
    );
  });
});

describe("ExternalDns", () => {
  const recordDns = (args: ExternalDnsArgs = dnsArgs) =>
    record(() => {
      const dns = new ExternalDns("lab-dns", args, provider());
      return { namespace: dns.namespace, owner: dns.txtOwnerId };
    });

  it("publishes Ingress names in the one zone with the owner id and the sync policy", async () => {
    const rec = await recordDns();
    expect(rec.inputsOf("lab-dns-namespace").metadata).toEqual({ name: "external-dns", labels: restrictedLabels });
    const release = rec.inputsOf("lab-dns-chart");
    expect(release).toMatchObject({ chart: "external-dns", version: CHARTS.externalDns.version });
    expect(release.values).toMatchObject({
      provider: { name: "aws" },
      sources: ["ingress"],
      domainFilters: ["lab.example.com"],
      extraArgs: ["--zone-id-filter=Z0123456789ABC", "--aws-zone-type=public"],
      policy: "sync",
      registry: "txt",
      txtOwnerId: "lab",
      resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
    });
    // The key reaches the pod by reference, never through chart values (which Helm keeps in a release Secret).
    expect((release.values as { env: unknown }).env).toEqual([
      { name: "AWS_DEFAULT_REGION", value: "eu-central-1" },
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "external-dns-aws-credentials", key: "access-key-id" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "external-dns-aws-credentials", key: "secret-access-key" } },
      },
    ]);
    expect(rec.isSecretInput("lab-dns-chart", "values")).toBe(false);
    expect(rec.isSecretInput("lab-dns-credentials", "stringData", "kubernetes:core/v1:Secret")).toBe(true);
    expect(rec.outputs).toEqual({ namespace: "external-dns", owner: "lab" });
  });

  it("takes upsert-only when asked", async () => {
    const rec = await recordDns({ ...dnsArgs, policy: "upsert-only" });
    expect((rec.inputsOf("lab-dns-chart").values as { policy: string }).policy).toBe("upsert-only");
  });

  it.each<[Partial<ExternalDnsArgs>, string]>([
    [
      { txtOwnerId: "Lab Cluster" },
      "ExternalDns 'lab-dns': txtOwnerId 'Lab Cluster' must be a short stable id (lowercase letters, digits, hyphens), e.g. lab",
    ],
    [{ policy: "create-only" as never }, "ExternalDns 'lab-dns': policy 'create-only' must be sync or upsert-only"],
    [{ domain: "lab" }, "ExternalDns 'lab-dns': domain 'lab' must be a lowercase DNS name such as lab.example.com"],
  ])("rejects %j", async (overrides, message) => {
    await expect(recordDns({ ...dnsArgs, ...overrides })).rejects.toThrow(message);
  });
});

describe("CertManager", () => {
  const recordCerts = (args: CertManagerArgs = certArgs) =>
    record(() => {
      const certs = new CertManager("lab-certs", args, provider());
      return { issuer: certs.clusterIssuerName, namespace: certs.namespace };
    });

  it("installs cert-manager and a DNS-01 ClusterIssuer on the zone after the chart and the Secret", async () => {
    const rec = await recordCerts();
    expect(rec.inputsOf("lab-certs-namespace").metadata).toEqual({ name: "cert-manager", labels: restrictedLabels });
    expect(rec.inputsOf("lab-certs-chart")).toMatchObject({
      chart: "cert-manager",
      version: CHARTS.certManager.version,
      repositoryOpts: { repo: "https://charts.jetstack.io" },
      values: certManagerValues(),
    });
    const issuer = rec.named("lab-certs-issuer");
    expect(issuer.type).toBe("kubernetes:cert-manager.io/v1:ClusterIssuer");
    expect(issuer.dependencies).toEqual(
      expect.arrayContaining([
        rec.named("lab-certs-chart").urn,
        rec.named("lab-certs-credentials", "kubernetes:core/v1:Secret").urn,
      ]),
    );
    expect(rec.inputsOf("lab-certs-issuer").spec).toEqual({
      acme: {
        server: LETS_ENCRYPT_PRODUCTION,
        email: "platform@example.com",
        privateKeySecretRef: { name: "letsencrypt-account-key" },
        solvers: [
          {
            selector: { dnsZones: ["lab.example.com"] },
            dns01: {
              route53: {
                region: "eu-central-1",
                hostedZoneID: "Z0123456789ABC",
                accessKeyIDSecretRef: { name: "letsencrypt-route53-credentials", key: "access-key-id" },
                secretAccessKeySecretRef: { name: "letsencrypt-route53-credentials", key: "secret-access-key" },
              },
            },
          },
        ],
      },
    });
    expect(rec.isSecretInput("lab-certs-credentials", "stringData", "kubernetes:core/v1:Secret")).toBe(true);
    expect(rec.outputs).toEqual({ issuer: "letsencrypt", namespace: "cert-manager" });
  });

  it.each<[Partial<CertManagerArgs>, string]>([
    [{ email: "platform" }, "CertManager 'lab-certs': email 'platform' must be an address the ACME CA can write to"],
    [
      { acmeServer: "http://acme.example.com/directory" },
      "CertManager 'lab-certs': acmeServer 'http://acme.example.com/directory' must be an https:// ACME directory URL",
    ],
  ])("rejects %j", async (overrides, message) => {
    await expect(recordCerts({ ...certArgs, ...overrides })).rejects.toThrow(message);
  });
});

describe("schema validation of the AWS-backed services", () => {
  it("every object validates against a model, the custom resources' included", async () => {
    const rec = await record(() => {
      const opts = provider();
      new ExternalSecrets("lab-secrets", secretsArgs, opts);
      new ExternalDns("lab-dns", dnsArgs, opts);
      new CertManager("lab-certs", certArgs, opts);
    });
    const results = validateObjects(recordedObjects(rec));
    expect(results.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      "ClusterIssuer/letsencrypt",
      "ClusterSecretStore/aws-secrets-manager",
      "Namespace/cert-manager",
      "Namespace/external-dns",
      "Namespace/external-secrets",
      "NetworkPolicy/allow-webhook",
      "NetworkPolicy/allow-webhook",
      "NetworkPolicy/default-deny-ingress",
      "NetworkPolicy/default-deny-ingress",
      "NetworkPolicy/default-deny-ingress",
      "Secret/aws-secrets-manager-credentials",
      "Secret/external-dns-aws-credentials",
      "Secret/letsencrypt-route53-credentials",
    ]);
    expect(results.filter((r) => r.errors !== null)).toEqual([]);
    expect(results.filter((r) => r.model === null)).toEqual([]);
    expect(
      clusterIssuerSpec({
        name: "i",
        server: "s",
        email: "e",
        domain: "d",
        zoneId: "z",
        region: "r",
        credentialsSecret: "c",
      }).kind,
    ).toBe("ClusterIssuer");
  });
});
