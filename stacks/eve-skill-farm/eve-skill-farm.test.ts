/**
 * The `eve-skill-farm` program under the recording mock, with the `lab` stack's outputs stubbed as the lab
 * contract describes them: what it registers, through which provider, with which security-relevant inputs, and
 * what it exports for the smoke check.
 */
import { join } from "node:path";
import { readProjectFile, readStackConfig } from "../../tools/plan/stack-files";
import { record, Recording } from "../../tools/plan/testing";
import { reveal, Secret } from "../../tools/plan/values";
import { healthUrlOf } from "../../tools/smoke/smoke";
import { ContractValues, OutputSpec } from "../contract";
import { labOutputs } from "../lab/outputs";
import { eveSkillFarmProgram } from "./index";
import { eveSkillFarmOutputs } from "./outputs";

const root = join(__dirname, "..", "..");
/** The sample config, as `pulumi` would hand it to the program (values as strings, objects as JSON). */
const sample = readStackConfig(root, readProjectFile(root), "eve-skill-farm").config;
const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n";

/** Every output of the lab contract, as plain values. */
const labValues: ContractValues<typeof labOutputs> = {
  domain: "lab.example.com",
  proxmoxEndpoint: "https://pve1.example.com:8006",
  gitlabUrl: "https://gitlab.example.com",
  runnerManagerPlacement: "cluster",
  kubernetesEndpoint: "https://192.0.2.10:6443",
  kubeconfig: KUBECONFIG,
  talosconfig: "context: lab\n",
  ingressClassName: "traefik",
  ingressNamespace: "traefik",
  ingressPodLabels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" },
  storageClassName: "proxmox-csi",
  clusterSecretStoreName: "aws-secrets-manager",
  clusterIssuerName: "letsencrypt",
  secretsPrefix: "foundation/lab/",
};

/** The lab stack's outputs as its program exports them: the contract's secret outputs wrapped as secrets. */
function labStub(overrides: Partial<typeof labValues> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = { ...labValues, ...overrides };
  for (const [key, spec] of Object.entries<OutputSpec>(labOutputs)) {
    if (spec.secret) values[key] = new Secret(values[key]);
  }
  return values;
}

/** Runs the program with the sample config, `config` merged over it, against the stubbed lab. */
function run(config: Record<string, unknown> = {}, lab = labStub()): Promise<Recording> {
  return record(() => eveSkillFarmProgram(), {
    stack: "eve-skill-farm",
    config: { ...sample, ...config },
    stackReferences: { "organization/foundation/lab": lab },
  });
}

let rec: Recording;
beforeAll(async () => {
  rec = await run();
});

