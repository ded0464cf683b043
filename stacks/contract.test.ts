import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { planStacks, StackPlan } from "../tools/plan/engine";
import { record } from "../tools/plan/testing";
import { reveal, Secret } from "../tools/plan/values";
import { defineContract, exportContract, readStack } from "./contract";
import { awsOutputs } from "./aws/outputs";
import { STACK_NAMES } from "./graph";
import { STACKS } from "./programs";

let plans: StackPlan[];
/** What the aws stack exports in the plan: a complete fixture for reading its contract. */
let awsExports: Record<string, unknown>;
beforeAll(async () => {
  plans = await planStacks({ root: join(__dirname, "..") });
  awsExports = reveal(plans[0].outputs) as Record<string, unknown>;
});

describe.each(STACK_NAMES)("the %s stack's contract", (stack) => {
  const plan = () => plans.find((p) => p.name === stack) as StackPlan;
  const contract = STACKS[stack].contract;

  it("is exactly what the stack exports", () => {
    expect(Object.keys(plan().outputs).sort()).toEqual(Object.keys(contract).sort());
  });

  it("types every exported value and keeps the secret ones secret", () => {
    for (const [key, spec] of Object.entries(contract)) {
      const value = plan().outputs[key];
      expect(value instanceof Secret).toBe(spec.secret === true);
      expect(spec.schema.safeParse(reveal(value)).success).toBe(true);
    }
  });
});

describe("readStack", () => {
  it("reads every output of the upstream contract through requireOutput", async () => {
    const rec = await record(
      () => {
        const aws = readStack("group", "aws", awsOutputs);
        return { region: aws.region, backend: aws.stateBackendUrl };
      },
      {
        stack: "group",
        stackReferences: { "organization/foundation/aws": awsExports },
      },
    );
    expect(rec.outputs).toEqual({ region: "eu-central-1", backend: awsExports.stateBackendUrl });
    expect(rec.named("aws-outputs").inputs).toEqual({ name: "organization/foundation/aws" });
  });

  it("asks for every contract output with requireOutput, never the silently-undefined getOutput", async () => {
    const required = jest.spyOn(pulumi.StackReference.prototype, "requireOutput");
    const got = jest.spyOn(pulumi.StackReference.prototype, "getOutput");
    await record(() => ({ region: readStack("group", "aws", awsOutputs).region }), {
      stack: "group",
      stackReferences: { "organization/foundation/aws": awsExports },
    });
    expect(required.mock.calls.map(([name]) => name).sort()).toEqual(Object.keys(awsOutputs).sort());
    expect(got).not.toHaveBeenCalled();
    required.mockRestore();
    got.mockRestore();
  });

  it("refuses a read the phase graph does not allow", async () => {
    await expect(record(() => readStack("aws", "lab", awsOutputs), { stack: "aws" })).rejects.toThrow(
      'stack "aws" may not read stack "lab": the phase graph lets it read no stack (stacks/graph.ts)',
    );
  });

  it("points at the configured reference instead of the default", async () => {
    const rec = await record(() => ({ r: readStack("group", "aws", awsOutputs, "acme/foundation/prod-aws").region }), {
      stack: "group",
      stackReferences: { "acme/foundation/prod-aws": { ...awsExports, region: "us-east-1" } },
    });
    expect(rec.outputs).toEqual({ r: "us-east-1" });
  });
});

describe("exportContract", () => {
  it("wraps the outputs the contract calls secret", async () => {
    const contract = defineContract({
      kubeconfig: { schema: z.string(), secret: true, description: "admin kubeconfig" },
      domain: { schema: z.string(), description: "domain" },
    });
    const rec = await record(() =>
      exportContract(contract, { kubeconfig: pulumi.output("apiVersion: v1"), domain: "d" }),
    );
    expect(rec.outputs.kubeconfig).toEqual(new Secret("apiVersion: v1"));
    expect(rec.outputs.domain).toBe("d");
  });
});
