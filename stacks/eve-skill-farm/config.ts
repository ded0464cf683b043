/** Configuration of the `eve-skill-farm` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { EVE_SKILL_FARM_DEFAULTS, eveSkillFarmProblems } from "../../components/apps/eve-skill-farm";
import { commonShape, loadConfig } from "../configuration";
import { GRAPH } from "../graph";

// YAML reads `cpu: 1` as a number; Kubernetes quantities are strings, so a bare number is taken as one.
const quantity = () =>
  z.union([z.string(), z.number()], { error: "must be a Kubernetes quantity, e.g. 250m or 256Mi" }).transform(String);

const cpuAndMemory = z.object({ cpu: quantity(), memory: quantity() }).strict();

/** The `eve-skill-farm` stack's config schema; `Pulumi.eve-skill-farm.yaml` documents every key. */
export const eveSkillFarmConfigSchema = z
  .object({
    ...commonShape(GRAPH["eve-skill-farm"].needs),
    /** The application's host name under the lab domain: `<subdomain>.<domain>`. */
    subdomain: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
      error: "must be one DNS label: lowercase letters, digits and inner hyphens",
    }),
    /** The container image, pinned by a version tag or a digest; the component's pin rule is checked below. */
    image: z.string().min(1, { error: "must be a container image, e.g. registry.example.com/eve-skill-farm:1.4.2" }),
    /** Pods; more than one needs `volumeAccessMode: ReadWriteMany`. */
    replicas: z.number({ error: "must be a whole number of at least 1" }).default(EVE_SKILL_FARM_DEFAULTS.replicas),
    /** Size of the data volume on the lab's StorageClass. */
    storageSize: z.string().default(EVE_SKILL_FARM_DEFAULTS.storageSize),
    /** Access mode of the data volume. */
    volumeAccessMode: z.enum(["ReadWriteOnce", "ReadWriteMany"]).default(EVE_SKILL_FARM_DEFAULTS.volumeAccessMode),
    /** Requests and limits of the container. */
    resources: z
      .object({ requests: cpuAndMemory, limits: cpuAndMemory })
      .strict()
      .default(EVE_SKILL_FARM_DEFAULTS.resources),
    /** The application's secret in AWS Secrets Manager, under the lab's `secretsPrefix`. */
    secretName: z.string().default(EVE_SKILL_FARM_DEFAULTS.secretName),
  })
  // The component's own argument rules (image pin, replicas against the access mode, quantities, secret name),
  // reported at the config keys of the same names, so a bad value fails at start-up and never reaches the cluster.
  .superRefine((config, ctx) => {
    for (const problem of eveSkillFarmProblems(config)) {
      const field = problem.field === undefined ? [] : problem.field.split(".");
      ctx.addIssue({ code: "custom", path: [problem.arg, ...field], message: problem.message });
    }
  });

/** The validated `eve-skill-farm` config. */
export type EveSkillFarmConfig = z.infer<typeof eveSkillFarmConfigSchema>;

/** Loads and validates the running stack's config. */
export function eveSkillFarmConfig(): EveSkillFarmConfig {
  return loadConfig("eve-skill-farm", eveSkillFarmConfigSchema);
}
