/**
 * Writes `openapi/gitlab-openapi-subset.json` from GitLab's OpenAPI document: the operations in
 * {@link SUBSET_ENDPOINTS} and every `components/schemas` entry they reference, directly or through other schemas,
 * copied unchanged; object keys sorted so that a refresh diffs cleanly. The document is GitLab's
 * `doc/api/openapi/openapi_v3.yaml` (https://docs.gitlab.com/api/openapi/openapi_interactive/), or an excerpt of it
 * that holds at least those operations and schemas.
 *
 *     node -r ./tools/register.js components/gitlab/testing/openapi-extract.ts path/to/openapi_v3.yaml
 *
 * After a refresh, record the commit, version and new sha256 in `openapi/README.md`: the provenance test fails
 * until the README matches the file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "yaml";
import { Schema, SUBSET_ENDPOINTS, SUBSET_FILE } from "./openapi";

const SCHEMA_REF = "#/components/schemas/";

/** Upstream document, as far as the extraction reads it. */
interface SourceDocument {
  readonly openapi: string;
  readonly info: Record<string, unknown>;
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components?: { readonly schemas?: Record<string, Schema> };
}

/**
 * The subset of `source`: its `openapi` and `info`, the operations in `endpoints` and the schemas they reach.
 * Throws, naming them, when an endpoint or a referenced schema is not in `source`: an endpoint the document leaves
 * out belongs on the allow-list in `openapi.ts` instead.
 */
export function extractSubset(source: SourceDocument, endpoints = SUBSET_ENDPOINTS): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const missing: string[] = [];
  for (const { method, path } of endpoints) {
    const operation = source.paths[path]?.[method];
    if (operation === undefined) {
      missing.push(`${method.toUpperCase()} ${path}`);
      continue;
    }
    paths[path] ??= {};
    paths[path][method] = operation;
    // Parameters shared by all operations of a path (GitLab's generator writes none today, but they would apply).
    const shared = source.paths[path]?.parameters;
    if (shared !== undefined) paths[path].parameters = shared;
  }
  if (missing.length > 0) throw new Error(`not in the document: ${missing.join(", ")}`);

  const all = source.components?.schemas ?? {};
  const schemas: Record<string, Schema> = {};
  const pending = refsIn(paths);
  const dangling: string[] = [];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (name in schemas) continue;
    const schema = all[name];
    if (schema === undefined) {
      dangling.push(name);
      continue;
    }
    schemas[name] = schema;
    pending.push(...refsIn(schema));
  }
  if (dangling.length > 0) throw new Error(`referenced but not in components/schemas: ${dangling.join(", ")}`);

  return sortKeys({ openapi: source.openapi, info: source.info, paths, components: { schemas } }) as Record<
    string,
    unknown
  >;
}

/** Names of the schemas that `value` references with `$ref: '#/components/schemas/Name'`. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "$ref" && typeof inner === "string" && inner.startsWith(SCHEMA_REF)
      ? [inner.slice(SCHEMA_REF.length)]
      : refsIn(inner),
  );
}

/** `value` with the keys of every object in code-point order; array order is kept (it can carry meaning). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

async function main(): Promise<void> {
  const [sourcePath] = process.argv.slice(2);
  if (sourcePath === undefined) {
    throw new Error("usage: openapi-extract.ts <openapi_v3.yaml>");
  }
  // GitLab's document is large; lift the alias limit meant for untrusted input (it has no aliases anyway).
  const source = parse(readFileSync(sourcePath, "utf8"), { maxAliasCount: -1 }) as SourceDocument;
  const subset = extractSubset(source);
  // Loaded here, not at the top: the tests import this module, and prettier's loader does not run under Jest.
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(SUBSET_FILE)) ?? {};
  writeFileSync(SUBSET_FILE, await prettier.format(JSON.stringify(subset), { ...options, parser: "json" }));
  console.log(`${SUBSET_FILE}: ${Object.keys(subset.paths as object).length} paths`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
