import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { pulumiStackReferencePhaseGraph } from "./pulumi-stackreference-phase-graph";

const STACK = (stack: string): StackResourceFixture => ({
  type: "pulumi:pulumi:Stack",
  name: `foundation-${stack}`,
  stack,
  props: {},
});
const reference = (stack: string, name: unknown): StackResourceFixture => ({
  type: "pulumi:pulumi:StackReference",
  name: `ref-${String(name).split("/").pop()}`,
  stack,
  props: { name, outputs: {}, secretOutputNames: [] },
});
const run = (...resources: StackResourceFixture[]) => runStackPolicy(pulumiStackReferencePhaseGraph, resources);

describe("pulumi-stackreference-phase-graph", () => {
  it("passes the references the graph lists, in every form of the name", async () => {
    expect(
      await run(STACK("lab"), reference("lab", "organization/foundation/aws"), reference("lab", "foundation/group")),
    ).toEqual([]);
    expect(await run(STACK("eve-skill-farm"), reference("eve-skill-farm", "lab"))).toEqual([]);
    expect(await run(STACK("aws"))).toEqual([]);
  });

  it("fails a reference the graph does not list", async () => {
    const ref = reference("eve-skill-farm", "organization/foundation/aws");
    expect(await run(STACK("eve-skill-farm"), ref)).toEqual([
      `stack eve-skill-farm reads 'organization/foundation/aws', which the phase graph does not list; it may read foundation/lab (${fixtureUrn(ref)})`,
    ]);
  });

  it("fails a reference to another project's stack of a listed name", async () => {
    const ref = reference("group", "organization/other/aws");
    expect(await run(STACK("group"), ref)).toEqual([
      `stack group reads 'organization/other/aws', which the phase graph does not list; it may read foundation/aws (${fixtureUrn(ref)})`,
    ]);
  });

  it("fails any reference from a stack the graph does not know, and from the first stack", async () => {
    const fromDev = reference("dev", "organization/foundation/aws");
    expect(await run(STACK("dev"), fromDev)).toEqual([
      `stack dev reads 'organization/foundation/aws', which the phase graph does not list; it may read no stack (${fixtureUrn(fromDev)})`,
    ]);
    const fromAws = reference("aws", "organization/foundation/lab");
    expect(await run(STACK("aws"), fromAws)).toEqual([
      `stack aws reads 'organization/foundation/lab', which the phase graph does not list; it may read no stack (${fixtureUrn(fromAws)})`,
    ]);
  });

  it("skips a reference whose name is unknown at preview", async () => {
    expect(await run(STACK("aws"), reference("aws", UNKNOWN))).toEqual([]);
  });
});
