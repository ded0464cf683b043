import { GRAPH, isStackName } from "../../stacks/graph";
import { defineStackPolicy, stackOf } from "../policy";
import { STACK_REFERENCE_TYPE, targetOf } from "./stack-references";

/**
 * A stack reads only the stacks the phase graph says it needs (stacks/graph.ts, docs/architecture.md): an extra stack
 * reference is a hidden edge that breaks the apply order, CI's ordering and the blast radius the graph documents.
 * The stack's own name comes from the URNs; a stack the graph does not know may read no stack at all.
 */
export const pulumiStackReferencePhaseGraph = defineStackPolicy({
  name: "pulumi-stackreference-phase-graph",
  description: "A stack reads only the outputs of the stacks that the phase graph lists as its upstream stacks.",
  severity: "high",
  remediationSteps:
    "Read upstream outputs only through stacks/contract.ts from the stacks listed in GRAPH[stack].needs; when a " +
    "stack really needs another one, add the edge to stacks/graph.ts (and run npm run docs) in the same merge request.",
  url: "https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences",
  area: "stack",
  check: (args, report) => {
    const self = stackOf(args.resources);
    if (self === undefined) return;
    const allowed: readonly string[] = isStackName(self.stack) ? GRAPH[self.stack].needs : [];
    for (const reference of args.resources.filter((r) => r.type === STACK_REFERENCE_TYPE)) {
      const target = targetOf(reference);
      if (target === undefined) continue;
      const otherProject = target.project !== undefined && target.project !== self.project;
      if (otherProject || !allowed.includes(target.stack)) {
        report(
          `stack ${self.stack} reads '${target.name}', which the phase graph does not list; it may read ` +
            `${allowed.length > 0 ? allowed.map((s) => `${self.project}/${s}`).join(", ") : "no stack"}`,
          reference.urn,
        );
      }
    }
  },
});
