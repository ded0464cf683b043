/** Configuration of the `eve-skill-farm` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import {
  EVE_SKILL_FARM_DEFAULTS,
  eveSkillFarmProblems,
  imageDigestProblem,
} from "../../components/apps/eve-skill-farm";
import { isDnsLabel } from "../../components/common/validation";
import { commonShape, loadConfig, secretField } from "../configuration";
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
    subdomain: z.string().refine(isDnsLabel, {
      error: "must be one DNS label: lowercase letters, digits and inner hyphens",
    }),
    /** The container image, pinned by digest (checked below): a plan today and a deploy tomorrow run the same bytes. */
    image: z
      .string()
      .min(1, { error: "must be a container image, e.g. registry.example.com/eve-skill-farm@sha256:<digest>" }),
    /** The port the container listens on (1024-65535: it runs as a non-root user). */
    containerPort: z.number({ error: "must be a port number" }).default(EVE_SKILL_FARM_DEFAULTS.containerPort),
    /** The health endpoint of the probes and the smoke check, an absolute path. */
    healthPath: z.string().default(EVE_SKILL_FARM_DEFAULTS.healthPath),
    /** The numeric user and group the container runs as; never 0 (root). */
    runAsUser: z.number({ error: "must be a numeric user id" }).default(EVE_SKILL_FARM_DEFAULTS.runAsUser),
    /** Plain environment variables of the container. */
    env: z.record(z.string(), z.string({ error: "must be a string; quote numbers and booleans" })).default({}),
    /** Environment variables from Secrets Manager secrets under the lab's secretsPrefix, through External Secrets. */
    secretEnv: z
      .record(z.string(), z.object({ secret: z.string(), property: z.string().min(1).optional() }).strict())
      .default({}),
    /**
     * Pull credentials of private registries: a deploy token with read_registry each, the token a Pulumi secret
     * (`pulumi config set --secret --path`), turned into the pods' image pull Secret.
     */
    registries: z
      .array(
        z
          .object({
            server: z.string(),
            username: z.string(),
            token: secretField(z.string().min(8, { error: "must be the deploy token (at least 8 characters)" })),
          })
          .strict(),
      )
      .default([]),
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
    const digest = imageDigestProblem(config.image);
    if (digest !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["image"],
        message: `'${config.image}' ${digest}, e.g. registry.example.com/mson/eve-skill-farm:1.4.2@sha256:<64 hex>`,
      });
    }
    for (const problem of eveSkillFarmProblems({ ...config, image: undefined })) {
      const field = (problem.field ?? "")
        .split(".")
        .filter((segment) => segment !== "")
        .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
      ctx.addIssue({ code: "custom", path: [problem.arg, ...field], message: problem.message });
    }
  });

/** The validated `eve-skill-farm` config. */
export type EveSkillFarmConfig = z.infer<typeof eveSkillFarmConfigSchema>;

/** Loads and validates the running stack's config. */
export function eveSkillFarmConfig(): EveSkillFarmConfig {
  return loadConfig("eve-skill-farm", eveSkillFarmConfigSchema);
}
