/**
 * Validated stack configuration (docs/architecture.md, "Config").
 *
 * Each stack parses its whole `foundation:` namespace at once against one zod schema. Every problem is reported
 * together, each with the key path, what is wrong and the fix; unknown keys get a "did you mean"; and because the
 * error is thrown before the program registers anything, a bad config registers nothing.
 */
import { isIP } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { StackName } from "./graph";

/** The config namespace every Foundation key lives in (the project name). */
export const NAMESPACE = "foundation";

/** One problem with one key. */
export interface ConfigProblem {
  /** The full key path, e.g. `foundation:stateBackend.bucketName`. */
  readonly key: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * A stack's configuration is invalid. A `RunError`, so Pulumi prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stackName: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const count = problems.length === 1 ? "1 configuration problem" : `${problems.length} configuration problems`;
    super(
      [
        `stack "${stackName}" has ${count}; no resource was registered:`,
        ...problems.map((p) => `  - ${p.key}: ${p.message}`),
      ].join("\n"),
    );
    this.name = "ConfigError";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Typed values. Each carries its own message so that every rejection says what the value must look like.

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** An `https://` URL without a trailing slash, path, query or credentials (as OIDC issuers and APIs want it). */
export const httpsUrl = () =>
  z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === "https:" && !url.username && !url.search && !url.hash && !value.endsWith("/");
      } catch {
        return false;
      }
    },
    {
      error: "must be an https:// URL without a trailing slash, query or credentials, e.g. https://gitlab.example.com",
    },
  );

/** An IPv4 address. */
export const ipv4 = () =>
  z.string().refine((v) => isIP(v) === 4, { error: "must be an IPv4 address, e.g. 192.0.2.10" });

/** An IPv4 CIDR block whose address is the network address. */
export const cidr = () =>
  z.string().refine(
    (value) => {
      const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(value);
      if (!match || isIP(match[1]) !== 4 || Number(match[2]) > 32) return false;
      const bits = Number(match[2]);
      const addr = match[1].split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
      return bits === 0 ? addr === 0 : addr % 2 ** (32 - bits) === 0;
    },
    { error: "must be an IPv4 CIDR block with its network address, e.g. 192.0.2.0/24" },
  );

/** A lowercase DNS hostname (one or more labels). */
export const hostname = () =>
  z.string().refine((v) => HOSTNAME.test(v), { error: "must be a lowercase DNS name, e.g. pve1.example.com" });

/** A TCP/UDP port. */
export const port = () =>
  z
    .number({ error: "must be a port number from 1 to 65535" })
    .int({ error: "must be a port number from 1 to 65535" })
    .min(1, { error: "must be a port number from 1 to 65535" })
    .max(65535, { error: "must be a port number from 1 to 65535" });

/** A semantic version `MAJOR.MINOR.PATCH`, optionally with a leading `v`. */
export const version = () =>
  z.string().regex(/^v?\d+\.\d+\.\d+$/, { error: "must be a version like 1.11.5 or v1.11.5" });

/** An email address. */
export const email = () => z.email({ error: "must be an email address, e.g. aws-root@example.com" });

/** An AWS region name. */
export const awsRegion = () =>
  z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "must be an AWS region name, e.g. eu-central-1" });

/** A non-empty string without surrounding white space. */
export const text = () =>
  z
    .string({ error: "must be a string" })
    .min(1, { error: "must not be empty" })
    .refine((v) => v.trim() === v, { error: "must not start or end with white space" });

// ---------------------------------------------------------------------------------------------------------------
// Keys every stack shares.

/**
 * `stackReferences`: which real stack each upstream reference points at, by upstream stack name. Only the stacks
 * this stack reads (its `needs` in the phase graph) are accepted.
 */
export function stackReferencesSchema(needs: readonly StackName[]) {
  const shape: Record<string, z.ZodOptional<z.ZodString>> = {};
  for (const need of needs) {
    shape[need] = z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, { error: "must be a full stack name <organization>/<project>/<stack>" })
      .optional();
  }
  return z.object(shape).strict().optional();
}

/** Enforcement levels a stack may give a policy of the pack (CrossGuard's levels). */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

/**
 * The keys every stack has: who owns it, what it is billed to, where its upstream stacks live, and how strictly
 * the policy pack's policies apply to it.
 */
