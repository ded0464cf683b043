import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { diffPlans } from "./diff";
import { PlanDocument, PlanResource, toDocument } from "./document";
import { StackPlan } from "./engine";
import { readProjectFile, readStackConfig, securePlaceholder } from "./stack-files";
import { record } from "./testing";
import { Secret } from "./values";

const disabled = { "pulumi:disable-default-providers": ["*"] };

function asPlan(rec: Awaited<ReturnType<typeof record>>): StackPlan {
  return {
    name: "aws",
    phases: [1],
    needs: [],
    resources: rec.resources,
    outputs: rec.outputs,
    violations: [],
    diagnostics: [],
  };
}

describe("the recording monitor", () => {
  it("keeps parent, provider, dependencies, protect and retainOnDelete of every registration", async () => {
    const rec = await record(() => {
      const provider = new aws.Provider("aws", { region: "eu-west-1" });
      const parent = new pulumi.ComponentResource("foundation:test:Box", "box");
      const key = new aws.kms.Key("key", {}, { parent, provider, protect: true, retainOnDelete: true });
      new aws.kms.Alias("alias", { name: "alias/x", targetKeyId: key.keyId }, { parent, provider, dependsOn: [key] });
    });
    const key = rec.named("key");
    expect(key).toMatchObject({
      urn: "urn:pulumi:test::foundation::foundation:test:Box$aws:kms/key:Key::key",
      parent: "urn:pulumi:test::foundation::foundation:test:Box::box",
      provider: "urn:pulumi:test::foundation::pulumi:providers:aws::aws",
      custom: true,
      protect: true,
      retainOnDelete: true,
    });
    expect(rec.named("alias").dependencies).toEqual([key.urn]);
    expect(rec.named("box").custom).toBe(false);
  });

  it("synthesizes the region-aware ARNs and ids that only a provider would know", async () => {
    const rec = await record(() => {
      const provider = new aws.Provider("aws", { region: "eu-west-1" });
      const key = new aws.kms.Key("key", {}, { provider });
      return { arn: key.arn, id: key.keyId };
    });
    expect(rec.outputs.arn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]{36}$/);
    expect(rec.outputs.arn).toBe(`arn:aws:kms:eu-west-1:123456789012:key/${rec.outputs.id}`);
  });

  it("makes keys and random values PEM-shaped placeholders, secret where the provider keeps them secret", async () => {
    const rec = await record(() => {
      const key = new tls.PrivateKey(
        "ca",
        { algorithm: "ECDSA", ecdsaCurve: "P256" },
        { provider: new tls.Provider("tls") },
      );
      const password = new random.RandomPassword("pw", { length: 24 }, { provider: new random.Provider("random") });
      return { pem: key.privateKeyPem, pub: key.publicKeyPem, password: password.result };
    });
    expect(rec.outputs.pem).toBeInstanceOf(Secret);
    const pem = (rec.outputs.pem as Secret).value as string;
    expect(pem.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
    expect(pem.endsWith("-----END PRIVATE KEY-----\n")).toBe(true);
    expect(Buffer.from(pem.split("\n")[1], "base64").toString()).toMatch(/^FOUNDATION OFFLINE PLAN PLACEHOLDER/);
    expect(rec.outputs.pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(rec.outputs.password).toBeInstanceOf(Secret);
  });

  it("refuses a resource without an explicit provider when default providers are disabled", async () => {
    await expect(record(() => new aws.s3.Bucket("b", {}), { config: disabled })).rejects.toThrow(
      "Resource: Default provider for 'aws' disabled. 'aws:s3/bucket:Bucket' must use an explicit provider.",
    );
  });

  it("refuses an invoke without an explicit provider when default providers are disabled", async () => {
    await expect(record(() => ({ id: aws.getCallerIdentityOutput().accountId }), { config: disabled })).rejects.toThrow(
      "Invoke: Default provider for 'aws' disabled. 'aws:index/getCallerIdentity:getCallerIdentity' must use an explicit provider.",
    );
  });

  it("puts a dynamic resource on its package's default provider, denied like any package's by '*'", async () => {
    class Thing extends pulumi.dynamic.Resource {
      constructor() {
        super({ create: async () => ({ id: "x" }) }, "d", {}, undefined, "test", "Thing");
      }
    }
    const dynamic = () => new Thing();
    const named = await record(dynamic, { config: { "pulumi:disable-default-providers": '["aws","tls"]' } });
    const provider = named.named("default", "pulumi:providers:pulumi-nodejs");
    expect(provider.urn).toBe("urn:pulumi:test::foundation::pulumi:providers:pulumi-nodejs::default");
    expect(named.named("d").provider).toBe(provider.urn);
    await expect(record(dynamic, { config: disabled })).rejects.toThrow(
      "Resource: Default provider for 'pulumi-nodejs' disabled. 'pulumi-nodejs:dynamic/test:Thing' must use an explicit provider.",
    );
  });

  it("names the file to extend for an invoke it cannot synthesize", async () => {
    await expect(
      record(() => ({ zones: aws.getAvailabilityZonesOutput({}, { provider: new aws.Provider("aws", {}) }).names })),
    ).rejects.toThrow(
      "the offline plan has no synthetic result for invoke 'aws:index/getAvailabilityZones:getAvailabilityZones'; add one to INVOKES in tools/plan/synthesize.ts",
    );
  });

  it("refuses two resources with one URN, as the engine does", async () => {
    const provider = () => new aws.Provider("aws", {});
    await expect(
      record(() => {
        const p = provider();
        new aws.kms.Key("k", {}, { provider: p });
        new aws.kms.Key("k", {}, { provider: p });
      }),
    ).rejects.toThrow(
      "Duplicate resource URN 'urn:pulumi:test::foundation::aws:kms/key:Key::k'; try giving it a unique name",
    );
  });
});

describe("secrets in the plan document", () => {
  async function secretPlan() {
    return record(
      () => {
        const provider = new aws.Provider("aws", {});
        const token = new pulumi.Config().requireSecret("token");
        new aws.ssm.Parameter("p", { type: "SecureString", value: token }, { provider });
        return { token, plain: "visible" };
      },
      { config: { token: "s3cr3t-value" }, secretKeys: ["token"] },
    );
  }

  it("redacts secret inputs and outputs unless asked to show them", async () => {
    const plan = asPlan(await secretPlan());
    const hidden = JSON.stringify(toDocument([plan], false));
    expect(hidden).not.toContain("s3cr3t-value");
    const doc = toDocument([plan], false);
    expect(doc.stacks[0].resources.find((r) => r.name === "p")?.inputs.value).toBe("[secret]");
    expect(doc.stacks[0].outputs).toEqual({ plain: "visible", token: "[secret]" });
    const shown = toDocument([plan], true);
    expect(shown.stacks[0].outputs.token).toBe("s3cr3t-value");
  });

  it("leaves a dynamic resource's serialized provider out of its inputs", () => {
    const plan: StackPlan = {
      ...asPlan({ resources: [], outputs: {} } as never),
      resources: [
        {
          urn: "urn:pulumi:aws::foundation::pulumi-nodejs:dynamic:Resource::d",
          type: "pulumi-nodejs:dynamic:Resource",
          name: "d",
          parent: null,
          custom: true,
          protect: false,
          retainOnDelete: false,
          provider: null,
          dependencies: [],
          inputs: { __provider: "exports.handler = ...", key: new Secret("k"), name: "n" },
          outputs: {},
          id: "d",
          importId: null,
          additionalSecretOutputs: [],
          ignoreChanges: [],
          replaceOnChanges: [],
          deleteBeforeReplace: false,
        },
      ],
    };
    expect(toDocument([plan], false).stacks[0].resources[0].inputs).toEqual({ key: "[secret]", name: "n" });
  });
});

describe("diffPlans", () => {
  const none = { paths: [], replaceReasons: [], deleteBeforeReplace: false };
  const resource = (
    name: string,
    inputs: Record<string, unknown>,
    extra: Partial<PlanResource> = {},
  ): PlanResource => ({
    urn: `urn:${name}`,
    type: "aws:s3/bucket:Bucket",
    name,
    parent: null,
    custom: true,
    protect: false,
    retainOnDelete: false,
    provider: null,
    dependencies: [],
    replaceOnChanges: [],
    deleteBeforeReplace: false,
    inputs,
    ...extra,
  });
  const doc = (resources: PlanResource[]): PlanDocument => ({
    version: 1,
    stacks: [{ name: "aws", phases: [1], needs: [], resources, outputs: {}, violations: [] }],
  });

  it("lists creates, updates with their changed paths, and deletes", () => {
    const before = doc([resource("kept", { tags: { a: "1" }, rules: [{ id: "x" }] }), resource("gone", {})]);
    const after = doc([resource("kept", { tags: { a: "2" }, rules: [{ id: "y" }] }), resource("new", {})]);
    expect(diffPlans(before, after)).toEqual([
      {
        stack: "aws",
        changes: [
          {
            op: "update",
            urn: "urn:kept",
            type: "aws:s3/bucket:Bucket",
            paths: ["inputs.rules[0].id", "inputs.tags.a"],
            replaceReasons: [],
            deleteBeforeReplace: false,
          },
          { ...none, op: "create", urn: "urn:new", type: "aws:s3/bucket:Bucket" },
          { ...none, op: "delete", urn: "urn:gone", type: "aws:s3/bucket:Bucket" },
        ],
      },
    ]);
  });

  it("calls a change of a force-new property, or of a replaceOnChanges path, a replacement", () => {
    const before = doc([
      resource("renamed", { bucket: "a", tags: { a: "1" } }),
      resource(
        "vm",
        { cpu: { cores: 2 }, talos: { version: "1.36" } },
        {
          type: "proxmoxve:index/vmLegacy:VmLegacy",
          replaceOnChanges: ["talos"],
          deleteBeforeReplace: true,
        },
      ),
    ]);
    const after = doc([
      resource("renamed", { bucket: "b", tags: { a: "1" } }),
      resource(
        "vm",
        { cpu: { cores: 2 }, talos: { version: "1.37" } },
        {
          type: "proxmoxve:index/vmLegacy:VmLegacy",
          replaceOnChanges: ["talos"],
          deleteBeforeReplace: true,
        },
      ),
    ]);
    expect(diffPlans(before, after)[0].changes).toEqual([
      {
        op: "replace",
        urn: "urn:renamed",
        type: "aws:s3/bucket:Bucket",
        paths: ["inputs.bucket"],
        replaceReasons: ["inputs.bucket"],
        deleteBeforeReplace: false,
      },
      {
        op: "replace",
        urn: "urn:vm",
        type: "proxmoxve:index/vmLegacy:VmLegacy",
        paths: ["inputs.talos.version"],
        replaceReasons: ["inputs.talos.version"],
        deleteBeforeReplace: true,
      },
    ]);
  });

  it("reports nothing for identical plans", () => {
    const same = doc([resource("kept", { a: 1 })]);
    expect(diffPlans(same, same)).toEqual([{ stack: "aws", changes: [] }]);
  });
});

describe("stack files", () => {
  it("merges project defaults, namespaces bare keys and keeps encrypted values secret", () => {
    const dir = mkdtempSync(join(tmpdir(), "foundation-files-"));
    writeFileSync(
      join(dir, "Pulumi.yaml"),
      "name: foundation\nruntime: nodejs\nconfig:\n  pulumi:disable-default-providers:\n    value: ['*']\n" +
        "  owner:\n    type: string\n    default: platform\n  costCenter:\n    type: string\n",
    );
    writeFileSync(
      join(dir, "Pulumi.lab.yaml"),
      "config:\n  domain: lab.example.com\n  foundation:token:\n    secure: v1:AAAA\n" +
        "  foundation:proxmox:\n    endpoint: https://pve.example.com\n    insecure: false\n",
    );
    const project = readProjectFile(dir);
    const config = readStackConfig(dir, project, "lab");
    rmSync(dir, { recursive: true, force: true });
    expect(config).toEqual({
      config: {
        "foundation:domain": "lab.example.com",
        "foundation:owner": "platform",
        "foundation:proxmox": '{"endpoint":"https://pve.example.com","insecure":false}',
        "foundation:token": securePlaceholder("foundation:token"),
        "pulumi:disable-default-providers": '["*"]',
      },
      secretKeys: ["foundation:token"],
    });
  });
});
