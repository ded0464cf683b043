/** The `lab` stack's output contract: what `eve-skill-farm` and operators read from it. */
import { z } from "zod";
import { defineContract } from "../contract";

/** Outputs of the `lab` stack. */
export const labOutputs = defineContract({
  domain: { schema: z.string(), description: "The lab's DNS domain." },
  proxmoxEndpoint: { schema: z.string(), description: "The Proxmox VE API endpoint the lab runs on." },
  gitlabUrl: { schema: z.string(), description: "The GitLab instance the lab's runners serve." },
});
