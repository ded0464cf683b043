import { z } from "zod";
import {
  awsRegion,
  cidr,
  ConfigError,
  email,
  hostname,
  httpsUrl,
  ipv4,
  keyPaths,
  keysAt,
  loadConfig,
  port,
  secretField,
  stackReferencesSchema,
  version,
} from "./configuration";

/** A small stack schema with the shapes the real ones use: common keys, a nested object, defaults, a typed value. */
const awsConfigSchema = z.object({
  owner: z.string(),
  costCenter: z.string(),
  stackReferences: stackReferencesSchema([]),
  region: awsRegion(),
  accountId: z.string().regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" }),
  stateBackend: z
    .object({
      bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
        error: "must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens",
      }),
      keyAlias: z.string().default("alias/foundation-state"),
      keyDeletionWindowDays: z
        .number()
        .int()
        .min(30, { error: "must be 30: the standard keeps the longest window KMS allows" })
        .default(30),
      noncurrentVersionExpirationDays: z.number().int().default(90),
    })
    .strict(),
});

function problem(schema: z.ZodType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  return result.success ? undefined : result.error.issues[0].message;
}

describe("typed config values", () => {
  it.each([
    [
      "httpsUrl",
      httpsUrl(),
      "https://gitlab.example.com",
      "http://gitlab.example.com",
      "must be an https:// URL without a trailing slash, query or credentials, e.g. https://gitlab.example.com",
    ],
    [
      "httpsUrl with a trailing slash",
      httpsUrl(),
      "https://pve.example.com:8006",
      "https://gitlab.example.com/",
      "must be an https:// URL without a trailing slash, query or credentials, e.g. https://gitlab.example.com",
    ],
    ["ipv4", ipv4(), "192.0.2.10", "192.0.2.300", "must be an IPv4 address, e.g. 192.0.2.10"],
    [
      "cidr",
      cidr(),
      "192.0.2.0/24",
      "192.0.2.1/24",
      "must be an IPv4 CIDR block with its network address, e.g. 192.0.2.0/24",
    ],
    [
      "cidr prefix",
      cidr(),
      "0.0.0.0/0",
      "10.0.0.0/33",
      "must be an IPv4 CIDR block with its network address, e.g. 192.0.2.0/24",
    ],
    [
      "hostname",
      hostname(),
      "pve1.example.com",
      "PVE1.example.com",
      "must be a lowercase DNS name, e.g. pve1.example.com",
    ],
    ["port", port(), 8006, 70000, "must be a port number from 1 to 65535"],
    ["version", version(), "v1.11.5", "1.11", "must be a version like 1.11.5 or v1.11.5"],
    ["email", email(), "aws-root@example.com", "aws-root", "must be an email address, e.g. aws-root@example.com"],
    ["awsRegion", awsRegion(), "eu-central-1", "eu-central", "must be an AWS region name, e.g. eu-central-1"],
  ])("%s accepts a good value and refuses a bad one with its message", (_label, schema, good, bad, message) => {
    expect(problem(schema, good)).toBeUndefined();
    expect(problem(schema, bad)).toBe(message);
  });
});

