/** The `eve-skill-farm` stack's output contract: what the smoke check reads. */
import { z } from "zod";
import { defineContract } from "../contract";

/** Outputs of the `eve-skill-farm` stack. */
export const eveSkillFarmOutputs = defineContract({
  url: { schema: z.string(), description: "The application's public HTTPS URL." },
  healthUrl: {
    schema: z.string().startsWith("https://"),
    description: "The public HTTPS URL of the health endpoint: what the smoke check requests after every deploy.",
  },
  host: {
    schema: z.string(),
    description: "The application's DNS name under the lab domain, published by ExternalDNS from its Ingress.",
  },
  namespace: { schema: z.string(), description: "The application's namespace (Pod Security `restricted`)." },
});
