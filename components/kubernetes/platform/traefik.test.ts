import * as kubernetes from "@pulumi/kubernetes";
import { record } from "../../../tools/plan/testing";
import { CHARTS } from "./common";
import { recordedObjects, validateObjects } from "../testing/schema-validation";
import { Traefik, TraefikArgs, traefikValues } from "./traefik";

async function recordTraefik(args: TraefikArgs = {}) {
  return record(() => {
    const traefik = new Traefik("lab-ingress", args, { providers: { kubernetes: new kubernetes.Provider("k8s", {}) } });
    return { ingressClassName: traefik.ingressClassName, namespace: traefik.namespace, podLabels: traefik.podLabels };
  });
}

describe("Traefik", () => {
  it("installs the pinned chart as the default IngressClass in a restricted namespace", async () => {
    const rec = await recordTraefik({ addressPool: "lab-metallb", loadBalancerIp: "192.168.1.240" });
    expect(rec.ofType("kubernetes:helm.sh/v3:Release").map((r) => r.name)).toEqual(["lab-ingress-chart"]);
    expect((rec.inputsOf("lab-ingress-namespace").metadata as { labels: object }).labels).toEqual({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    const release = rec.inputsOf("lab-ingress-chart");
    expect(release).toMatchObject({
      name: "traefik",
      chart: "traefik",
      version: CHARTS.traefik.version,
      repositoryOpts: { repo: "https://traefik.github.io/charts" },
      namespace: "traefik",
    });
    const values = release.values as Record<string, Record<string, unknown>>;
    expect(values.ingressClass).toEqual({ enabled: true, isDefaultClass: true, name: "traefik" });
    expect(values.providers.kubernetesIngress).toEqual({ enabled: true, publishedService: { enabled: true } });
    expect(values.service).toEqual({
      type: "LoadBalancer",
      annotations: { "metallb.io/address-pool": "lab-metallb", "metallb.io/loadBalancerIPs": "192.168.1.240" },
    });
    expect(values.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(values.resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "1", memory: "256Mi" },
    });
    expect(rec.outputs).toEqual({
      ingressClassName: "traefik",
      namespace: "traefik",
      podLabels: { "app.kubernetes.io/name": "traefik" },
    });
  });

  it.each([
    [2, { enabled: true, minAvailable: 1 }],
    [1, { enabled: false }],
  ])("with %d replicas sets the disruption budget %j", (replicas, pdb) => {
    const values = traefikValues({ ingressClassName: "traefik", replicas });
    expect(values.podDisruptionBudget).toEqual(pdb);
    expect(values.deployment).toEqual({ replicas });
    expect(values.service).toEqual({ type: "LoadBalancer", annotations: {} });
  });

  it.each<[TraefikArgs, string]>([
    [{ replicas: 0 }, "Traefik 'lab-ingress': replicas must be a whole number of at least 1, got 0"],
    [
      { loadBalancerIp: "192.168.1.240-192.168.1.241" },
      "Traefik 'lab-ingress': loadBalancerIp '192.168.1.240-192.168.1.241' must be one IPv4 address from the MetalLB pool",
    ],
    [
      { ingressClassName: "Traefik" },
      "Traefik 'lab-ingress': ingressClassName 'Traefik' must be a DNS label (lowercase letters, digits and inner hyphens, at most 63 characters)",
    ],
  ])("rejects %j", async (args, message) => {
    await expect(recordTraefik(args)).rejects.toThrow(message);
  });

  it("renders objects that validate against the Kubernetes API schemas", async () => {
    const results = validateObjects(recordedObjects(await recordTraefik()));
    expect(results.map((r) => [r.kind, r.name, r.model, r.errors])).toEqual([
      ["Namespace", "traefik", "kubernetes-models/v1/Namespace", null],
      ["NetworkPolicy", "default-deny-ingress", "kubernetes-models/networking.k8s.io/v1/NetworkPolicy", null],
      ["NetworkPolicy", "allow-entrypoints", "kubernetes-models/networking.k8s.io/v1/NetworkPolicy", null],
    ]);
  });
});
