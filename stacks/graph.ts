/**
 * The phase graph as data: every stack, the phases it carries and the stacks whose outputs it reads.
 *
 * Everything that needs an order (the offline plan, CI, the README diagram, the policy that checks which stacks a
 * program may read) derives it from here. A stack reads only its upstream stacks (docs/architecture.md, "Stacks and
 * the phase graph").
 */

/** The names of Foundation's stacks; also the names of their `Pulumi.<stack>.yaml` files. */
export const STACK_NAMES = ["aws", "group", "lab", "eve-skill-farm"] as const;

/** A Foundation stack name. */
export type StackName = (typeof STACK_NAMES)[number];

/** One node of the phase graph. */
export interface StackNode {
  /** The stack name, as in `pulumi stack select`. */
  readonly name: StackName;
  /** The roadmap phases this stack carries. */
  readonly phases: readonly number[];
  /** The stacks whose outputs this stack reads, through their typed contracts. */
  readonly needs: readonly StackName[];
  /**
   * The needs this stack can go without: with `foundation:stackReferences.<need>: false` it plans and applies before
   * that stack exists and leaves out what it would read from it; a later `up` with the reference set adds it.
   */
  readonly optional?: readonly StackName[];
  /** One line on what the stack owns. */
  readonly description: string;
}

/** The graph, in declaration order; {@link stackOrder} gives the order stacks are planned and applied in. */
export const GRAPH: Readonly<Record<StackName, StackNode>> = {
  aws: {
    name: "aws",
    phases: [1],
    needs: [],
    description: "AWS landing zone, state backend, OIDC roles, KMS, the ARM spot runner fleet",
  },
  group: {
    name: "group",
    phases: [2],
    needs: ["aws"],
    // Phase 2 runs beside phase 1: labels, variables, the deploy runner and the project's protection need no AWS.
    optional: ["aws"],
    description: "the GitLab group as code: labels, CI variables, runner records, deploy key",
  },
  lab: {
    name: "lab",
    phases: [1, 4, 5],
    needs: ["aws", "group"],
    description: "runner VM on Proxmox, Talos cluster with GitOps, platform services",
  },
  "eve-skill-farm": {
    name: "eve-skill-farm",
    phases: [5],
    needs: ["lab"],
    description: "the first workload, the Foundation exit proof",
  },
};

/** True when `name` is one of {@link STACK_NAMES}. */
export function isStackName(name: string): name is StackName {
  return (STACK_NAMES as readonly string[]).includes(name);
}

/**
 * The stacks in dependency order: every stack after the stacks it needs, ties broken by declaration order so the
 * order is stable. Throws on a cycle, naming the stacks in it.
 */
export function stackOrder(graph: Readonly<Record<StackName, StackNode>> = GRAPH): StackName[] {
  const order: StackName[] = [];
  const state = new Map<StackName, "visiting" | "done">();
  const visit = (name: StackName, path: StackName[]): void => {
    const seen = state.get(name);
    if (seen === "done") return;
    if (seen === "visiting") {
      throw new Error(`the phase graph has a cycle: ${[...path, name].join(" -> ")}`);
    }
    state.set(name, "visiting");
    for (const need of graph[name].needs) visit(need, [...path, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of STACK_NAMES) visit(name, []);
  return order;
}

/**
 * The stacks to plan when `selected` are asked for: the selection plus everything upstream of it, in graph order,
 * because a downstream stack cannot be planned without its upstream outputs; `goesWithout` names the optional needs
 * a stack's config leaves out.
 */
export function withUpstream(
  selected: readonly StackName[],
  goesWithout: (stack: StackName, need: StackName) => boolean = () => false,
): StackName[] {
  const wanted = new Set<StackName>();
  const add = (name: StackName): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    GRAPH[name].needs.filter((need) => !goesWithout(name, need)).forEach(add);
  };
  selected.forEach(add);
  return stackOrder().filter((name) => wanted.has(name));
}

/** The README's phase diagram, as mermaid source. */
export function mermaidDiagram(): string {
  const lines = ["flowchart LR"];
  for (const name of stackOrder()) {
    const node = GRAPH[name];
    const phases = node.phases.length > 1 ? "phases" : "phase";
    lines.push(`  ${nodeId(name)}["${name}<br/>${phases} ${node.phases.join(", ")}: ${node.description}"]`);
  }
  for (const name of stackOrder()) {
    for (const need of GRAPH[name].needs) {
      const optional = GRAPH[name].optional?.includes(need) ?? false;
      lines.push(`  ${nodeId(need)} ${optional ? '-. "once it exists" .->' : "-->"} ${nodeId(name)}`);
    }
  }
  return lines.join("\n");
}

/**
 * The stacks in waves: a wave's stacks need only stacks of earlier waves, not counting optional needs, so they can
 * be applied in any order or at once. The roadmap's parallelism: phase 2 beside phase 1.
 */
export function applyWaves(graph: Readonly<Record<StackName, StackNode>> = GRAPH): StackName[][] {
  const wave = new Map<StackName, number>();
  for (const name of stackOrder(graph)) {
    const required = graph[name].needs.filter((need) => !graph[name].optional?.includes(need));
    wave.set(name, Math.max(0, ...required.map((need) => (wave.get(need) ?? 0) + 1)));
  }
  const waves: StackName[][] = [];
  for (const name of stackOrder(graph)) (waves[wave.get(name) ?? 0] ??= []).push(name);
  return waves;
}

function nodeId(name: StackName): string {
  return name.replace(/[^a-z0-9]/g, "_");
}
