/** Configuration of the `eve-skill-farm` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { commonShape, loadConfig } from "../configuration";
import { GRAPH } from "../graph";

/** The `eve-skill-farm` stack's config schema; `Pulumi.eve-skill-farm.yaml` documents every key. */
export const eveSkillFarmConfigSchema = z.object({
  ...commonShape(GRAPH["eve-skill-farm"].needs),
  /** The application's host name under the lab domain: `<subdomain>.<domain>`. */
  subdomain: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: "must be one DNS label: lowercase letters, digits and inner hyphens",
  }),
});

/** The validated `eve-skill-farm` config. */
export type EveSkillFarmConfig = z.infer<typeof eveSkillFarmConfigSchema>;

/** Loads and validates the running stack's config. */
export function eveSkillFarmConfig(): EveSkillFarmConfig {
  return loadConfig("eve-skill-farm", eveSkillFarmConfigSchema);
}
