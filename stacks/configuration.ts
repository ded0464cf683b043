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
import { suggest } from "../components/common/suggest";
import { isAwsRegion, isHostname, isIpv4Cidr } from "../components/common/validation";
import { POLICY_NAMES } from "../policies/names";
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
  z.string().refine((value) => isIpv4Cidr(value, { networkAddress: true }), {
    error: "must be an IPv4 CIDR block with its network address, e.g. 192.0.2.0/24",
  });

/** A lowercase DNS hostname (one or more labels). */
export const hostname = () =>
  z.string().refine(isHostname, { error: "must be a lowercase DNS name, e.g. pve1.example.com" });

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
  z.string().refine(isAwsRegion, { error: "must be an AWS region name, e.g. eu-central-1" });

/**
 * A value AWS accepts in a tag: at most 256 characters of letters, digits, spaces and `_ . : / = + - @`
 * (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions). Emoji and other symbols
 * fail the tagging call, after the resources before it were created.
 */
export const awsTagValue = () =>
  z.string().regex(/^[\p{L}\p{N}\p{Zs}_.:/=+\-@]{0,256}$/u, {
    error: "must be at most 256 letters, digits, spaces and _ . : / = + - @ (what AWS accepts in a tag)",
  });

/** A tag key AWS accepts: 1-128 of the same characters, not starting with the reserved `aws:`. */
export const awsTagKey = () =>
  z
    .string()
    .regex(/^[\p{L}\p{N}\p{Zs}_.:/=+\-@]{1,128}$/u, {
      error: "must be 1-128 letters, digits, spaces and _ . : / = + - @ (what AWS accepts in a tag key)",
    })
    .refine((key) => !key.toLowerCase().startsWith("aws:"), { error: "the aws: prefix is reserved for AWS" });

/**
 * A path of names separated by `/`, as Secrets Manager and SSM name secrets: each segment letters, digits and
 * `_ + = . @ -`, none of them `.` or `..`, so a name cannot climb out of the prefix a policy grants.
 */
export const secretPath = () =>
  z
    .string()
    .refine(
      (value) =>
        value.length > 0 &&
        value.length <= 512 &&
        value
          .split("/")
          .every((segment) => /^[A-Za-z0-9_+=.@-]+$/.test(segment) && segment !== "." && segment !== ".."),
      {
        error: "must be names of letters, digits and _ + = . @ - separated by single '/', without '.' or '..' segments",
      },
    );

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
 * this stack reads (its `needs` in the phase graph) are accepted; an `optional` need may be `false`, read as "that
 * stack does not exist yet".
 */
export function stackReferencesSchema(needs: readonly StackName[], optional: readonly StackName[] = []) {
  const shape: Record<string, z.ZodType> = {};
  for (const need of needs) {
    const name = z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, { error: "must be a full stack name <organization>/<project>/<stack>" });
    shape[need] = (
      optional.includes(need)
        ? z.union([name, z.literal(false)], {
            error: `must be a full stack name <organization>/<project>/<stack>, or false while stack "${need}" does not exist`,
          })
        : name
    ).optional();
  }
  // The shape is built per stack, so zod cannot infer it; every key is a stack name, `false` only for optional needs.
  return z.object(shape).strict().optional() as unknown as z.ZodOptional<
    z.ZodType<Partial<Record<StackName, string | false>>>
  >;
}

/** A name of a policy of the pack, with the closest name when it is not one. */
const policyName = () =>
  z.string().superRefine((name, ctx) => {
    if (POLICY_NAMES.includes(name)) return;
    const hint = suggest(name, POLICY_NAMES);
    ctx.addIssue({
      code: "custom",
      message: `no policy of the pack is named '${name}'${hint ? `; did you mean '${hint}'?` : "; docs/standards.md lists them"}`,
    });
  });

/** Enforcement levels a stack may give a policy of the pack (CrossGuard's levels). */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

/**
 * The keys every stack has: who owns it, what it is billed to, where its upstream stacks live, and how strictly
 * the policy pack's policies apply to it.
 */
