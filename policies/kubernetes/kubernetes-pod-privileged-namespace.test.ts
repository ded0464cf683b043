import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { container, deployment } from "./testing";
import { kubernetesPodPrivilegedNamespace } from "./kubernetes-pod-privileged-namespace";

const namespace = (name: string, enforce: string): StackResourceFixture => ({
  type: "kubernetes:core/v1:Namespace",
  name: `${name}-namespace`,
  props: { metadata: { name, labels: { "pod-security.kubernetes.io/enforce": enforce } } },
});
const dind = (podSpec: Record<string, unknown> = {}): StackResourceFixture => ({
  ...deployment([container({ name: "dind" }, { privileged: true })], { namespace: "runner" }, podSpec),
  name: "runner-deployment",
});
const run = (...resources: StackResourceFixture[]) => runStackPolicy(kubernetesPodPrivilegedNamespace, resources);

describe("kubernetes-pod-privileged-namespace", () => {
  it("passes a privileged pod in a privileged namespace, and unprivileged pods anywhere", async () => {
    expect(await run(namespace("runner", "privileged"), dind())).toEqual([]);
    expect(await run(namespace("eve", "restricted"), deployment())).toEqual([]);
    expect(await run(deployment())).toEqual([]);
  });

  it("fails a privileged pod in a namespace that enforces less", async () => {
    const workload = dind();
    expect(await run(namespace("runner", "baseline"), workload)).toEqual([
      `Deployment runner/app needs privileged container dind but namespace runner enforces "baseline"; run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged (${fixtureUrn(workload)})`,
    ]);
  });

  it("fails a privileged pod whose namespace the stack does not declare", async () => {
    const workload = dind();
    expect(await run(workload)).toEqual([
      `Deployment runner/app needs privileged container dind but namespace runner is not declared in this stack; declare it with pod-security.kubernetes.io/enforce: privileged (${fixtureUrn(workload)})`,
    ]);
  });

  it("names every host privilege the pod asks for", async () => {
    const workload = {
      ...deployment(
        [container({})],
        { namespace: "metallb-system" },
        {
          hostNetwork: true,
          hostPID: true,
          hostIPC: true,
          volumes: [{ name: "root", hostPath: { path: "/" } }],
        },
      ),
      name: "speaker",
    };
    expect(await run(namespace("metallb-system", "baseline"), workload)).toEqual([
      `Deployment metallb-system/app needs hostNetwork, hostPID, hostIPC, hostPath volumes but namespace metallb-system enforces "baseline"; run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged (${fixtureUrn(workload)})`,
    ]);
  });

  it("skips what is unknown at preview: the workload's namespace, or the namespace's label", async () => {
    const unknownNamespace = { ...dind(), props: { ...dind().props, metadata: { name: "app", namespace: UNKNOWN } } };
    expect(await run(unknownNamespace)).toEqual([]);
    expect(await run(namespace("runner", UNKNOWN), dind())).toEqual([]);
  });
});
