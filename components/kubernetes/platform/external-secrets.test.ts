import * as pulumi from "@pulumi/pulumi";
import { record } from "../../../tools/plan/testing";
import { CHARTS } from "./common";
import {
  clusterSecretStoreSpec,
  ExternalSecrets,
  ExternalSecretsArgs,
  externalSecretsValues,
} from "./external-secrets";
import { recordedObjects, validateObjects } from "../testing/schema-validation";
import { AWS_KEY, kubernetesProvider, RESTRICTED_LABELS } from "../testing/platform";

const secretsArgs: ExternalSecretsArgs = {
  region: "eu-central-1",
  credentials: pulumi.secret(AWS_KEY),
  allowedNamespaces: ["eve-skill-farm"],
};

describe("ExternalSecrets", () => {
  const recordSecrets = (args: ExternalSecretsArgs = secretsArgs) =>
    record(() => {
      const eso = new ExternalSecrets("lab-secrets", args, kubernetesProvider());
      return { store: eso.clusterSecretStoreName, namespace: eso.namespace };
    });

  it("installs the operator, keeps the access key secret, and makes the store after both", async () => {
    const rec = await recordSecrets();
    expect(rec.inputsOf("lab-secrets-namespace").metadata).toEqual({
      name: "external-secrets",
      labels: RESTRICTED_LABELS,
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

  it("every object validates against a model, the custom resources' included", async () => {
    const rec = await record(() => {
      new ExternalSecrets("lab-secrets", secretsArgs, kubernetesProvider());
    });
    const results = validateObjects(recordedObjects(rec));
    expect(results.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      "ClusterSecretStore/aws-secrets-manager",
      "Namespace/external-secrets",
      "NetworkPolicy/allow-webhook",
      "NetworkPolicy/default-deny-ingress",
      "Secret/aws-secrets-manager-credentials",
    ]);
    expect(results.filter((r) => r.errors !== null)).toEqual([]);
    expect(results.filter((r) => r.model === null)).toEqual([]);
  });
});
