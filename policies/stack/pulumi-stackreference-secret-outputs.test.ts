import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { pulumiStackReferenceSecretOutputs } from "./pulumi-stackreference-secret-outputs";

const reference = (outputs: Record<string, unknown>, secretOutputNames: unknown): StackResourceFixture => ({
  type: "pulumi:pulumi:StackReference",
  name: "lab-outputs",
  stack: "eve-skill-farm",
  props: { name: "organization/foundation/lab", outputs, secretOutputNames },
});
const run = (ref: StackResourceFixture) => runStackPolicy(pulumiStackReferenceSecretOutputs, [ref]);

describe("pulumi-stackreference-secret-outputs", () => {
  it("passes secret credentials and plain non-credentials", async () => {
    const ref = reference(
      { kubeconfig: "apiVersion: v1", runnerToken: "glrt-x", stateKeyArn: "arn:aws:kms:…", domain: "lab.example.com" },
      ["kubeconfig", "runnerToken"],
    );
    expect(await run(ref)).toEqual([]);
  });

  it("fails credentials exported in plain text, naming each", async () => {
    const one = reference({ kubeconfig: "apiVersion: v1", domain: "lab.example.com" }, []);
    expect(await run(one)).toEqual([
      `'organization/foundation/lab' exports kubeconfig in plain text; export it with pulumi.secret (${fixtureUrn(one)})`,
    ]);
    const two = reference({ kubeconfig: "k", talosconfig: "t", caKeyPem: "p" }, ["talosconfig"]);
    expect(await run(two)).toEqual([
      `'organization/foundation/lab' exports kubeconfig, caKeyPem in plain text; export them with pulumi.secret (${fixtureUrn(two)})`,
    ]);
  });

  it("skips a reference whose secret names are unknown at preview", async () => {
    expect(await run(reference({ kubeconfig: "k" }, UNKNOWN))).toEqual([]);
  });
});
