import { runResourcePolicy, UNKNOWN } from "../testing";
import { container, deployment } from "./testing";
import { kubernetesContainerReadonlyRootfs } from "./kubernetes-container-readonly-rootfs";

const WRITABLE =
  "Deployment eve/app: container app has a writable root filesystem; set securityContext.readOnlyRootFilesystem: " +
  "true, or annotate the workload with policy.foundation/kubernetes-container-readonly-rootfs: <reason>";
const run = (securityContext: Record<string, unknown>, annotations: Record<string, string> = {}) =>
  runResourcePolicy(kubernetesContainerReadonlyRootfs, deployment([container({}, securityContext)], { annotations }));

describe("kubernetes-container-readonly-rootfs", () => {
  it("passes a read-only root filesystem", async () => {
    expect(await run({})).toEqual([]);
  });

  it.each([
    ["unset", { readOnlyRootFilesystem: undefined }],
    ["false", { readOnlyRootFilesystem: false }],
  ])("fails %s", async (_case, securityContext) => {
    expect(await run(securityContext)).toEqual([WRITABLE]);
  });

  it("accepts an exception for this policy only", async () => {
    const writable = { readOnlyRootFilesystem: false };
    expect(
      await run(writable, { "policy.foundation/kubernetes-container-readonly-rootfs": "writes /var/lib" }),
    ).toEqual([]);
    expect(await run(writable, { "policy.foundation/kubernetes-container-nonroot": "another policy" })).toEqual([
      WRITABLE,
    ]);
  });

  it("skips a setting unknown at preview", async () => {
    expect(await run({ readOnlyRootFilesystem: UNKNOWN })).toEqual([]);
  });
});
