/**
 * Where the runner manager runs (docs/lab.md, "Runner manager placement"): on its Proxmox VM, or in the lab cluster
 * after the Phase 4 migration. One manager per runner model: two managers with the same tokens would both drive the
 * same autoscaling groups, each scaling instances the other then removes. The placement is a discriminated union,
 * so a config holds the settings of exactly one placement and the program builds exactly one workload.
 */

/** The placements config may name. */
export const PLACEMENTS = ["vm", "cluster"] as const;

/** The manager on its Proxmox VM, with that placement's settings. */
export interface VmPlacement<VmSettings> {
  /** Discriminant. */
  readonly placement: "vm";
  /** The VM's settings. */
  readonly vm: VmSettings;
}

/** The manager as a Deployment in the lab cluster, with that placement's settings. */
export interface ClusterPlacement<ClusterSettings> {
  /** Discriminant. */
  readonly placement: "cluster";
  /** The Deployment's settings. */
  readonly cluster: ClusterSettings;
}

/** `runnerManager`: exactly one placement and only its settings. */
export type RunnerManagerPlacement<VmSettings, ClusterSettings> =
  VmPlacement<VmSettings> | ClusterPlacement<ClusterSettings>;

/** The one workload the program creates for a placement, carrying its settings. */
export type ManagerWorkload<VmSettings, ClusterSettings> =
  | { readonly workload: "vm"; readonly settings: VmSettings }
  | { readonly workload: "deployment"; readonly settings: ClusterSettings };

/**
 * The workload to create: the VM for `vm`, the Deployment for `cluster`. The other one is not created, so switching
 * the placement removes the old manager in the same `pulumi up` (docs/runbooks/runner-migration.md: drain first).
 */
export function managerWorkload<VmSettings, ClusterSettings>(
  placement: RunnerManagerPlacement<VmSettings, ClusterSettings>,
): ManagerWorkload<VmSettings, ClusterSettings> {
  // A config written for one placement that still carries the other's settings is ambiguous about intent.
  const other = placement.placement === "vm" ? "cluster" : "vm";
  if (PLACEMENTS.includes(placement.placement) && other in placement) {
    throw new Error(
      `runnerManager.${other} is set but runnerManager.placement is '${placement.placement}'; remove ` +
        `runnerManager.${other}, or set placement to '${other}' (one manager per runner model)`,
    );
  }
  switch (placement.placement) {
    case "vm":
      return { workload: "vm", settings: placement.vm };
    case "cluster":
      return { workload: "deployment", settings: placement.cluster };
    default: {
      const unknown: { placement?: unknown } = placement;
      throw new Error(
        `runnerManager.placement '${String(unknown.placement)}' is not a placement; use ${PLACEMENTS.join(" or ")}`,
      );
    }
  }
}
