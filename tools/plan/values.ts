/**
 * Property values as they cross the resource monitor boundary, and the plan's own view of them.
 *
 * The SDK serializes inputs with "special signature" objects for secrets, unknowns, resource references and
 * assets (`@pulumi/pulumi/runtime/rpc`). The plan decodes them into plain values with {@link Secret} and
 * {@link UNKNOWN} markers, and encodes synthesized state back the same way so that secretness survives the round
 * trip exactly as it does with the real engine.
 */

/** Key under which the SDK marks special values (`rpc.specialSigKey`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/** The SDK's sentinel for a value not known until apply (`rpc.unknownValue`). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A secret value inside a decoded property tree. */
export class Secret {
  constructor(readonly value: unknown) {}
}

/** Marks a value that is unknown at plan time. */
export const UNKNOWN = Symbol("unknown");

/** What the plan prints in place of a secret unless `--show-secrets` is given. */
export const REDACTED = "[secret]";
/** What the plan prints in place of an unknown value. */
export const UNKNOWN_TEXT = "[unknown]";

/** A decoded property tree: JSON-like values plus {@link Secret} and {@link UNKNOWN}. */
export type Value = unknown;

/** Decodes a value as the SDK serialized it (the `toJavaScript()` form of a protobuf Struct). */
export function decode(raw: unknown): Value {
  if (raw === UNKNOWN_SENTINEL) return UNKNOWN;
  if (Array.isArray(raw)) return raw.map(decode);
  if (raw === null || typeof raw !== "object") return raw;
  const obj = raw as Record<string, unknown>;
  switch (obj[SIG_KEY]) {
    case SECRET_SIG:
      return new Secret(decode(obj.value));
    case RESOURCE_SIG:
      return obj.urn;
    case OUTPUT_VALUE_SIG: {
      const inner = "value" in obj ? decode(obj.value) : UNKNOWN;
      return obj.secret === true ? new Secret(inner) : inner;
    }
    case ASSET_SIG:
    case ARCHIVE_SIG: {
      const { [SIG_KEY]: _sig, ...rest } = obj;
      return decodeObject(rest);
    }
    default:
      return decodeObject(obj);
  }
}

function decodeObject(obj: Record<string, unknown>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value !== undefined) out[key] = decode(value);
  }
  return out;
}

/** Encodes a decoded value back into the SDK's wire form, so secrets stay secret in synthesized state. */
export function encode(value: Value): unknown {
  if (value === UNKNOWN) return UNKNOWN_SENTINEL;
  if (value instanceof Secret) return { [SIG_KEY]: SECRET_SIG, value: encode(value.value) };
  if (Array.isArray(value)) return value.map(encode);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = encode(inner);
  return out;
}

/** True when the value or anything inside it is secret. */
export function containsSecret(value: Value): boolean {
  if (value instanceof Secret) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
  return false;
}

/** Removes {@link Secret} wrappers, keeping the values. */
export function reveal(value: Value): Value {
  return present(value, true);
}

/**
 * The printable form of a value: secrets become {@link REDACTED} unless `showSecrets`, unknowns become
 * {@link UNKNOWN_TEXT}, and object keys are sorted so that the same input prints the same bytes.
 */
export function present(value: Value, showSecrets: boolean): unknown {
  if (value === UNKNOWN) return UNKNOWN_TEXT;
  if (value instanceof Secret) return showSecrets ? present(value.value, true) : REDACTED;
  if (Array.isArray(value)) return value.map((item) => present(item, showSecrets));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    out[key] = present((value as Record<string, Value>)[key], showSecrets);
  }
  return out;
}
