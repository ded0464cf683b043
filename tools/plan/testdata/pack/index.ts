/** A policy pack with one policy of each kind, for the plan engine's tests of the analyzer protocol. */
import { PolicyPack } from "@pulumi/policy";

new PolicyPack("plan-fixture", {
  enforcementLevel: "advisory",
  policies: [
    {
      name: "s3-bucket-no-force-destroy",
      description: "Buckets are not force-destroyed.",
      enforcementLevel: "mandatory",
      configSchema: { properties: { allowedBuckets: { type: "array", items: { type: "string" } } } },
      validateResource: (args, reportViolation) => {
        const allowed = args.getConfig<{ allowedBuckets?: string[] }>().allowedBuckets ?? [];
        if (args.type === "aws:s3/bucket:Bucket" && args.props.forceDestroy === true && !allowed.includes(args.name)) {
          reportViolation(`bucket ${args.name} has forceDestroy on`);
        }
      },
    },
    {
      name: "ssm-parameter-reads-secrets",
      description: "Sees secret values unwrapped, as policies do.",
      validateResource: (args, reportViolation) => {
        if (args.type === "aws:ssm/parameter:Parameter") reportViolation(`value is ${String(args.props.value)}`);
      },
    },
    {
      name: "pulumi-resource-stateful-protected",
      description: "A stack protects every custom resource.",
      validateStack: (args, reportViolation) => {
        const custom = args.resources.filter((r) => !r.type.startsWith("foundation:") && !r.type.startsWith("pulumi:"));
        if (custom.some((r) => !r.opts.protect)) reportViolation("a custom resource is not protected");
      },
    },
  ],
});
