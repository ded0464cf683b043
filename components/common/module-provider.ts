/**
 * A dynamic resource provider that Pulumi stores as a reference to this repository's code instead of as the code.
 *
 * Pulumi serializes a dynamic resource's provider into the resource's inputs and state (`__provider`), capturing by
 * value every function of this repository it reaches: about 25 kB per GitLab resource, 2 MB for the `group` stack,
 * all of it printed by `pulumi preview --diff` and changed by any edit of the provider's module
 * (https://www.pulumi.com/docs/iac/concepts/providers/dynamic-providers/,
 * https://www.pulumi.com/docs/iac/concepts/functions/function-serialization/). The provider made here serializes to
 * a few hundred bytes that load the named export of the named module when the dynamic provider host calls it, the way
 * a provider plugin runs the version that is installed: state stays small, and a fix to a provider applies to the
 * resources it already manages. The cost is that the provider's module must be present where Pulumi runs, which it
 * always is for this repository's program.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** The provider methods the dynamic provider host calls, when the implementation has them. */
const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;

type Method = (typeof METHODS)[number];

const REPOSITORY_ROOT = path.join(__dirname, "..", "..");

/**
 * One stub per implementation: Pulumi caches a provider's serialized form by object identity, and serializing one
 * means starting a V8 inspector session, which costs more than the plan of a small stack.
 */
const STUBS = new WeakMap<pulumi.dynamic.ResourceProvider, pulumi.dynamic.ResourceProvider>();

/**
 * A provider that forwards each method `implementation` has to the same export of the same module, loaded when the
 * dynamic provider host calls it.
 *
 * @param implementation the provider, to know which methods it has
 * @param file the module that exports it (pass `__filename`)
 * @param exportName the name it is exported under
 */
export function moduleProvider(
  implementation: pulumi.dynamic.ResourceProvider,
  file: string,
  exportName: string,
): pulumi.dynamic.ResourceProvider {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if ((require(file) as Record<string, unknown>)[exportName] !== implementation) {
    throw new Error(`moduleProvider: ${file} does not export the given provider as '${exportName}'`);
  }
  const cached = STUBS.get(implementation);
  if (cached) return cached;
  const modulePath = path.relative(REPOSITORY_ROOT, file).replace(/\.ts$/, "").split(path.sep).join("/");

  // Runs in the dynamic provider host, whose working directory is the program's (`stacks/`): find the module from
  // there, and load TypeScript the way the program itself is loaded (tools/register.js).
  const load = (): Record<Method, (...args: unknown[]) => Promise<unknown>> => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const nodePath = require("node:path") as typeof path;
    const fs = require("node:fs") as typeof import("node:fs");
    let root = process.cwd();
    while (!fs.existsSync(nodePath.join(root, `${modulePath}.ts`))) {
      const parent = nodePath.dirname(root);
      if (parent === root) throw new Error(`the dynamic provider ${modulePath} is not found from ${process.cwd()}`);
      root = parent;
    }
    const extensions = require.extensions as Record<string, unknown> | undefined;
    if (extensions && !extensions[".ts"]) require(nodePath.join(root, "tools", "register.js"));
    return require(nodePath.join(root, modulePath))[exportName];
    /* eslint-enable @typescript-eslint/no-require-imports */
  };

  const provider: Record<string, unknown> = {};
  for (const method of METHODS) {
    if (typeof implementation[method] !== "function") continue;
    provider[method] = (...args: unknown[]) => load()[method](...args);
  }
  const stub = provider as unknown as pulumi.dynamic.ResourceProvider;
  STUBS.set(implementation, stub);
  return stub;
}
