import { join } from "node:path";
import { readProjectFile, readStackConfig } from "../../tools/plan/stack-files";
import { loadConfig } from "../configuration";
import { eveSkillFarmConfigSchema } from "./config";

const root = join(__dirname, "..", "..");
const sample = readStackConfig(root, readProjectFile(root), "eve-skill-farm").config;

/** The sample config with keys replaced (`undefined` removes a key); objects are given as config passes them. */
function edited(changes: Record<string, unknown>): Record<string, string> {
  const config: Record<string, string> = { ...sample };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete config[key];
    else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

function problemsOf(config: Record<string, string>): string[] {
  try {
    loadConfig("eve-skill-farm", eveSkillFarmConfigSchema, config, (key) => key === "foundation:registries");
    return [];
  } catch (err) {
    return (err as Error).message.split("\n").slice(1);
  }
}

const RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const DIGEST = `sha256:${"0".repeat(64)}`;
const IMAGE = `registry.example.com/mson/eve-skill-farm:1.4.2@${DIGEST}`;
const PINNED = "e.g. registry.example.com/mson/eve-skill-farm:1.4.2@sha256:<64 hex>";

describe("eve-skill-farm config", () => {
  it("accepts the sample", () => {
    expect(loadConfig("eve-skill-farm", eveSkillFarmConfigSchema, sample)).toEqual({
      owner: "eve-skill-farm",
      costCenter: "eve-skill-farm",
      policyEnforcement: {},
      policyConfig: {},
      policyExceptions: {},
      stackReferences: { lab: "organization/foundation/lab" },
      subdomain: "eve",
      image: IMAGE,
      containerPort: 8080,
      healthPath: "/healthz",
      runAsUser: 10001,
      env: { LOG_LEVEL: "info", LISTEN_ADDRESS: ":8080" },
      secretEnv: { DATABASE_URL: { secret: "eve-skill-farm/database", property: "url" } },
      registries: [],
      replicas: 1,
      storageSize: "1Gi",
      volumeAccessMode: "ReadWriteOnce",
      resources: RESOURCES,
      secretName: "eve-skill-farm/credentials",
    });
  });

  it("defaults every optional key to the component's defaults", () => {
    const minimal = edited({
      "foundation:replicas": undefined,
      "foundation:storageSize": undefined,
      "foundation:volumeAccessMode": undefined,
      "foundation:resources": undefined,
      "foundation:secretName": undefined,
      "foundation:stackReferences": undefined,
      "foundation:policyEnforcement": undefined,
      "foundation:containerPort": undefined,
      "foundation:healthPath": undefined,
      "foundation:runAsUser": undefined,
      "foundation:env": undefined,
      "foundation:secretEnv": undefined,
      "foundation:registries": undefined,
    });
    expect(loadConfig("eve-skill-farm", eveSkillFarmConfigSchema, minimal)).toMatchObject({
      containerPort: 8080,
      healthPath: "/healthz",
      runAsUser: 10001,
      env: {},
      secretEnv: {},
      registries: [],
      replicas: 1,
      storageSize: "1Gi",
      volumeAccessMode: "ReadWriteOnce",
      resources: RESOURCES,
      secretName: "eve-skill-farm/credentials",
    });
  });

  it.each([
    ["a digest alone", `registry.example.com/mson/eve-skill-farm@sha256:${"a".repeat(64)}`],
    ["a digest on a registry with a port", `registry.example.com:5000/eve-skill-farm:2026.11.1@${DIGEST}`],
  ])("accepts an image pinned by %s", (_label, image) => {
    expect(problemsOf(edited({ "foundation:image": image }))).toEqual([]);
  });

  it("takes a bare number as a CPU quantity, as YAML reads `cpu: 1`", () => {
    const config = edited({ "foundation:resources": { ...RESOURCES, limits: { cpu: 1, memory: "256Mi" } } });
    expect(loadConfig("eve-skill-farm", eveSkillFarmConfigSchema, config).resources.limits.cpu).toBe("1");
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    [
      "an image pinned by tag only",
      { "foundation:image": "registry.example.com/mson/eve-skill-farm:1.4.2" },
      [
        `  - foundation:image: 'registry.example.com/mson/eve-skill-farm:1.4.2' is not pinned by digest; append @sha256:<digest> of the image that was tested, ${PINNED}`,
      ],
    ],
    [
      "the tag latest",
      { "foundation:image": "registry.example.com/mson/eve-skill-farm:latest" },
      [
        `  - foundation:image: 'registry.example.com/mson/eve-skill-farm:latest' is not pinned by digest; append @sha256:<digest> of the image that was tested, ${PINNED}`,
      ],
    ],
    [
      "a malformed digest",
      { "foundation:image": "registry.example.com/mson/eve-skill-farm@sha256:abc" },
      [
        `  - foundation:image: 'registry.example.com/mson/eve-skill-farm@sha256:abc' has a malformed digest; a digest is @sha256: followed by 64 lowercase hex digits, ${PINNED}`,
      ],
    ],
    [
      "a privileged port, a relative health path and uid 0",
      { "foundation:containerPort": "80", "foundation:healthPath": "healthz", "foundation:runAsUser": "0" },
      [
        "  - foundation:containerPort: 80 must be 1024-65535: a non-root process cannot bind lower ports",
        "  - foundation:healthPath: 'healthz' must start with /",
        "  - foundation:runAsUser: must be a non-zero user id, got 0",
      ],
    ],
    [
      "a port out of range",
      { "foundation:containerPort": "70000" },
      ["  - foundation:containerPort: 70000 must be 1024-65535: a non-root process cannot bind lower ports"],
    ],
    [
      "an environment value that is not a string",
      { "foundation:env": { PORT: 8080 } },
      ["  - foundation:env.PORT: expected string, got number 8080"],
    ],
    [
      "an environment variable name a shell cannot hold, and a name in both env and secretEnv",
      {
        "foundation:env": { "LOG-LEVEL": "info", DATABASE_URL: "postgres://" },
        "foundation:secretEnv": { DATABASE_URL: { secret: "eve-skill-farm/database" } },
      },
      [
        "  - foundation:env.LOG-LEVEL: is not an environment variable name; use letters, digits and _",
        "  - foundation:secretEnv.DATABASE_URL: is also a plain env variable; keep it in one of the two",
      ],
    ],
    [
      "a secret environment variable from outside the prefix",
      { "foundation:secretEnv": { DB: { secret: "/abs" } } },
      [
        "  - foundation:secretEnv.DB.secret: '/abs' must be a Secrets Manager name under the prefix, e.g. eve-skill-farm/database",
      ],
    ],
    [
      "a registry given as a URL, with a user name holding a space",
      {
        "foundation:registries": [
          { server: "https://registry.example.com", username: "a b", token: "gldt-supersecrettoken" },
        ],
      },
      [
        "  - foundation:registries[0].server: 'https://registry.example.com' must be a registry host such as registry.example.com, without a scheme or path",
        "  - foundation:registries[0].username: must be the deploy token's user name, without spaces or ':'",
      ],
    ],
    [
      "a deploy token too short to be one, without repeating it",
      { "foundation:registries": [{ server: "registry.example.com", username: "bot", token: "short" }] },
      [
        '  - foundation:registries[0].token: must be the deploy token (at least 8 characters); got the string "[secret]"',
      ],
    ],
    [
      "a missing image",
      { "foundation:image": undefined },
      [
        "  - foundation:image: required key is missing. Fix: pulumi config set --stack eve-skill-farm 'foundation:image' <value>",
      ],
    ],
    [
      "a subdomain with upper case and an underscore",
      { "foundation:subdomain": "Eve_1" },
      [
        '  - foundation:subdomain: must be one DNS label: lowercase letters, digits and inner hyphens; got the string "Eve_1"',
      ],
    ],
    [
      "a subdomain of two labels",
      { "foundation:subdomain": "eve.apps" },
      [
        '  - foundation:subdomain: must be one DNS label: lowercase letters, digits and inner hyphens; got the string "eve.apps"',
      ],
    ],
    [
      "two replicas on a ReadWriteOnce volume",
      { "foundation:replicas": "2" },
      [
        "  - foundation:replicas: 2 needs volumeAccessMode ReadWriteMany: a ReadWriteOnce volume attaches to one node, so a second pod elsewhere would never start",
      ],
    ],
    [
      "no replicas",
      { "foundation:replicas": "0" },
      ["  - foundation:replicas: must be a whole number of at least 1, got 0"],
    ],
    [
      "an access mode the component does not know",
      { "foundation:volumeAccessMode": "ReadOnlyMany" },
      [
        '  - foundation:volumeAccessMode: must be one of "ReadWriteOnce", "ReadWriteMany"; got the string "ReadOnlyMany"',
      ],
    ],
    [
      "a storage size without a binary unit",
      { "foundation:storageSize": "1G" },
      ["  - foundation:storageSize: '1G' must be a quantity such as 1Gi"],
    ],
    [
      "a request above its limit and a malformed memory limit",
      { "foundation:resources": { requests: { cpu: "2", memory: "128Mi" }, limits: { cpu: "500m", memory: "lots" } } },
      [
        "  - foundation:resources.requests.cpu: 2 exceeds limits.cpu 500m; raise the limit",
        "  - foundation:resources.limits.memory: 'lots' must be a quantity such as 256Mi",
      ],
    ],
    [
      "a secret name that starts with a slash",
      { "foundation:secretName": "/eve" },
      [
        "  - foundation:secretName: '/eve' must be a Secrets Manager name under the prefix (letters, digits and /_+=.@-, no leading /), e.g. eve-skill-farm/credentials",
      ],
    ],
    [
      "a misspelt key",
      { "foundation:replica": "2" },
      [
        "  - foundation:replica: unknown key. Did you mean 'foundation:replicas'? Known keys here: policyEnforcement, policyConfig, policyExceptions, owner, costCenter, stackReferences, subdomain, image, containerPort, healthPath, runAsUser, env, secretEnv, registries, replicas, storageSize, volumeAccessMode, resources, secretName.",
      ],
    ],
    [
      "an unknown key inside resources",
      { "foundation:resources": { ...RESOURCES, request: { cpu: "1m", memory: "1Mi" } } },
      [
        "  - foundation:resources.request: unknown key. Did you mean 'foundation:resources.requests'? Known keys here: requests, limits.",
      ],
    ],
    [
      "a reference to a stack it does not read",
      { "foundation:stackReferences": { lab: "organization/foundation/lab", aws: "organization/foundation/aws" } },
      ["  - foundation:stackReferences.aws: unknown key. Known keys here: lab."],
    ],
    [
      "a provider key, which default providers being off would ignore",
      { "kubernetes:kubeconfig": "~/.kube/config" },
      [
        "  - kubernetes:kubeconfig: this stack does not read 'kubernetes:' keys: its providers are explicit and configured from 'foundation:' keys. Remove it.",
      ],
    ],
  ])("refuses %s, naming the key and the fix", (_label, changes, problems) => {
    expect(problemsOf(edited(changes))).toEqual(problems);
  });
});
