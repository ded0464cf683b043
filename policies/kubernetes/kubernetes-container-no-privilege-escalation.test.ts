import { runResourcePolicy, UNKNOWN } from "../testing";
import { container, deployment } from "./testing";
import { kubernetesContainerNoPrivilegeEscalation } from "./kubernetes-container-no-privilege-escalation";

const ESCALATES =
  "Deployment eve/app: container app allows privilege escalation; set securityContext.allowPrivilegeEscalation: " +
  "false, or annotate the workload with policy.foundation/kubernetes-container-no-privilege-escalation: <reason>";
const run = (securityContext: Record<string, unknown>, annotations: Record<string, string> = {}) =>
  runResourcePolicy(
    kubernetesContainerNoPrivilegeEscalation,
    deployment([container({}, securityContext)], { annotations }),
  );

describe("kubernetes-container-no-privilege-escalation", () => {
  it("passes allowPrivilegeEscalation false", async () => {
    expect(await run({})).toEqual([]);
  });

  it.each([
    ["unset", { allowPrivilegeEscalation: undefined }],
    ["true", { allowPrivilegeEscalation: true }],
    ["a privileged container", { allowPrivilegeEscalation: undefined, privileged: true }],
  ])("fails %s", async (_case, securityContext) => {
    expect(await run(securityContext)).toEqual([ESCALATES]);
  });

  it("accepts an exception annotation with a reason", async () => {
    const reason = { "policy.foundation/kubernetes-container-no-privilege-escalation": "dind is privileged" };
    expect(await run({ allowPrivilegeEscalation: true }, reason)).toEqual([]);
  });

  it("skips a setting unknown at preview", async () => {
    expect(await run({ allowPrivilegeEscalation: UNKNOWN })).toEqual([]);
  });
});
