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
import { recordedObjects, validateObjects } from "../testing/schema-validation";
import { AWS_KEY, kubernetesProvider, RESTRICTED_LABELS } from "../testing/platform";

const certArgs: CertManagerArgs = {
  domain: "lab.example.com",
  zoneId: "Z0123456789ABC",
  region: "eu-central-1",
  credentials: pulumi.secret(AWS_KEY),
  email: "platform@example.com",
};

describe("CertManager", () => {
  const recordCerts = (args: CertManagerArgs = certArgs) =>
    record(() => {
      const certs = new CertManager("lab-certs", args, kubernetesProvider());
      return { issuer: certs.clusterIssuerName, namespace: certs.namespace };
    });

  it("installs cert-manager and a DNS-01 ClusterIssuer on the zone after the chart and the Secret", async () => {
    const rec = await recordCerts();
    expect(rec.inputsOf("lab-certs-namespace").metadata).toEqual({ name: "cert-manager", labels: RESTRICTED_LABELS });
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

  it("every object validates against a model, the custom resources' included", async () => {
    const rec = await record(() => {
      new CertManager("lab-certs", certArgs, kubernetesProvider());
    });
    const results = validateObjects(recordedObjects(rec));
    expect(results.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      "ClusterIssuer/letsencrypt",
      "Namespace/cert-manager",
      "NetworkPolicy/allow-webhook",
      "NetworkPolicy/default-deny-ingress",
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
