/**
 * Proxmox VMs as the Proxmox policies read them. Foundation's VMs are `proxmoxve.VmLegacy` (the provider's
 * full-featured VM; the un-suffixed `Vm` is experimental, "DO NOT USE" in the SDK's own `vm.d.ts` of
 * `@muhlba91/pulumi-proxmoxve`), and components/proxmox tags each VM with what it is: `gitlab-runner` for the runner
 * VM, `talos` plus its role for Talos nodes.
 */
import { asList, whenKnown } from "../policy";

/** The VM type token the components use. */
export const VM_TYPE = "proxmoxve:index/vmLegacy:VmLegacy";

/** The VM's tags; empty when they are unknown at preview. */
export function tagsOf(props: Record<string, unknown>): readonly string[] {
  return whenKnown(() => asList(props.tags as string[]).filter((tag) => typeof tag === "string")) ?? [];
}

/** The VM's name for messages: its `name` when known, else the logical name. */
export function vmLabel(props: Record<string, unknown>, logicalName: string): string {
  const name = whenKnown(() => props.name);
  return `VM ${typeof name === "string" && name !== "" ? name : logicalName}`;
}
