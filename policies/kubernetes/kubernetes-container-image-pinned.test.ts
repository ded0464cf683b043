import { runResourcePolicy, UNKNOWN } from "../testing";
import { container, deployment } from "./testing";
import { imagePinProblem } from "./image";
import { kubernetesContainerImagePinned } from "./kubernetes-container-image-pinned";

const run = (image: string) => runResourcePolicy(kubernetesContainerImagePinned, deployment([container({ image })]));

describe("kubernetes-container-image-pinned", () => {
  it.each([
    "registry.example.com/eve/app:1.4.2",
    "registry.example.com:5000/eve/app:v2",
    `nginx@sha256:${"a".repeat(64)}`,
    `nginx:1.27@sha256:${"b".repeat(64)}`,
  ])("passes %s", async (image) => {
    expect(await run(image)).toEqual([]);
  });

  it.each([
    ["nginx:latest", "uses the tag 'latest'"],
    ["nginx", "has no tag or digest"],
    ["registry.example.com:5000/eve/app", "has no tag or digest"],
    ["nginx@sha256:abc", "has a malformed digest"],
    ["nginx:-bad", "has a malformed tag"],
  ])("fails %s", async (image, problem) => {
    expect(await run(image)).toEqual([
      `Deployment eve/app: container app image '${image}' ${problem}; pin a version tag or a digest`,
    ]);
  });

  it("checks init containers of every workload kind, and Pods and CronJobs where their pod specs live", async () => {
    const initContainer = { name: "migrate", image: "migrate:latest" };
    const fixture = deployment();
    const withInit = {
      ...fixture,
      props: {
        metadata: { name: "app", namespace: "eve" },
        spec: { template: { spec: { initContainers: [initContainer], containers: [container({})] } } },
      },
    };
    expect(await runResourcePolicy(kubernetesContainerImagePinned, withInit)).toEqual([
      "Deployment eve/app: init container migrate image 'migrate:latest' uses the tag 'latest'; pin a version tag or a digest",
    ]);
    const pod = {
      type: "kubernetes:core/v1:Pod",
      name: "debug",
      props: { metadata: { name: "debug" }, spec: { containers: [{ name: "sh", image: "busybox" }] } },
    };
    expect(await runResourcePolicy(kubernetesContainerImagePinned, pod)).toEqual([
      "Pod debug: container sh image 'busybox' has no tag or digest; pin a version tag or a digest",
    ]);
    const cronJob = {
      type: "kubernetes:batch/v1:CronJob",
      name: "backup",
      props: {
        metadata: { namespace: "eve" },
        spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "restic" }] } } } } },
      },
    };
    expect(await runResourcePolicy(kubernetesContainerImagePinned, cronJob)).toEqual([
      "CronJob eve/backup: container b image 'restic' has no tag or digest; pin a version tag or a digest",
    ]);
  });

  it("leaves other resource types alone and skips an image unknown at preview", async () => {
    const service = { type: "kubernetes:core/v1:Service", props: { spec: { containers: [{ image: "x" }] } } };
    expect(await runResourcePolicy(kubernetesContainerImagePinned, service)).toEqual([]);
    expect(await run(UNKNOWN)).toEqual([]);
  });

  it("reads the last path segment only, so a registry port is no tag", () => {
    expect(imagePinProblem("localhost:5000/app")).toBe("has no tag or digest");
  });
});
