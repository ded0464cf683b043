import { runResourcePolicy, UNKNOWN } from "../testing";
import { container, deployment, GOOD_CONTAINER } from "./testing";
import { kubernetesDeploymentProbes } from "./kubernetes-deployment-probes";

const run = (changes: Record<string, unknown>) =>
  runResourcePolicy(kubernetesDeploymentProbes, deployment([container(changes)]));

describe("kubernetes-deployment-probes", () => {
  it("passes both probes, and does not ask init containers for probes", async () => {
    expect(await run({})).toEqual([]);
    const fixture = deployment([GOOD_CONTAINER], {}, { initContainers: [{ name: "migrate", image: "m:1" }] });
    expect(await runResourcePolicy(kubernetesDeploymentProbes, fixture)).toEqual([]);
  });

  it.each([
    [{ readinessProbe: undefined }, "readinessProbe"],
    [{ livenessProbe: undefined }, "livenessProbe"],
    [{ readinessProbe: undefined, livenessProbe: undefined }, "readinessProbe and no livenessProbe"],
  ])("fails %j", async (changes, missing) => {
    expect(await run(changes)).toEqual([`Deployment eve/app: container app has no ${missing}`]);
  });

  it("checks Deployments only", async () => {
    const statefulSet = {
      ...deployment([container({ livenessProbe: undefined })]),
      type: "kubernetes:apps/v1:StatefulSet",
    };
    expect(await runResourcePolicy(kubernetesDeploymentProbes, statefulSet)).toEqual([]);
  });

  it("skips containers unknown at preview", async () => {
    expect(await runResourcePolicy(kubernetesDeploymentProbes, deployment([UNKNOWN as never]))).toEqual([]);
  });
});
