import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { StackPlan } from "./engine";
import { PolicyPackSession, policyPackConfig, startPolicyPack } from "./policy-pack";
import { record } from "./testing";

let pack: PolicyPackSession;
beforeAll(async () => {
  pack = await startPolicyPack(join(__dirname, "testdata", "pack"));
}, 30_000);
afterAll(() => pack.close());

async function plan(forceDestroy: boolean, protect: boolean): Promise<Omit<StackPlan, "violations">> {
  const rec = await record(
    () => {
      const provider = new aws.Provider("aws", {});
      new aws.s3.Bucket("b", { forceDestroy }, { provider, protect });
      new aws.ssm.Parameter("p", { type: "SecureString", value: new pulumi.Config().requireSecret("v") }, { provider });
    },
    { config: { v: "s3cr3t" }, secretKeys: ["v"] },
  );
  return { name: "aws", phases: [1], needs: [], resources: rec.resources, outputs: rec.outputs, diagnostics: [] };
}

describe("policy packs over the analyzer protocol", () => {
  it("reports resource and stack violations with their enforcement levels and URNs", async () => {
    const violations = await pack.evaluate(await plan(true, false));
    expect([...violations].sort((a, b) => a.policy.localeCompare(b.policy))).toEqual([
      {
        policy: "s3-bucket-no-force-destroy",
        enforcementLevel: "mandatory",
        urn: "urn:pulumi:test::foundation::aws:s3/bucket:Bucket::b",
        message: "Buckets are not force-destroyed.\nbucket b has forceDestroy on",
      },
      {
        policy: "ssm-parameter-reads-secrets",
        enforcementLevel: "advisory",
        urn: "urn:pulumi:test::foundation::aws:ssm/parameter:Parameter::p",
        message: "Sees secret values unwrapped, as policies do.\nvalue is s3cr3t",
      },
      {
        policy: "stack-protects-a-custom-resource",
        enforcementLevel: "advisory",
        urn: null,
        message: "A stack protects at least one custom resource.\nno custom resource is protected",
      },
    ]);
  });

  it("passes a stack that breaks no policy", async () => {
    const violations = await pack.evaluate(await plan(false, true));
    expect(violations.map((v) => v.policy)).toEqual(["ssm-parameter-reads-secrets"]);
  });

  it("applies a stack's enforcement overrides", async () => {
    const violations = await pack.evaluate(await plan(true, true), {
      enforcement: { "s3-bucket-no-force-destroy": "advisory", "ssm-parameter-reads-secrets": "disabled" },
      properties: {},
    });
    expect(violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([["s3-bucket-no-force-destroy", "advisory"]]);
  });

  it("hands a stack's policy properties to the policy, keeping the pack's enforcement where none is set", async () => {
    const excepted = await pack.evaluate(await plan(true, true), {
      enforcement: { "ssm-parameter-reads-secrets": "disabled" },
      properties: { "s3-bucket-no-force-destroy": { allowedBuckets: ["b"] } },
    });
    expect(excepted).toEqual([]);
    const other = await pack.evaluate(await plan(true, true), {
      enforcement: { "ssm-parameter-reads-secrets": "disabled" },
      properties: { "s3-bucket-no-force-destroy": { allowedBuckets: ["another"] } },
    });
    expect(other.map((v) => [v.policy, v.enforcementLevel])).toEqual([["s3-bucket-no-force-destroy", "mandatory"]]);
  });

  it("writes the same settings as a --policy-pack-config document", () => {
    expect(
      policyPackConfig({
        enforcement: { "s3-bucket-no-force-destroy": "advisory", "stack-protects-a-custom-resource": "disabled" },
        properties: { "s3-bucket-no-force-destroy": { allowedBuckets: ["b"] } },
      }),
    ).toEqual({
      "s3-bucket-no-force-destroy": { enforcementLevel: "advisory", allowedBuckets: ["b"] },
      "stack-protects-a-custom-resource": { enforcementLevel: "disabled" },
    });
  });

  it("knows the pack's policies and refuses an override for a policy it does not have", async () => {
    expect(pack.policyNames).toEqual([
      "s3-bucket-no-force-destroy",
      "ssm-parameter-reads-secrets",
      "stack-protects-a-custom-resource",
    ]);
    await expect(
      pack.evaluate(await plan(false, true), {
        enforcement: { "s3-bucket-no-force-destory": "mandatory" },
        properties: { "stack-protect-a-custom-resource": {} },
      }),
    ).rejects.toThrow(
      "foundation:policyEnforcement.s3-bucket-no-force-destory: no such policy in the pack; did you mean " +
        "'s3-bucket-no-force-destroy'?\nfoundation:policyConfig.stack-protect-a-custom-resource: no such policy in the " +
        "pack; did you mean 'stack-protects-a-custom-resource'?",
    );
  });

  it("says why a pack that cannot start did not", async () => {
    await expect(startPolicyPack(join(__dirname, "testdata", "missing"))).rejects.toThrow(
      /^policy pack .*testdata\/missing could not start: spawn .* ENOENT$/,
    );
    await expect(startPolicyPack(join(__dirname, "testdata"))).rejects.toThrow(
      /^policy pack .*testdata exited \(1\) before serving: .*Cannot find module/s,
    );
  }, 30_000);
});
