import * as kubernetes from "@pulumi/kubernetes";
import { record } from "../../tools/plan/testing";
import { recordedObjects, validateObjects } from "../kubernetes/testing/schema-validation";
import { resources } from "../kubernetes/platform/common";
import {
  EVE_SKILL_FARM_DEFAULTS,
  EveSkillFarm,
  EveSkillFarmArgs,
  eveSkillFarmProblems,
  imagePinProblem,
} from "./eve-skill-farm";

const IMAGE = "registry.example.com/mson/eve-skill-farm:1.4.2";
const args: EveSkillFarmArgs = {
  host: "eve.lab.example.com",
  image: IMAGE,
  ingressClassName: "traefik",
  storageClassName: "proxmox-csi",
  clusterSecretStoreName: "aws-secrets-manager",
  clusterIssuerName: "letsencrypt",
  ingressNamespace: "traefik",
  ingressPodLabels: { "app.kubernetes.io/name": "traefik" },
  secretsPrefix: "lab/",
};

async function recordApp(overrides: Partial<EveSkillFarmArgs> = {}) {
  return record(() => {
    const app = new EveSkillFarm(
      "eve",
      { ...args, ...overrides },
      { providers: { kubernetes: new kubernetes.Provider("k8s", {}) } },
    );
    return { namespace: app.namespace, url: app.url, healthUrl: app.healthUrl };
  });
}

type Container = {
  securityContext: Record<string, unknown>;
  resources: unknown;
  readinessProbe: { httpGet: unknown };
  livenessProbe: { httpGet: unknown };
  image: string;
};

