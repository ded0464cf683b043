/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands them to a program: one flat map of
 * `namespace:key` to string (structured values as JSON), plus the list of keys that are secret.
 *
 * Encrypted (`secure:`) values cannot be decrypted offline; the plan substitutes a placeholder and keeps the key
 * secret, so the program still takes its secret code path and the value is redacted in the output.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { suggest } from "../../components/common/suggest";

/** The project file, as far as the plan needs it. */
export interface ProjectFile {
  readonly name: string;
  /** Project-level config values and declared defaults, already namespaced. */
  readonly config: Record<string, unknown>;
}

/** A stack's effective configuration, in the form the SDK reads from `PULUMI_CONFIG`. */
export interface StackConfig {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

/** A problem with a project or stack file; the plan reports it with exit status 2. */
export class StackFileError extends Error {}

/** The placeholder that stands in for an encrypted config value in the offline plan. */
export function securePlaceholder(key: string): string {
  return `offline-plan-placeholder-for-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

function namespaced(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Reads `Pulumi.yaml` in `root`. */
export function readProjectFile(root: string): ProjectFile {
  const file = join(root, "Pulumi.yaml");
  const doc = parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  if (typeof doc?.name !== "string") throw new StackFileError(`${file}: 'name' is missing`);
  const config: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(isObject(doc.config) ? doc.config : {})) {
    // Project config entries are a plain value, `{ value }`, or a declaration `{ type, description, default }`.
    if (isObject(entry) && "value" in entry) config[namespaced(doc.name, key)] = entry.value;
    else if (isObject(entry) && "type" in entry) {
      if ("default" in entry) config[namespaced(doc.name, key)] = entry.default;
    } else config[namespaced(doc.name, key)] = entry;
  }
  return { name: doc.name, config };
}

/** Serializes one config value as the CLI passes it to the language host. */
function serialize(key: string, value: unknown, secretKeys: Set<string>): string {
  if (isObject(value) && typeof value.secure === "string" && Object.keys(value).length === 1) {
    secretKeys.add(key);
    return securePlaceholder(key);
  }
  if (value !== null && typeof value === "object") {
    const replaced = JSON.stringify(value, (path, inner) => {
      if (isObject(inner) && typeof inner.secure === "string" && Object.keys(inner).length === 1) {
        secretKeys.add(key);
        return securePlaceholder(`${key}.${path}`);
      }
      return inner;
    });
    return replaced;
  }
  return String(value);
}

/**
 * The top-level keys of a stack file (`ProjectStack` in the Pulumi SDK,
 * https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/). The CLI ignores any other key, so a
 * misspelled `config:` would hand the program no config at all and surface as every key missing.
 */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/** The `config` mapping of a parsed stack file, refusing a file that is not a stack file. */
function stackFileConfig(stack: string, path: string, doc: unknown): Record<string, unknown> {
  if (doc === null || doc === undefined) return {};
  if (!isObject(doc)) {
    throw new StackFileError(`stack "${stack}": ${path} is not a stack file: expected a mapping with a config key`);
  }
  for (const key of Object.keys(doc)) {
    if (STACK_FILE_KEYS.includes(key)) continue;
    const near = suggest(key, STACK_FILE_KEYS);
    throw new StackFileError(
      `stack "${stack}": ${path}: unknown top-level key '${key}'` +
        (near ? `; did you mean '${near}'?` : `; a stack file holds ${STACK_FILE_KEYS.join(", ")}`),
    );
  }
  if (doc.config === undefined || doc.config === null) return {};
  if (!isObject(doc.config)) {
    throw new StackFileError(`stack "${stack}": ${path}: config must be a mapping of keys to values`);
  }
  return doc.config;
}

/**
 * The effective config of `stack`: project-level values and defaults, overridden by the stack file (or `file`,
 * when the plan is given `--config STACK=FILE`).
 */
export function readStackConfig(root: string, project: ProjectFile, stack: string, file?: string): StackConfig {
  const path = file ?? join(root, `Pulumi.${stack}.yaml`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new StackFileError(`stack "${stack}": cannot read ${path}: ${(err as Error).message}`);
  }
  const stackConfig = stackFileConfig(stack, path, doc);
  const merged: Record<string, unknown> = { ...project.config };
  for (const [key, value] of Object.entries(stackConfig)) merged[namespaced(project.name, key)] = value;

  const secretKeys = new Set<string>();
  const config: Record<string, string> = {};
  for (const key of Object.keys(merged).sort()) config[key] = serialize(key, merged[key], secretKeys);
  return { config, secretKeys: [...secretKeys].sort() };
}