export function commonShape(needs: readonly StackName[], optional: readonly StackName[] = []) {
  return {
    /** Per-policy enforcement overrides for this stack, by policy name; the pack's defaults apply otherwise. */
    policyEnforcement: z.record(policyName(), z.enum(ENFORCEMENT_LEVELS)).default({}),
    /**
     * Per-policy properties for this stack, by policy name: the exceptions a stack declares (e.g. the IAM users
     * that may have access keys). The pack's policies document their properties (docs/standards.md).
     */
    policyConfig: z.record(policyName(), z.record(z.string(), z.unknown())).default({}),
    /**
     * The declared exceptions that let `policyEnforcement` lower a policy the pack makes mandatory, by policy name:
     * why, and the date by which someone looks at it again. A lapsed exception fails the policy run.
     */
    policyExceptions: z
      .record(
        policyName(),
        z
          .object({
            reason: text().refine((v) => v.length >= 20, {
              error: "must say why the policy cannot hold for this stack, in at least 20 characters",
            }),
            reviewBy: z.iso.date({ error: "must be a date YYYY-MM-DD, at most a year ahead" }),
          })
          .strict(),
      )
      .default({}),
    /** The team that owns the stack's resources; the `Owner` tag and label. */
    owner: text(),
    /** What the stack's resources are billed to; the `CostCenter` tag. */
    costCenter: text(),
    stackReferences: stackReferencesSchema(needs, optional),
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
    if (issue.code === "invalid_key") {
      // A record key that its own schema refused: say what that schema said, not zod's generic "Invalid key".
      problems.push({ key: keyName(path), message: issue.issues.map((inner) => inner.message).join("; ") });
      continue;
    }
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
  isSecret: (fullKey: string) => boolean = isConfigSecret,
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
  if (problems.length > 0) throw new ConfigError(stack, masked(problems, secretStrings(all, shape, isSecret)));
  return result.data as z.infer<S>;
}

/**
 * Whether the CLI handed `fullKey` over as a secret (`PULUMI_CONFIG_SECRET_KEYS`): the SDK's own check, which its
 * declarations leave out (`@pulumi/pulumi/runtime/config`).
 */
function isConfigSecret(fullKey: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
  return runtimeConfig.isConfigSecret(fullKey);
}

/** Schemas of the fields that hold secrets inside structured config values (see `secretField`). */
const SECRET_FIELDS = new WeakSet<AnySchema>();

/**
 * Marks a field of a structured config value as the secret part (a group variable's `value`). The CLI reports
 * secrecy per top-level key: `pulumi config set --secret --path 'foundation:variables[0].value'` makes all of
 * `foundation:variables` secret. A refusal masks the marked fields only, so it can still quote the key names and
 * flags beside them; a secret key whose schema marks no field is masked whole.
 */
export function secretField<T extends AnySchema>(schema: T): T {
  SECRET_FIELDS.add(schema);
  return schema;
}

/** The schema's children with the value found at each (objects by key, arrays by element, records by value). */
function childrenOf(schema: AnySchema, value: unknown): Array<[AnySchema, unknown]> {
  const def = defOf(schema);
  if (def.type === "object" && isObject(value)) {
    const shape = def.shape as Record<string, AnySchema>;
    return Object.entries(shape).map(([key, inner]) => [inner, value[key]]);
  }
  if (def.type === "array" && Array.isArray(value)) return value.map((item) => [def.element as AnySchema, item]);
  if (def.type === "record" && isObject(value)) {
    return Object.values(value).map((item) => [def.valueType as AnySchema, item]);
  }
  if (def.type === "union") return (def.options as AnySchema[]).map((option) => [option, value]);
  return [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Every string in `value`. */
function stringsIn(value: unknown, out: Set<string>): void {
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) value.forEach((item) => stringsIn(item, out));
  else if (isObject(value)) Object.values(value).forEach((item) => stringsIn(item, out));
}

/** Whether the schema marks any field secret, at any depth. */
function marksSecrets(schema: AnySchema | undefined, seen = new Set<AnySchema>()): boolean {
  if (!schema || seen.has(schema)) return false;
  seen.add(schema);
  if (SECRET_FIELDS.has(schema)) return true;
  const current = unwrap(schema);
  if (SECRET_FIELDS.has(current)) return true;
  const def = defOf(current);
  const inner =
    def.type === "object"
      ? Object.values(def.shape as Record<string, AnySchema>)
      : def.type === "array"
        ? [def.element as AnySchema]
        : def.type === "record"
          ? [def.valueType as AnySchema]
          : def.type === "union"
            ? (def.options as AnySchema[])
            : [];
  return inner.some((child) => marksSecrets(child, seen));
}

/** The strings of `value` at the fields `schema` marks secret. */
function markedStrings(schema: AnySchema, value: unknown, out: Set<string>): void {
  if (SECRET_FIELDS.has(schema)) return stringsIn(value, out);
  const current = unwrap(schema);
  if (SECRET_FIELDS.has(current)) return stringsIn(value, out);
  for (const [child, item] of childrenOf(current, value)) markedStrings(child, item, out);
}

/** The strings inside the stack's secret config values, decrypted: what no message may repeat. */
function secretStrings(
  all: Record<string, string>,
  shape: Record<string, AnySchema>,
  isSecret: (fullKey: string) => boolean,
): string[] {
  const found = new Set<string>();
  for (const [key, raw] of Object.entries(all)) {
    if (!isSecret(key)) continue;
    const schema = key.startsWith(`${NAMESPACE}:`) ? shape[key.slice(NAMESPACE.length + 1)] : undefined;
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A plain string secret.
    }
    if (schema && typeof value === "object" && marksSecrets(schema)) markedStrings(schema, value, found);
    else {
      found.add(raw);
      stringsIn(value, found);
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...found].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * The problems with every secret value replaced by `[secret]`: a problem quotes the value it refuses, and the
 * message lands in CI logs, where a decrypted secret must never appear.
 */
function masked(problems: readonly ConfigProblem[], secrets: readonly string[]): ConfigProblem[] {
  if (secrets.length === 0) return [...problems];
  return problems.map((p) => ({
    key: p.key,
    message: secrets.reduce((message, secret) => message.split(secret).join("[secret]"), p.message),
  }));
}