describe("the eve-skill-farm stack", () => {
  it("registers exactly the lab reference, the cluster provider and the application", () => {
    expect([...rec.summary()].sort()).toEqual([
      "foundation:apps:EveSkillFarm::eve-skill-farm",
      "kubernetes:apps/v1:Deployment::eve-skill-farm-deployment",
      "kubernetes:core/v1:Namespace::eve-skill-farm-namespace",
      "kubernetes:core/v1:PersistentVolumeClaim::eve-skill-farm-data",
      "kubernetes:core/v1:Service::eve-skill-farm-service",
      "kubernetes:external-secrets.io/v1:ExternalSecret::eve-skill-farm-credentials",
      "kubernetes:external-secrets.io/v1:ExternalSecret::eve-skill-farm-env",
      "kubernetes:networking.k8s.io/v1:Ingress::eve-skill-farm-ingress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::eve-skill-farm-default-deny",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::eve-skill-farm-network-policy",
      "pulumi:providers:kubernetes::lab-cluster",
      // The engine's default provider of the stack reference.
      "pulumi:providers:pulumi::default",
      "pulumi:pulumi:Stack::foundation-eve-skill-farm",
      "pulumi:pulumi:StackReference::lab-outputs",
    ]);
    expect(rec.named("lab-outputs").inputs).toEqual({ name: "organization/foundation/lab" });
  });

  it("builds its only Kubernetes provider from the lab's kubeconfig, kept secret", () => {
    expect(rec.isSecretInput("lab-cluster", "kubeconfig")).toBe(true);
    expect(rec.inputsOf("lab-cluster").kubeconfig).toBe(KUBECONFIG);
    const provider = rec.named("lab-cluster");
    const custom = rec.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    expect(custom).toHaveLength(9);
    for (const resource of custom) expect(resource.provider).toBe(provider.urn);
  });

  it("runs the pinned image of the config non-root, read-only, unprivileged, with probes and limits", () => {
    const namespace = rec.inputsOf("eve-skill-farm-namespace").metadata as { name: string; labels: unknown };
    expect(namespace).toEqual({
      name: "eve-skill-farm",
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    });
    const pod = (rec.inputsOf("eve-skill-farm-deployment").spec as { template: { spec: PodSpec } }).template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.containers).toHaveLength(1);
    const [container] = pod.containers;
    expect(container.image).toBe(`registry.example.com/mson/eve-skill-farm:1.4.2@sha256:${"0".repeat(64)}`);
    expect(container.env).toEqual([
      { name: "LISTEN_ADDRESS", value: ":8080" },
      { name: "LOG_LEVEL", value: "info" },
      { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "eve-skill-farm-env", key: "DATABASE_URL" } } },
    ]);
    expect(pod.imagePullSecrets).toBeUndefined();
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.resources).toEqual({
      requests: { cpu: "50m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "256Mi" },
    });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
  });

  it("serves <subdomain>.<lab domain> over TLS from the lab's issuer, on the lab's IngressClass", () => {
    const ingress = rec.inputsOf("eve-skill-farm-ingress") as {
      metadata: { annotations: Record<string, string> };
      spec: { ingressClassName: string; tls: unknown; rules: { host: string }[] };
    };
    expect(ingress.spec.ingressClassName).toBe("traefik");
    expect(ingress.spec.tls).toEqual([{ hosts: ["eve.lab.example.com"], secretName: "eve-skill-farm-tls" }]);
    expect(ingress.spec.rules.map((r) => r.host)).toEqual(["eve.lab.example.com"]);
    expect(ingress.metadata.annotations).toMatchObject({
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "external-dns.alpha.kubernetes.io/hostname": "eve.lab.example.com",
      "traefik.ingress.kubernetes.io/router.tls": "true",
    });
  });

  it("claims its volume, protected, on the lab's StorageClass and its credentials from the lab's ClusterSecretStore", () => {
    expect(rec.resources.filter((r) => r.protect).map((r) => r.name)).toEqual(["eve-skill-farm-data"]);
    expect(rec.inputsOf("eve-skill-farm-data").spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "proxmox-csi",
      resources: { requests: { storage: "1Gi" } },
    });
    expect(rec.inputsOf("eve-skill-farm-credentials").spec).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
      target: { name: "eve-skill-farm-credentials", creationPolicy: "Owner" },
      dataFrom: [{ extract: { key: "foundation/lab/eve-skill-farm/credentials" } }],
    });
  });

  it("admits only the lab's ingress controller pods, from the ingress namespace, on the app port", () => {
    expect(rec.inputsOf("eve-skill-farm-network-policy").spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "eve-skill-farm" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } },
              podSelector: {
                matchLabels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" },
              },
            },
          ],
          ports: [{ port: 8080, protocol: "TCP" }],
        },
      ],
    });
  });

  it("copies the secret environment from Secrets Manager under the lab's prefix, through the lab's store", () => {
    expect(rec.inputsOf("eve-skill-farm-env").spec).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
      target: { name: "eve-skill-farm-env", creationPolicy: "Owner" },
      data: [
        { secretKey: "DATABASE_URL", remoteRef: { key: "foundation/lab/eve-skill-farm/database", property: "url" } },
      ],
    });
    expect(rec.named("eve-skill-farm-deployment").dependencies).toContain(rec.named("eve-skill-farm-env").urn);
  });

  it("pulls with a docker-registry Secret built from the deploy token, which stays secret", async () => {
    const token = "gldt-engine-deploy-token-0123456789";
    const pulled = await run({
      registries: [{ server: "registry.example.com", username: "gitlab+deploy-token-42", token }],
    });
    expect(pulled.ofType("kubernetes:core/v1:Secret").map((r) => r.name)).toEqual(["eve-skill-farm-registry"]);
    expect(pulled.isSecretInput("eve-skill-farm-registry", "stringData")).toBe(true);
    const secret = pulled.inputsOf("eve-skill-farm-registry") as {
      metadata: { name: string; namespace: string };
      type: string;
      stringData: Record<string, string>;
    };
    expect(secret.metadata).toMatchObject({ name: "eve-skill-farm-registry", namespace: "eve-skill-farm" });
    expect(secret.type).toBe("kubernetes.io/dockerconfigjson");
    expect(JSON.parse(secret.stringData[".dockerconfigjson"])).toEqual({
      auths: {
        "registry.example.com": {
          username: "gitlab+deploy-token-42",
          password: token,
          auth: Buffer.from(`gitlab+deploy-token-42:${token}`).toString("base64"),
        },
      },
    });
    const pod = (pulled.inputsOf("eve-skill-farm-deployment").spec as { template: { spec: PodSpec } }).template.spec;
    expect(pod.imagePullSecrets).toEqual([{ name: "eve-skill-farm-registry" }]);
    expect(pulled.named("eve-skill-farm-deployment").dependencies).toContain(
      pulled.named("eve-skill-farm-registry").urn,
    );
  });

  it("exports its contract, whose healthUrl is what the smoke check requests", () => {
    expect(Object.keys(rec.outputs).sort()).toEqual(Object.keys(eveSkillFarmOutputs).sort());
    expect(rec.outputs).toEqual({
      url: "https://eve.lab.example.com/",
      healthUrl: "https://eve.lab.example.com/healthz",
      host: "eve.lab.example.com",
      namespace: "eve-skill-farm",
    });
    for (const [key, spec] of Object.entries(eveSkillFarmOutputs)) {
      expect(spec.schema.safeParse(rec.outputs[key]).success).toBe(true);
    }
    // What `pulumi stack output --json` prints for this stack is what `smoke.ts --stack eve-skill-farm` reads.
    expect(healthUrlOf("eve-skill-farm", reveal(rec.outputs))).toBe("https://eve.lab.example.com/healthz");
  });

  it("follows the config: more replicas on a shared volume add a PodDisruptionBudget", async () => {
    const scaled = await run({ replicas: 3, volumeAccessMode: "ReadWriteMany", storageSize: "5Gi" });
    expect(scaled.ofType("kubernetes:policy/v1:PodDisruptionBudget").map((r) => r.name)).toEqual([
      "eve-skill-farm-disruption-budget",
    ]);
    expect((scaled.inputsOf("eve-skill-farm-deployment").spec as { replicas: number }).replicas).toBe(3);
    expect(scaled.inputsOf("eve-skill-farm-data").spec).toMatchObject({
      accessModes: ["ReadWriteMany"],
      resources: { requests: { storage: "5Gi" } },
    });
  });

  it("reads a lab stack by the configured reference", async () => {
    const other = await record(() => eveSkillFarmProgram(), {
      stack: "eve-skill-farm",
      config: { ...sample, stackReferences: { lab: "acme/foundation/lab-staging" } },
      stackReferences: { "acme/foundation/lab-staging": labStub({ domain: "staging.example.com" }) },
    });
    expect(other.outputs.healthUrl).toBe("https://eve.staging.example.com/healthz");
  });

  it("registers nothing when the config is wrong", async () => {
    await expect(run({ image: "registry.example.com/mson/eve-skill-farm:latest" })).rejects.toThrow(
      [
        'stack "eve-skill-farm" has 1 configuration problem; no resource was registered:',
        "  - foundation:image: 'registry.example.com/mson/eve-skill-farm:latest' is not pinned by digest; append @sha256:<digest> of the image that was tested, e.g. registry.example.com/mson/eve-skill-farm:1.4.2@sha256:<64 hex>",
      ].join("\n"),
    );
  });
});

interface PodSpec {
  securityContext: unknown;
  imagePullSecrets?: unknown;
  containers: {
    env?: unknown;
    image: string;
    securityContext: unknown;
    resources: unknown;
    readinessProbe: { httpGet: unknown };
    livenessProbe: { httpGet: unknown };
  }[];
}
