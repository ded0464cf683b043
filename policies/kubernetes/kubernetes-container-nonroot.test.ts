import { runResourcePolicy, UNKNOWN } from "../testing";
import { container, deployment } from "./testing";
import { kubernetesContainerNonroot } from "./kubernetes-container-nonroot";

const ROOT =
  "Deployment eve/app: container app may run as root; set securityContext.runAsNonRoot: true, or annotate the " +
  "workload with policy.foundation/kubernetes-container-nonroot: <reason>";
const run = (securityContext: Record<string, unknown>, podSecurityContext?: Record<string, unknown>) =>
  runResourcePolicy(
    kubernetesContainerNonroot,
    deployment([container({}, securityContext)], {}, podSecurityContext ? { securityContext: podSecurityContext } : {}),
  );

describe("kubernetes-container-nonroot", () => {
  it("passes runAsNonRoot or a non-zero user, on the container or the pod", async () => {
    expect(await run({})).toEqual([]);
    expect(await run({ runAsNonRoot: undefined, runAsUser: 1000 })).toEqual([]);
    expect(await run({ runAsNonRoot: undefined }, { runAsNonRoot: true })).toEqual([]);
  });

  it.each([
    ["runAsNonRoot unset", { runAsNonRoot: undefined }, undefined],
    ["runAsNonRoot false", { runAsNonRoot: false }, undefined],
    ["user 0 despite runAsNonRoot", { runAsUser: 0 }, undefined],
    ["the container overriding the pod", { runAsNonRoot: false }, { runAsNonRoot: true }],
  ])("fails %s", async (_case, securityContext, pod) => {
    expect(await run(securityContext, pod)).toEqual([ROOT]);
  });

  it("accepts an exception annotation with a reason, and only with one", async () => {
    const root = [container({}, { runAsNonRoot: false })];
    const excepted = (reason: string) =>
      deployment(root, { annotations: { "policy.foundation/kubernetes-container-nonroot": reason } });
    expect(await runResourcePolicy(kubernetesContainerNonroot, excepted("dind runs as root"))).toEqual([]);
    expect(await runResourcePolicy(kubernetesContainerNonroot, excepted(" "))).toEqual([ROOT]);
  });

  it("skips a user unknown at preview", async () => {
    expect(await run({ runAsNonRoot: false, runAsUser: UNKNOWN })).toEqual([]);
  });
});
