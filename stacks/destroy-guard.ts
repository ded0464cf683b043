/**
 * Makes `pulumi destroy` of a stack all or nothing.
 *
 * The engine deletes a stack's resources dependents first, in waves, and fails on a protected resource only when its
 * wave comes: everything unprotected that nothing protected depends on is already gone by then (a destroy of the
 * `aws` stack deleted 65 of its 95 resources before refusing, in the engine run). The guard is a protected component
 * that depends on every other resource of the stack, so it is the first thing a destroy has to delete; it refuses,
 * and the destroy stops with nothing deleted. Taking a stack down on purpose is then `pulumi state unprotect --all`
 * followed by `pulumi destroy` (docs/runbooks/landing-zone.md).
 *
 * Reference: https://www.pulumi.com/docs/iac/concepts/options/protect/
 */
import * as pulumi from "@pulumi/pulumi";

/** Collects every resource the program registers from now on, for {@link DestroyGuard}. */
export function collectResources(): pulumi.Resource[] {
  const resources: pulumi.Resource[] = [];
  pulumi.runtime.registerStackTransformation((args) => {
    resources.push(args.resource);
    return undefined;
  });
  return resources;
}

/** The guard; see the module comment. Type `foundation:stack:DestroyGuard`. */
export class DestroyGuard extends pulumi.ComponentResource {
  constructor(
    name: string,
    args: { readonly resources: readonly pulumi.Resource[] },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(
      "foundation:stack:DestroyGuard",
      name,
      {},
      {
        ...opts,
        protect: true,
        dependsOn: [...args.resources],
      },
    );
    this.registerOutputs({});
  }
}