describe("EveSkillFarm", () => {
  it("registers the namespace, claim, external secret, deployment, service, ingress and network policy", async () => {
    const rec = await recordApp();
    // Registration order follows when each rendered input resolves, so the set is compared sorted.
    expect([...rec.summary()].sort()).toEqual([
      "foundation:apps:EveSkillFarm::eve",
      "kubernetes:apps/v1:Deployment::eve-deployment",
      "kubernetes:core/v1:Namespace::eve-namespace",
      "kubernetes:core/v1:PersistentVolumeClaim::eve-data",
      "kubernetes:core/v1:Service::eve-service",
      "kubernetes:external-secrets.io/v1:ExternalSecret::eve-credentials",
      "kubernetes:networking.k8s.io/v1:Ingress::eve-ingress",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::eve-default-deny",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::eve-network-policy",
      "pulumi:providers:kubernetes::k8s",
      "pulumi:pulumi:Stack::foundation-test",
    ]);
    expect(rec.outputs).toEqual({
      namespace: "eve-skill-farm",
      url: "https://eve.lab.example.com/",
      healthUrl: "https://eve.lab.example.com/healthz",
    });
    expect(rec.resources.filter((r) => r.protect).map((r) => r.name)).toEqual(["eve-data"]);
    const deployment = rec.named("eve-deployment");
    expect(deployment.dependencies).toEqual(
      expect.arrayContaining([rec.named("eve-data").urn, rec.named("eve-credentials").urn]),
    );
  });

  it("enforces restricted pod security on the namespace", async () => {
    const rec = await recordApp();
    expect((rec.inputsOf("eve-namespace").metadata as { labels: unknown }).labels).toEqual({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("runs the pinned image non-root on a read-only root, without privileges, with probes and resources", async () => {
    const rec = await recordApp();
    const spec = rec.inputsOf("eve-deployment").spec as {
      replicas: number;
      strategy: unknown;
      template: { spec: { securityContext: unknown; containers: Container[]; automountServiceAccountToken: boolean } };
    };
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: "Recreate" });
    const pod = spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    const [container] = pod.containers;
    expect(container.image).toBe(IMAGE);
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

  it("uses every platform service: ingress class, issuer, DNS name, storage class, secret store", async () => {
    const rec = await recordApp();
    const ingress = rec.inputsOf("eve-ingress") as {
      metadata: { annotations: Record<string, string> };
      spec: { ingressClassName: string; tls: unknown; rules: { host: string }[] };
    };
    expect(ingress.metadata.annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
      "external-dns.alpha.kubernetes.io/hostname": "eve.lab.example.com",
      "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
      "traefik.ingress.kubernetes.io/router.tls": "true",
    });
    expect(ingress.spec.ingressClassName).toBe("traefik");
    expect(ingress.spec.tls).toEqual([{ hosts: ["eve.lab.example.com"], secretName: "eve-skill-farm-tls" }]);
    expect(ingress.spec.rules.map((r) => r.host)).toEqual(["eve.lab.example.com"]);
    expect(rec.inputsOf("eve-data").spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "proxmox-csi",
      resources: { requests: { storage: "1Gi" } },
    });
    expect(rec.inputsOf("eve-credentials").spec).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
      target: { name: "eve-skill-farm-credentials", creationPolicy: "Owner" },
      dataFrom: [{ extract: { key: "lab/eve-skill-farm/credentials" } }],
    });
  });

  it("admits traffic only from the ingress controller's pods in its namespace, on the app port", async () => {
    const rec = await recordApp();
    expect(rec.inputsOf("eve-network-policy").spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "eve-skill-farm" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
            },
          ],
          ports: [{ port: 8080, protocol: "TCP" }],
        },
      ],
    });
  });

  it("adds a PodDisruptionBudget and rolling updates with more than one replica", async () => {
    const rec = await recordApp({ replicas: 3, volumeAccessMode: "ReadWriteMany" });
    expect(rec.ofType("kubernetes:policy/v1:PodDisruptionBudget").map((r) => r.name)).toEqual([
      "eve-disruption-budget",
    ]);
    expect(rec.inputsOf("eve-disruption-budget").spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "eve-skill-farm" } },
    });
    expect((rec.inputsOf("eve-deployment").spec as { strategy: unknown }).strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 1, maxSurge: 1 },
    });
  });

  it.each([
    [IMAGE, null],
    ["registry.example.com:5000/eve-skill-farm:2026.11.1", null],
    [`eve-skill-farm@sha256:${"a".repeat(64)}`, null],
    [`registry.example.com/eve-skill-farm:1.4.2@sha256:${"0".repeat(64)}`, null],
    ["registry.example.com/eve-skill-farm:latest", "uses the tag 'latest', which moves with every push"],
    ["registry.example.com/eve-skill-farm", "has no tag or digest, so every pull may run different code"],
    ["registry.example.com:5000/eve-skill-farm", "has no tag or digest, so every pull may run different code"],
    ["eve-skill-farm@sha256:abc", "has a malformed digest; a digest is @sha256: followed by 64 lowercase hex digits"],
  ])("imagePinProblem(%s) is %s", (image, problem) => {
    expect(imagePinProblem(image)).toBe(problem);
  });

  it.each<[Partial<EveSkillFarmArgs>, string]>([
    [
      { image: "registry.example.com/eve-skill-farm:latest" },
      "EveSkillFarm 'eve': image 'registry.example.com/eve-skill-farm:latest' uses the tag 'latest', which moves with every push; pin a version tag or a digest, e.g. registry.example.com/eve-skill-farm:1.4.2",
    ],
    [
      { image: "eve-skill-farm" },
      "EveSkillFarm 'eve': image 'eve-skill-farm' has no tag or digest, so every pull may run different code; pin a version tag or a digest, e.g. registry.example.com/eve-skill-farm:1.4.2",
    ],
    [
      { replicas: 2 },
      "EveSkillFarm 'eve': replicas 2 needs volumeAccessMode ReadWriteMany: a ReadWriteOnce volume attaches to one node, so a second pod elsewhere would never start",
    ],
    [{ replicas: 0 }, "EveSkillFarm 'eve': replicas must be a whole number of at least 1, got 0"],
    [
      { host: "Eve.Lab" },
      "EveSkillFarm 'eve': host 'Eve.Lab' must be a lowercase DNS name such as eve.lab.example.com",
    ],
    [
      { containerPort: 80 },
      "EveSkillFarm 'eve': containerPort 80 must be 1024-65535: a non-root process cannot bind lower ports",
    ],
    [
      { secretsPrefix: "lab" },
      "EveSkillFarm 'eve': secretsPrefix 'lab' must be a Secrets Manager path ending in '/', e.g. lab/",
    ],
    [{ runAsUser: 0 }, "EveSkillFarm 'eve': runAsUser must be a non-zero user id, got 0"],
    [
      { resources: resources("1", "512Mi", "500m", "256Mi") },
      "EveSkillFarm 'eve': resources.requests.cpu 1 exceeds limits.cpu 500m; raise the limit; resources.requests.memory 512Mi exceeds limits.memory 256Mi; raise the limit",
    ],
    [
      { resources: resources("half", "128Mi", "500m", "256MB") },
      "EveSkillFarm 'eve': resources.requests.cpu 'half' must be a quantity such as 250m or 0.5; resources.limits.memory '256MB' must be a quantity such as 256Mi",
    ],
    [
      { secretName: "/eve" },
      "EveSkillFarm 'eve': secretName '/eve' must be a Secrets Manager name under the prefix (letters, digits and /_+=.@-, no leading /), e.g. eve-skill-farm/credentials",
    ],
  ])("rejects %j", async (overrides, message) => {
    await expect(recordApp(overrides)).rejects.toThrow(message);
  });

  it("reports every problem of the arguments it is given at once, each naming its argument", () => {
    expect(
      eveSkillFarmProblems({ image: "eve:latest", replicas: 2, storageSize: "1G", healthPath: "healthz" }),
    ).toEqual([
      {
        arg: "image",
        message:
          "'eve:latest' uses the tag 'latest', which moves with every push; pin a version tag or a digest, e.g. registry.example.com/eve-skill-farm:1.4.2",
      },
      {
        arg: "replicas",
        message:
          "2 needs volumeAccessMode ReadWriteMany: a ReadWriteOnce volume attaches to one node, so a second pod elsewhere would never start",
      },
      { arg: "healthPath", message: "'healthz' must start with /" },
      { arg: "storageSize", message: "'1G' must be a quantity such as 1Gi" },
    ]);
    expect(eveSkillFarmProblems({ ...EVE_SKILL_FARM_DEFAULTS, ...args })).toEqual([]);
  });

  it("renders its environment, the secret environment's ExternalSecret and the pull Secret valid against the API", async () => {
    const rec = await recordApp({
      env: { LOG_LEVEL: "info" },
      secretEnv: { DATABASE_URL: { secret: "eve/database", property: "url" } },
      registries: [{ server: "registry.example.com", username: "deploy", token: "gldt-0123456789abcdef" }],
    });
    const results = validateObjects(recordedObjects(rec));
    expect(results.filter((r) => r.errors !== null || r.model === null)).toEqual([]);
    expect(results.map((r) => `${r.kind}/${r.name}`)).toEqual(
      expect.arrayContaining(["ExternalSecret/eve-skill-farm-env", "Secret/eve-skill-farm-registry"]),
    );
    expect(rec.inputsOf("eve-env").spec).toMatchObject({
      data: [{ secretKey: "DATABASE_URL", remoteRef: { key: "lab/eve/database", property: "url" } }],
    });
  });

  it.each([
    [1, "ReadWriteOnce" as const],
    [2, "ReadWriteMany" as const],
  ])("renders objects that validate against the Kubernetes API schemas (replicas %d)", async (replicas, mode) => {
    const rec = await recordApp({ replicas, volumeAccessMode: mode });
    const results = validateObjects(recordedObjects(rec));
    expect(results.filter((r) => r.errors !== null)).toEqual([]);
    // Every kind has a model, the ExternalSecret's from @kubernetes-models/external-secrets.
    expect(results.filter((r) => r.model === null)).toEqual([]);
    expect(results.map((r) => r.kind).sort()).toEqual(
      [
        "Deployment",
        "ExternalSecret",
        "Ingress",
        "Namespace",
        "NetworkPolicy",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Service",
        ...(replicas > 1 ? ["PodDisruptionBudget"] : []),
      ].sort(),
    );
  });
});
