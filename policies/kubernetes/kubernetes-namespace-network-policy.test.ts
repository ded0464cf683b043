import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { deployment } from "./testing";
import { kubernetesNamespaceNetworkPolicy } from "./kubernetes-namespace-network-policy";

const NAMESPACE: StackResourceFixture = {
  type: "kubernetes:core/v1:Namespace",
  name: "eve-namespace",
  props: { metadata: { name: "eve" } },
};
const networkPolicy = (namespace: string): StackResourceFixture => ({
  type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  name: `${namespace}-network-policy`,
  props: { metadata: { name: "default-deny", namespace }, spec: { podSelector: {} } },
});
const run = (...resources: StackResourceFixture[]) => runStackPolicy(kubernetesNamespaceNetworkPolicy, resources);

describe("kubernetes-namespace-network-policy", () => {
  it("passes a namespace whose workloads have a NetworkPolicy, and namespaces without workloads", async () => {
    expect(await run(NAMESPACE, deployment(), networkPolicy("eve"))).toEqual([]);
    expect(await run(NAMESPACE)).toEqual([]);
  });

  it("fails an application namespace without a NetworkPolicy, on the Namespace resource", async () => {
    expect(await run(NAMESPACE, deployment(), networkPolicy("other"))).toEqual([
      `namespace eve runs Deployment eve/app but has no NetworkPolicy; add one that admits only the traffic its pods need (${fixtureUrn(NAMESPACE)})`,
    ]);
  });

  it("fails the default namespace and namespaces declared elsewhere, on their first workload", async () => {
    const pod = {
      type: "kubernetes:core/v1:Pod",
      name: "debug",
      props: { metadata: { name: "debug" }, spec: { containers: [] } },
    };
    expect(await run(pod)).toEqual([
      `namespace default runs Pod debug but has no NetworkPolicy; add one that admits only the traffic its pods need (${fixtureUrn(pod)})`,
    ]);
  });

  it("does not judge while a NetworkPolicy's namespace is unknown at preview", async () => {
    expect(await run(NAMESPACE, deployment(), networkPolicy(UNKNOWN))).toEqual([]);
  });
});
