import { runResourcePolicy, UNKNOWN } from "../testing";
import { container, deployment } from "./testing";
import { kubernetesContainerResources } from "./kubernetes-container-resources";

const run = (resources: unknown) =>
  runResourcePolicy(kubernetesContainerResources, deployment([container({ resources })]));

describe("kubernetes-container-resources", () => {
  it("passes requests and a memory limit, with or without a CPU limit", async () => {
    expect(await runResourcePolicy(kubernetesContainerResources, deployment())).toEqual([]);
    expect(await run({ requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } })).toEqual([]);
  });

  it.each([
    [{ requests: { memory: "32Mi" }, limits: { memory: "64Mi" } }, "resources.requests.cpu"],
    [{ requests: { cpu: "10m" }, limits: { memory: "64Mi" } }, "resources.requests.memory"],
    [{ requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "1" } }, "resources.limits.memory"],
    [undefined, "resources.requests.cpu, resources.requests.memory, resources.limits.memory"],
  ])("fails %j", async (resources, missing) => {
    expect(await run(resources)).toEqual([`Deployment eve/app: container app does not set ${missing}`]);
  });

  it("skips resources unknown at preview", async () => {
    expect(await run(UNKNOWN)).toEqual([]);
  });
});