export function commonShape(needs: readonly StackName[]) {
  return {
    /** Per-policy enforcement overrides for this stack, by policy name; the pack's defaults apply otherwise. */
    policyEnforcement: z.record(z.string(), z.enum(ENFORCEMENT_LEVELS)).default({}),
    /**
     * Per-policy properties for this stack, by policy name: the exceptions a stack declares (e.g. the IAM users
     * that may have access keys). The pack's policies document their properties (docs/standards.md).
     */
    policyConfig: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** The team that owns the stack's resources; the `Owner` tag and label. */
    owner: text(),
    /** What the stack's resources are billed to; the `CostCenter` tag. */
    costCenter: text(),
    stackReferences: stackReferencesSchema(needs),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing.

type AnySchema = z.ZodType;

function defOf(schema: AnySchema): { type: string; [key: string]: unknown } {
  return (schema as unknown as { _zod: { def: { type: string } } })._zod.def;
}

/** Unwraps optional, default, nullable and pipe wrappers. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (["optional", "default", "prefault", "nullable", "readonly", "nonoptional"].includes(def.type)) {
      current = def.innerType as AnySchema;
    } else if (def.type === "pipe") {
      current = def.in as AnySchema;
    } else {
      return current;
    }
  }
}

/** The keys an object schema at `path` accepts (array indexes and record keys step into their element). */
export function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const segment of path) {
    const def = defOf(current);
    if (def.type === "object") current = unwrap((def.shape as Record<string, AnySchema>)[String(segment)]);
    else if (def.type === "array") current = unwrap(def.element as AnySchema);
    else if (def.type === "record") current = unwrap(def.valueType as AnySchema);
    else return [];
    if (!current) return [];
  }
  const def = defOf(current);
  if (def.type === "object") return Object.keys(def.shape as object);
  if (def.type === "union") return [...new Set((def.options as AnySchema[]).flatMap((o) => keysAt(o, [])))];
  return [];
}

/**
 * Every key path the schema knows, dotted, with `[]` for array elements (`accounts[].email`), parents before
 * children. Used to prove the sample stack files document every key.
 */
export function keyPaths(schema: AnySchema, prefix = ""): string[] {
  const current = unwrap(schema);
  const def = defOf(current);
  if (def.type === "array") return keyPaths(def.element as AnySchema, `${prefix}[]`);
  if (def.type === "union") {
    return [...new Set((def.options as AnySchema[]).flatMap((o) => keyPaths(o, prefix)))];
  }
  if (def.type !== "object") return [];
  return Object.entries(def.shape as Record<string, AnySchema>).flatMap(([key, inner]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...keyPaths(inner, path)];
  });
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** The closest known key to `key`, when it is close enough to be a likely typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; score: number } | undefined;
  for (const candidate of known) {
    const score = distance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || score < best.score) best = { key: candidate, score };
  }
  return best && best.score <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

function keyName(path: readonly PropertyKey[]): string {
  let out = NAMESPACE + ":";
  path.forEach((segment, i) => {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += i === 0 ? String(segment) : `.${String(segment)}`;
  });
  return out;
}

function describe(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "an object";
  if (typeof input === "string") return `the string ${JSON.stringify(input)}`;
  return `${typeof input} ${JSON.stringify(input)}`;
}

function setCommand(stack: string, path: readonly PropertyKey[]): string {
  const flag = path.length > 1 ? " --path" : "";
  return `pulumi config set --stack ${stack}${flag} '${keyName(path)}' <value>`;
}

/** Turns zod issues into problems that name the key and the fix. */
function problemsOf(stack: string, schema: AnySchema, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, path);
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        problems.push({
          key: keyName([...path, key]),
          message:
            `unknown key.` +
            (hint ? ` Did you mean '${keyName([...path, hint])}'?` : "") +
            (known.length ? ` Known keys here: ${known.join(", ")}.` : " No key is allowed here."),
        });
      }
      continue;
    }
    const input = (issue as { input?: unknown }).input;
    if (issue.code === "invalid_type" && input === undefined) {
      problems.push({ key: keyName(path), message: `required key is missing. Fix: ${setCommand(stack, path)}` });
      continue;
    }
    let message = issue.message;
    if (issue.code === "invalid_type") {
      message = `expected ${issue.expected}, got ${describe(input)}`;
    } else if (issue.code === "invalid_value") {
      message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}; got ${describe(input)}`;
    } else if (input !== undefined && typeof input !== "object") {
      message = `${message}; got ${describe(input)}`;
    }
    problems.push({ key: keyName(path), message });
  }
  return problems;
}

/** Decodes a raw config string the way `Config.getObject` would, but only for keys whose schema is not a string. */
function decodeValue(raw: string, schema: AnySchema | undefined): unknown {
  const type = schema ? defOf(unwrap(schema)).type : "unknown";
  if (type === "string" || type === "enum" || type === "literal") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Reads the stack's whole `foundation:` namespace from the running Pulumi program and validates it against `schema`.
 * Throws a {@link ConfigError} listing every problem; keys of other namespaces are refused too, because with default
 * providers disabled (docs/architecture.md, "Explicit providers") a provider key such as `aws:region` would be silently
 * ignored.
 */
export function loadConfig<S extends z.ZodObject>(
  stack: StackName,
  schema: S,
  all: Record<string, string> = pulumi.runtime.allConfig(),
): z.infer<S> {
  const shape = schema.shape as Record<string, AnySchema>;
  const raw: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    const colon = fullKey.indexOf(":");
    const ns = fullKey.slice(0, colon);
    const key = fullKey.slice(colon + 1);
    if (ns === NAMESPACE) raw[key] = decodeValue(value, shape[key]);
    else if (ns !== "pulumi") {
      problems.push({
        key: fullKey,
        message:
          `this stack does not read '${ns}:' keys: its providers are explicit and configured from ` +
          `'${NAMESPACE}:' keys. Remove it.`,
      });
    }
  }
  const result = schema.strict().safeParse(raw, { reportInput: true });
  if (!result.success) problems.push(...problemsOf(stack, schema, result.error.issues));
  if (problems.length > 0) throw new ConfigError(stack, problems);
  return result.data as z.infer<S>;
}
