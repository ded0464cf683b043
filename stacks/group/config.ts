/** Configuration of the `group` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { commonShape, httpsUrl, loadConfig } from "../configuration";
import { GRAPH } from "../graph";

/** The `group` stack's config schema; `Pulumi.group.yaml` documents every key. */
export const groupConfigSchema = z.object({
  ...commonShape(GRAPH.group.needs),
  gitlab: z
    .object({
      /** Base URL of the GitLab instance; the API token comes from the environment (GITLAB_TOKEN), never config. */
      url: httpsUrl(),
      /** Full path of the group Foundation manages. */
      groupPath: z.string().regex(/^[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)*$/, {
        error: "must be a GitLab group path such as mson or mson/platform",
      }),
    })
    .strict(),
});

/** The validated `group` config. */
export type GroupConfig = z.infer<typeof groupConfigSchema>;

/** Loads and validates the running stack's config. */
export function groupConfig(): GroupConfig {
  return loadConfig("group", groupConfigSchema);
}
