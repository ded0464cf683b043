/**
 * The sample `Pulumi.<stack>.yaml` files are complete, documented, working examples (DESIGN.md §3): each parses
 * against its stack's schema, sets every key the schema knows, and explains every top-level key in a comment.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isScalar, parseDocument } from "yaml";
import { readProjectFile, readStackConfig } from "../tools/plan/stack-files";
import { keyPaths, loadConfig, NAMESPACE } from "./configuration";
import { STACK_NAMES } from "./graph";
import { STACKS } from "./programs";

const root = join(__dirname, "..");
const project = readProjectFile(root);

/** True when `path` (dotted, `[]` for list elements) is set somewhere in `value`. */
function isSet(value: unknown, path: string[]): boolean {
  if (path.length === 0) return value !== undefined;
  const [head, ...rest] = path;
  if (head === "[]") return Array.isArray(value) && value.some((item) => isSet(item, rest));
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return isSet((value as Record<string, unknown>)[head], rest);
}

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
    const missing = keyPaths(schema).filter((path) => !isSet(values, path.replace(/\[\]/g, ".[]").split(".")));
    expect(missing).toEqual([]);
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
