import { applyWaves, GRAPH, mermaidDiagram, stackOrder, StackName, StackNode, withUpstream } from "./graph";

describe("phase graph", () => {
  it("orders every stack after the stacks it reads", () => {
    expect(stackOrder()).toEqual(["aws", "group", "lab", "eve-skill-farm"]);
  });

  it("plans a stack together with everything upstream of it", () => {
    expect(withUpstream(["lab"])).toEqual(["aws", "group", "lab"]);
    expect(withUpstream(["eve-skill-farm", "group"])).toEqual(["aws", "group", "lab", "eve-skill-farm"]);
    expect(withUpstream(["aws"])).toEqual(["aws"]);
  });

  it("leaves out an optional need the stack's config goes without, and only that", () => {
    const groupWithoutAws = (stack: StackName, need: StackName) => stack === "group" && need === "aws";
    expect(withUpstream(["group"], groupWithoutAws)).toEqual(["group"]);
    expect(withUpstream(["lab"], groupWithoutAws)).toEqual(["aws", "group", "lab"]);
    expect(GRAPH.group.optional).toEqual(["aws"]);
    expect(Object.values(GRAPH).filter((n) => n.optional?.some((o) => !n.needs.includes(o)))).toEqual([]);
  });

  it("applies in waves: group beside aws, as the roadmap runs phase 2 beside phase 1", () => {
    expect(applyWaves()).toEqual([["aws", "group"], ["lab"], ["eve-skill-farm"]]);
  });

  it("matches the stack map of docs/architecture.md", () => {
    expect(Object.values(GRAPH).map((n) => [n.name, n.phases, n.needs])).toEqual([
      ["aws", [1], []],
      ["group", [2], ["aws"]],
      ["lab", [1, 4, 5], ["aws", "group"]],
      ["eve-skill-farm", [5], ["lab"]],
    ]);
  });

  it("names the stacks of a cycle", () => {
    const node = (name: StackName, needs: StackName[]): StackNode => ({ name, phases: [1], needs, description: "" });
    const cyclic = {
      aws: node("aws", ["eve-skill-farm"]),
      group: node("group", ["aws"]),
      lab: node("lab", ["group"]),
      "eve-skill-farm": node("eve-skill-farm", ["lab"]),
    };
    expect(() => stackOrder(cyclic)).toThrow(
      "the phase graph has a cycle: aws -> eve-skill-farm -> lab -> group -> aws",
    );
  });

  it("draws one node per stack and one edge per read, an optional read dotted", () => {
    const lines = mermaidDiagram().split("\n");
    expect(lines[0]).toBe("flowchart LR");
    expect(lines.filter((l) => l.includes("->"))).toEqual([
      '  aws -. "once it exists" .-> group',
      "  aws --> lab",
      "  group --> lab",
      "  lab --> eve_skill_farm",
    ]);
    expect(lines).toContain(
      '  lab["lab<br/>phases 1, 4, 5: runner VM on Proxmox, Talos cluster with GitOps, platform services"]',
    );
  });
});
