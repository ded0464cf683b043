/** The `group` stack's output contract: what `lab` and CI read from it. */
import { z } from "zod";
import { defineContract } from "../contract";

/** Outputs of the `group` stack. */
export const groupOutputs = defineContract({
  gitlabUrl: { schema: z.string(), description: "Base URL of the GitLab instance." },
  groupPath: { schema: z.string(), description: "Full path of the managed group." },
  ciVariables: {
    schema: z.record(z.string(), z.string()),
    description: "The non-secret group CI variables pipelines read, by name.",
  },
});