describe("loadConfig", () => {
  it("never repeats a secret value in a refusal: the message lands in CI logs", () => {
    const secret = "Acme_State_hunter2";
    const config = {
      ...valid,
      "foundation:stateBackend": JSON.stringify({
        ...JSON.parse(valid["foundation:stateBackend"]),
        bucketName: secret,
      }),
    };
    const refusal = (isSecret: (key: string) => boolean) => {
      try {
        loadConfig("aws", awsConfigSchema, config, isSecret);
      } catch (err) {
        return (err as ConfigError).message;
      }
      throw new Error("the config was accepted");
    };
    expect(refusal(() => false)).toContain(`got the string "${secret}"`);
    const masked = refusal((key) => key === "foundation:stateBackend");
    expect(masked).not.toContain(secret);
    expect(masked).toContain(
      'foundation:stateBackend.bucketName: must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens; got the string "[secret]"',
    );
  });

  it("masks only the fields a schema marks secret, so the refusal can still name the variable", () => {
    const schema = z.object({
      variables: z.array(
        z.object({ key: z.string(), value: secretField(z.string()) }).refine((v) => v.value.length >= 8, {
          error: (issue) => `'${(issue.input as { key: string }).key}' is too short`,
        }),
      ),
      note: z.object({ text: z.string().max(3) }),
    });
    const all = {
      "foundation:variables": JSON.stringify([{ key: "DEPLOY_TOKEN", value: "hunter2" }]),
      "foundation:note": JSON.stringify({ text: "hunter2 again" }),
    };
    let message = "";
    try {
      loadConfig("group", schema, all, (key) => key !== "foundation:none");
    } catch (err) {
      message = (err as ConfigError).message;
    }
    expect(message).toContain("foundation:variables[0]: 'DEPLOY_TOKEN' is too short");
    // A secret key whose schema marks no field is masked whole.
    expect(message).toContain(
      'foundation:note.text: Too big: expected string to have <=3 characters; got the string "[secret]"',
    );
    expect(message).not.toContain("hunter2");
  });

  const valid = {
    "foundation:owner": "platform",
    "foundation:costCenter": "shared",
    "foundation:region": "eu-central-1",
    "foundation:accountId": "123456789012",
    "foundation:stateBackend": JSON.stringify({ bucketName: "acme-state" }),
  };

  it("parses the whole namespace, JSON values included, and applies defaults", () => {
    expect(loadConfig("aws", awsConfigSchema, valid)).toEqual({
      owner: "platform",
      costCenter: "shared",
      region: "eu-central-1",
      accountId: "123456789012",
      stateBackend: {
        bucketName: "acme-state",
        keyAlias: "alias/foundation-state",
        keyDeletionWindowDays: 30,
        noncurrentVersionExpirationDays: 90,
      },
    });
  });

  it("keeps a digits-only value of a string key a string", () => {
    expect(loadConfig("aws", awsConfigSchema, { ...valid, "foundation:owner": "1234" }).owner).toBe("1234");
  });

  it("reports every problem at once, each with the key and the fix", () => {
    const bad = {
      "foundation:owner": "platform",
      "foundation:regoin": "eu-central-1",
      "foundation:accountId": "12345",
      "aws:region": "us-east-1",
      "foundation:stateBackend": JSON.stringify({ bucketName: "Acme_State", keyDeletionWindowDays: 7, extra: true }),
    };
    let error: unknown;
    try {
      loadConfig("aws", awsConfigSchema, bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      [
        'stack "aws" has 8 configuration problems; no resource was registered:',
        "  - aws:region: this stack does not read 'aws:' keys: its providers are explicit and configured from 'foundation:' keys. Remove it.",
        "  - foundation:costCenter: required key is missing. Fix: pulumi config set --stack aws 'foundation:costCenter' <value>",
        "  - foundation:region: required key is missing. Fix: pulumi config set --stack aws 'foundation:region' <value>",
        '  - foundation:accountId: must be a 12-digit AWS account id; got the string "12345"',
        '  - foundation:stateBackend.bucketName: must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens; got the string "Acme_State"',
        "  - foundation:stateBackend.keyDeletionWindowDays: must be 30: the standard keeps the longest window KMS allows; got number 7",
        "  - foundation:stateBackend.extra: unknown key. Known keys here: bucketName, keyAlias, keyDeletionWindowDays, noncurrentVersionExpirationDays.",
        "  - foundation:regoin: unknown key. Did you mean 'foundation:region'? Known keys here: owner, costCenter, stackReferences, region, accountId, stateBackend.",
      ].join("\n"),
    );
  });

  it("names the expected type of a value of the wrong type", () => {
    expect(() =>
      loadConfig("aws", awsConfigSchema, { ...valid, "foundation:stateBackend": JSON.stringify("acme-state") }),
    ).toThrow('  - foundation:stateBackend: expected object, got the string "acme-state"');
  });

  it("uses --path in the fix for a missing nested key", () => {
    expect(() => loadConfig("aws", awsConfigSchema, { ...valid, "foundation:stateBackend": "{}" })).toThrow(
      "  - foundation:stateBackend.bucketName: required key is missing. Fix: pulumi config set --stack aws --path 'foundation:stateBackend.bucketName' <value>",
    );
  });

  it("accepts only the stacks a stack reads in stackReferences", () => {
    expect(() =>
      loadConfig("aws", awsConfigSchema, {
        ...valid,
        "foundation:stackReferences": JSON.stringify({ lab: "o/p/lab" }),
      }),
    ).toThrow("  - foundation:stackReferences.lab: unknown key. No key is allowed here.");
  });

  it("takes false for an optional need only, read as: that stack does not exist yet", () => {
    const schema = z.object({ stackReferences: stackReferencesSchema(["aws", "lab"], ["aws"]) });
    const load = (refs: unknown) =>
      loadConfig("group", schema, { "foundation:stackReferences": JSON.stringify(refs) }).stackReferences;
    expect(load({ aws: false, lab: "o/foundation/lab" })).toEqual({ aws: false, lab: "o/foundation/lab" });
    expect(() => load({ lab: false })).toThrow(
      "  - foundation:stackReferences.lab: expected string, got boolean false",
    );
    expect(() => load({ aws: true })).toThrow(
      '  - foundation:stackReferences.aws: must be a full stack name <organization>/<project>/<stack>, or false while stack "aws" does not exist; got boolean true',
    );
  });
});

describe("schema introspection", () => {
  it("lists every key path, array elements included", () => {
    const schema = z.object({ a: z.string(), b: z.object({ c: z.array(z.object({ d: z.number() })) }).optional() });
    expect(keyPaths(schema)).toEqual(["a", "b", "b.c", "b.c[].d"]);
  });

  it("knows the keys at a path", () => {
    expect(keysAt(awsConfigSchema, ["stateBackend"])).toEqual([
      "bucketName",
      "keyAlias",
      "keyDeletionWindowDays",
      "noncurrentVersionExpirationDays",
    ]);
  });
});
