/** Configuration of the `lab` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { commonShape, httpsUrl, loadConfig } from "../configuration";
import { GRAPH } from "../graph";

/** The `lab` stack's config schema; `Pulumi.lab.yaml` documents every key. */
export const labConfigSchema = z.object({
  ...commonShape(GRAPH.lab.needs),
  proxmox: z
    .object({
      /** API endpoint; the API token comes from the environment (PROXMOX_VE_API_TOKEN), never config. */
      endpoint: httpsUrl(),
      /** Accept a self-signed API certificate. Off by default: pin a real certificate instead. */
      insecure: z.boolean().default(false),
      /** SSH user for uploading snippets (cloud-init user-data), which the Proxmox API cannot do. */
      sshUsername: z.string().regex(/^[a-z_][a-z0-9_-]*$/, { error: "must be a Unix user name, e.g. root" }),
    })
    .strict(),
});

/** The validated `lab` config. */
export type LabConfig = z.infer<typeof labConfigSchema>;

/** Loads and validates the running stack's config. */
export function labConfig(): LabConfig {
  return loadConfig("lab", labConfigSchema);
}
