import { managerWorkload, PLACEMENTS, RunnerManagerPlacement } from "./placement";

type Placement = RunnerManagerPlacement<{ vmId: number }, { namespace: string }>;

describe("managerWorkload", () => {
  it.each<[string, Placement, ReturnType<typeof managerWorkload>]>([
    ["vm", { placement: "vm", vm: { vmId: 9100 } }, { workload: "vm", settings: { vmId: 9100 } }],
    [
      "cluster",
      { placement: "cluster", cluster: { namespace: "gitlab-runner" } },
      { workload: "deployment", settings: { namespace: "gitlab-runner" } },
    ],
  ])("creates exactly one workload for placement %s", (_kind, placement, expected) => {
    expect(managerWorkload(placement)).toEqual(expected);
  });

  it("offers exactly the two placements", () => {
    expect(PLACEMENTS).toEqual(["vm", "cluster"]);
  });

  it("refuses a config that carries the other placement's settings too", () => {
    const both = { placement: "vm", vm: { vmId: 9100 }, cluster: { namespace: "gitlab-runner" } } as Placement;
    expect(() => managerWorkload(both)).toThrow(
      "runnerManager.cluster is set but runnerManager.placement is 'vm'; remove runnerManager.cluster, or set " +
        "placement to 'cluster' (one manager per runner model)",
    );
  });

  it("refuses an unknown placement", () => {
    const unknown = { placement: "both" } as unknown as Placement;
    expect(() => managerWorkload(unknown)).toThrow(
      "runnerManager.placement 'both' is not a placement; use vm or cluster",
    );
  });
});
