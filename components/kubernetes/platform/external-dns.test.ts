import * as pulumi from "@pulumi/pulumi";
import { record } from "../../../tools/plan/testing";
import { CHARTS } from "./common";
import { ExternalDns, ExternalDnsArgs } from "./external-dns";
import { recordedObjects, validateObjects } from "../testing/schema-validation";
import { AWS_KEY, kubernetesProvider, RESTRICTED_LABELS } from "../testing/platform";

const dnsArgs: ExternalDnsArgs = {
  domain: "lab.example.com",
  zoneId: "Z0123456789ABC",
  region: "eu-central-1",
  credentials: pulumi.secret(AWS_KEY),
  txtOwnerId: "lab",
};

describe("ExternalDns", () => {
  const recordDns = (args: ExternalDnsArgs = dnsArgs) =>
    record(() => {
      const dns = new ExternalDns("lab-dns", args, kubernetesProvider());
      return { namespace: dns.namespace, owner: dns.txtOwnerId };
    });

  it("publishes Ingress names in the one zone with the owner id and the sync policy", async () => {
    const rec = await recordDns();
    expect(rec.inputsOf("lab-dns-namespace").metadata).toEqual({ name: "external-dns", labels: RESTRICTED_LABELS });
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

  it("every object validates against a model, the custom resources' included", async () => {
    const rec = await record(() => {
      new ExternalDns("lab-dns", dnsArgs, kubernetesProvider());
    });
    const results = validateObjects(recordedObjects(rec));
    expect(results.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      "Namespace/external-dns",
      "NetworkPolicy/default-deny-ingress",
      "Secret/external-dns-aws-credentials",
    ]);
    expect(results.filter((r) => r.errors !== null)).toEqual([]);
    expect(results.filter((r) => r.model === null)).toEqual([]);
  });
});
