import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { StackPlan } from "./engine";
import { enforcementProblems, PolicyPackSession, policyPackConfig, startPolicyPack } from "./policy-pack";
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
      new aws.ssm.Parameter(
        "p",
        { type: "SecureString", value: new pulumi.Config().requireSecret("v") },
        { provider, protect },
      );
    },
    { config: { v: "s3cr3t" }, secretKeys: ["v"] },
  );
  return { name: "aws", phases: [1], needs: [], resources: rec.resources, outputs: rec.outputs, diagnostics: [] };
}

/** A review date that has not lapsed and is within the year an exception may run. */
const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

describe("policy packs over the analyzer protocol", () => {
  it("reports resource and stack violations with their enforcement levels and URNs", async () => {
    const violations = await pack.evaluate(await plan(true, false));
    expect([...violations].sort((a, b) => a.policy.localeCompare(b.policy))).toEqual([
      {
        policy: "pulumi-resource-stateful-protected",
        enforcementLevel: "advisory",
        urn: null,
        message: "A stack protects every custom resource.\na custom resource is not protected",
      },
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
    ]);
  });

  it("passes a stack that breaks no policy", async () => {
    const violations = await pack.evaluate(await plan(false, true));
    expect(violations.map((v) => v.policy)).toEqual(["ssm-parameter-reads-secrets"]);
  });

  it("applies a stack's enforcement overrides, a mandatory policy lowered only with a declared exception", async () => {
    const violations = await pack.evaluate(await plan(true, true), {
      enforcement: { "s3-bucket-no-force-destroy": "advisory", "ssm-parameter-reads-secrets": "disabled" },
      properties: {},
      exceptions: {
        "s3-bucket-no-force-destroy": {
          reason: "The scratch bucket is emptied by its own job.",
          reviewBy: inAMonth,
        },
      },
    });
    expect(violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([["s3-bucket-no-force-destroy", "advisory"]]);
    await expect(
      pack.evaluate(await plan(true, true), {
        enforcement: { "s3-bucket-no-force-destroy": "disabled" },
        properties: {},
      }),
    ).rejects.toThrow(
      "foundation:policyEnforcement.s3-bucket-no-force-destroy: lowers a mandatory policy to disabled without a " +
        "declared exception; fix what it reports, or declare foundation:policyExceptions.s3-bucket-no-force-destroy " +
        "with a reason and a reviewBy date",
    );
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
        enforcement: { "s3-bucket-no-force-destroy": "advisory", "pulumi-resource-stateful-protected": "disabled" },
        properties: { "s3-bucket-no-force-destroy": { allowedBuckets: ["b"] } },
      }),
    ).toEqual({
      "s3-bucket-no-force-destroy": { enforcementLevel: "advisory", allowedBuckets: ["b"] },
      "pulumi-resource-stateful-protected": { enforcementLevel: "disabled" },
    });
  });

  it("knows the pack's policies and refuses an override for a policy it does not have", async () => {
    expect(pack.policyNames).toEqual([
      "s3-bucket-no-force-destroy",
      "ssm-parameter-reads-secrets",
      "pulumi-resource-stateful-protected",
    ]);
    await expect(
      pack.evaluate(await plan(false, true), {
        enforcement: { "s3-bucket-no-force-destory": "mandatory" },
        properties: { "pulumi-resource-stateful-protect": {} },
      }),
    ).rejects.toThrow(
      "foundation:policyEnforcement.s3-bucket-no-force-destory: no such policy in the pack; did you mean " +
        "'s3-bucket-no-force-destroy'?\nfoundation:policyConfig.pulumi-resource-stateful-protect: no such policy in the " +
        "pack; did you mean 'pulumi-resource-stateful-protected'?",
    );
  });

  it("refuses exceptions that lapsed, run too far ahead, excuse nothing or name no policy", () => {
    const defaults = new Map([
      ["iam-policy-no-wildcard-admin", "mandatory" as const],
      ["kubernetes-ingress-tls", "mandatory" as const],
      ["kubernetes-deployment-probes", "advisory" as const],
    ]);
    const reason = "The lab dashboard stays on the LAN until its certificate is issued.";
    expect(
      enforcementProblems(
        {
          enforcement: {
            "iam-policy-no-wildcard-admin": "advisory",
            "kubernetes-ingress-tls": "disabled",
            "kubernetes-deployment-probes": "disabled",
          },
          properties: {},
          exceptions: {
            "iam-policy-no-wildcard-admin": { reason, reviewBy: "2026-12-04" },
            "kubernetes-ingress-tls": { reason, reviewBy: "2027-12-07" },
            "kubernetes-deployment-probes": { reason, reviewBy: "2027-01-01" },
          },
        },
        defaults,
        "2026-12-05",
      ),
    ).toEqual([
      "foundation:policyExceptions.iam-policy-no-wildcard-admin: lapsed on 2026-12-04; review it and move reviewBy " +
        "ahead, or fix what the policy reports and remove the exception and the override",
      "foundation:policyExceptions.kubernetes-ingress-tls: reviewBy 2027-12-07 is more than a year ahead; set it " +
        "on or before 2027-12-06",
      "foundation:policyExceptions.kubernetes-deployment-probes: foundation:policyEnforcement does not lower this " +
        "mandatory policy, so the exception excuses nothing; remove it",
    ]);
    // Raising a policy, lowering an advisory one and a current exception need nothing more.
    expect(
      enforcementProblems(
        {
          enforcement: { "kubernetes-deployment-probes": "mandatory", "kubernetes-ingress-tls": "advisory" },
          properties: {},
          exceptions: { "kubernetes-ingress-tls": { reason, reviewBy: "2026-12-05" } },
        },
        defaults,
        "2026-12-05",
      ),
    ).toEqual([]);
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
