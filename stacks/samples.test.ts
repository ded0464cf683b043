/**
 * The sample `Pulumi.<stack>.yaml` files are complete, documented, working examples (docs/architecture.md, "Config"):
 * each parses against its stack's schema, sets every key the schema knows, and explains every top-level key in a
 * comment. They name the state KMS key as their secrets provider and hold no encrypted value: a secret can only be
 * written after `pulumi stack init` (docs/runbooks/bootstrap-state.md, "Secrets providers").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, parseDocument } from "yaml";
import { providerSdks } from "../tools/engine/install";
import { readProjectFile, readStackConfig } from "../tools/plan/stack-files";
import { keyPaths, loadConfig, NAMESPACE } from "./configuration";
import { STACK_NAMES } from "./graph";
import { STACKS } from "./programs";

const root = join(__dirname, "..");
const project = readProjectFile(root);
const aws = (
  parseDocument(readFileSync(join(root, "Pulumi.aws.yaml"), "utf8")).toJS() as { config: Record<string, never> }
).config;

/** True when `path` (dotted, `[]` for list elements) is set somewhere in `value`. */
function isSet(value: unknown, path: string[]): boolean {
  if (path.length === 0) return value !== undefined;
  const [head, ...rest] = path;
  if (head === "[]") return Array.isArray(value) && value.some((item) => isSet(item, rest));
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return isSet((value as Record<string, unknown>)[head], rest);
}

describe("Pulumi.yaml", () => {
  it("denies the default provider of every provider package the stacks use, by name and never with '*'", () => {
    // '*' would deny `pulumi-nodejs` too, the package of every dynamic resource: the engine exempts only `pulumi`.
    const denied = JSON.parse(readStackConfig(root, project, "aws").config["pulumi:disable-default-providers"]);
    expect(denied).toEqual(
      providerSdks(root)
        .map((sdk) => sdk.name)
        .sort(),
    );
  });
});

describe.each(STACK_NAMES)("Pulumi.%s.yaml", (stack) => {
  const schema = STACKS[stack].configSchema;
  const file = join(root, `Pulumi.${stack}.yaml`);
  const document = parseDocument(readFileSync(file, "utf8"));

  it("is valid config for its stack", () => {
    const { config } = readStackConfig(root, project, stack);
    expect(() => loadConfig(stack, schema, config)).not.toThrow();
  });

  it("sets every key the schema knows", () => {
    const config = (document.toJS() as { config: Record<string, unknown> }).config;
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      if (key.startsWith(`${NAMESPACE}:`)) values[key.slice(NAMESPACE.length + 1)] = value;
    }
    // A list of secret entries (group variables) stays empty in an example, with the commands in its comment.
    const text = readFileSync(file, "utf8");
    const missing = keyPaths(schema)
      .filter((path) => !isSet(values, path.replace(/\[\]/g, ".[]").split(".")))
      .filter((path) => {
        const list = path.split("[]")[0];
        return !(
          path.includes("[]") &&
          Array.isArray(values[list]) &&
          (values[list] as unknown[]).length === 0 &&
          text.includes(`pulumi config set --stack ${stack} --secret --path '${NAMESPACE}:${list}[0].`)
        );
      });
    expect(missing).toEqual([]);
  });

  it("names the state KMS key as its secrets provider and holds no encrypted value", () => {
    const state = aws["foundation:stateBackend"] as { keyAlias: string };
    expect(document.get("secretsprovider")).toBe(
      `awskms://${state.keyAlias}?region=${aws["foundation:region"]}&awssdk=v2`,
    );
    expect(document.get("encryptedkey")).toBeUndefined();
    expect(readFileSync(file, "utf8")).not.toMatch(/^\s*secure:/m);
  });

  it("documents every top-level key with a comment", () => {
    const config = document.get("config", true);
    if (!isMap(config)) throw new Error(`${file}: 'config' is not a map`);
    // The yaml parser attaches the comment above a map's first key to the map itself.
    const undocumented = config.items
      .filter((pair, i) => !((isScalar(pair.key) && pair.key.commentBefore) || (i === 0 && config.commentBefore)))
      .map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
    expect(undocumented).toEqual([]);
  });
});
