import * as kubernetes from "@pulumi/kubernetes";
import { record } from "../../../tools/plan/testing";
import { CHARTS } from "./common";
import { ipAddressPoolSpec, isAddressEntry, l2AdvertisementSpec, MetalLb, MetalLbArgs, metallbValues } from "./metallb";
import { recordedObjects, validateObjects } from "../testing/schema-validation";

async function recordMetalLb(args: MetalLbArgs) {
  return record(() => {
    const metallb = new MetalLb("lab-metallb", args, { providers: { kubernetes: new kubernetes.Provider("k8s", {}) } });
    return { namespace: metallb.namespace, pool: metallb.poolName };
  });
}

describe("MetalLb", () => {
  it("installs the chart into a privileged namespace, then the pool and its L2 advertisement", async () => {
    const rec = await recordMetalLb({ addresses: ["192.168.1.240-192.168.1.250"] });
    expect(rec.summary()).toEqual([
      "pulumi:pulumi:Stack::foundation-test",
      "pulumi:providers:kubernetes::k8s",
      "foundation:kubernetes:MetalLb::lab-metallb",
      "kubernetes:core/v1:Namespace::lab-metallb-namespace",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::lab-metallb-namespace-default-deny",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy::lab-metallb-allow-webhook",
      "kubernetes:helm.sh/v3:Release::lab-metallb-chart",
      "kubernetes:metallb.io/v1beta1:IPAddressPool::lab-metallb-pool",
      "kubernetes:metallb.io/v1beta1:L2Advertisement::lab-metallb-l2",
    ]);
    expect(rec.inputsOf("lab-metallb-namespace").metadata).toEqual({
      name: "metallb-system",
      labels: {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
      },
    });
    expect(rec.inputsOf("lab-metallb-chart")).toMatchObject({
      name: "metallb",
      chart: "metallb",
      version: CHARTS.metallb.version,
      repositoryOpts: { repo: "https://metallb.github.io/metallb" },
      namespace: "metallb-system",
      atomic: true,
      createNamespace: false,
      values: metallbValues(false),
    });
    const chartUrn = rec.named("lab-metallb-chart").urn;
    expect(rec.named("lab-metallb-pool").dependencies).toContain(chartUrn);
    expect(rec.named("lab-metallb-l2").dependencies).toContain(rec.named("lab-metallb-pool").urn);
    expect(rec.inputsOf("lab-metallb-pool")).toMatchObject({
      metadata: { name: "lab-metallb", namespace: "metallb-system" },
      spec: { addresses: ["192.168.1.240-192.168.1.250"], autoAssign: true },
    });
    expect(rec.inputsOf("lab-metallb-l2").spec).toEqual({ ipAddressPools: ["lab-metallb"] });
    expect(rec.outputs).toEqual({ namespace: "metallb-system", pool: "lab-metallb" });
  });

  it("sets requests and limits on both containers and leaves FRR out", () => {
    const values = metallbValues(false) as { controller: { resources: object }; speaker: Record<string, unknown> };
    for (const r of [values.controller.resources, values.speaker.resources]) {
      expect(r).toEqual({ requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } });
    }
    expect(values.speaker.frr).toEqual({ enabled: false });
  });

  it.each([
    [false, false],
    [true, true],
  ])("announceFromControlPlanes %s sets speaker.ignoreExcludeLB %s", async (announce, expected) => {
    const rec = await recordMetalLb({ addresses: ["10.0.0.0/28"], announceFromControlPlanes: announce });
    const values = rec.inputsOf("lab-metallb-chart").values as { speaker: { ignoreExcludeLB: boolean } };
    expect(values.speaker.ignoreExcludeLB).toBe(expected);
  });

  it.each([
    ["192.168.1.240-192.168.1.250", true],
    ["192.168.1.240/28", true],
    ["192.168.1.250-192.168.1.240", false],
    ["192.168.1.240/33", false],
    ["192.168.1.300-192.168.1.310", false],
    ["fd00::/64", false],
    ["192.168.1.240", false],
  ])("isAddressEntry(%s) is %s", (entry, ok) => {
    expect(isAddressEntry(entry)).toBe(ok);
  });

  it.each<[Partial<MetalLbArgs>, string]>([
    [
      { addresses: [] },
      "MetalLb 'lab-metallb': addresses is empty; give at least one range such as 192.168.1.240-192.168.1.250",
    ],
    [
      { addresses: ["10.0.0.1", "10.0.0.9-10.0.0.2"] },
      "MetalLb 'lab-metallb': addresses '10.0.0.1', '10.0.0.9-10.0.0.2' must be IPv4 ranges (a.b.c.d-a.b.c.e, ascending) or CIDRs (a.b.c.d/n)",
    ],
    [
      { addresses: ["10.0.0.0/28"], namespace: "MetalLB" },
      "MetalLb 'lab-metallb': namespace 'MetalLB' must be a DNS label (lowercase letters, digits and inner hyphens, at most 63 characters)",
    ],
  ])("rejects %j", async (args, message) => {
    await expect(recordMetalLb({ addresses: [], ...args })).rejects.toThrow(message);
  });

  it("renders objects that validate against the Kubernetes API schemas", async () => {
    const rec = await recordMetalLb({ addresses: ["192.168.1.240-192.168.1.250"] });
    const results = validateObjects(recordedObjects(rec));
    expect(results.map((r) => `${r.kind}/${r.name}`)).toEqual([
      "Namespace/metallb-system",
      "NetworkPolicy/default-deny-ingress",
      "NetworkPolicy/allow-webhook",
      "IPAddressPool/lab-metallb",
      "L2Advertisement/lab-metallb",
    ]);
    expect(results.filter((r) => r.errors !== null)).toEqual([]);
    // MetalLB publishes no typed model (no @kubernetes-models/metallb on npm): its objects are checked by shape here.
    expect(results.map((r) => r.model)).toEqual([
      "kubernetes-models/v1/Namespace",
      "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
      "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
      null,
      null,
    ]);
    expect(ipAddressPoolSpec("p", "ns", ["10.0.0.0/28"])).toEqual({
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: "p", namespace: "ns" },
      spec: { addresses: ["10.0.0.0/28"], autoAssign: true },
    });
    expect(l2AdvertisementSpec("a", "ns", "p").spec).toEqual({ ipAddressPools: ["p"] });
  });
});
