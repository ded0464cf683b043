/** The `eve-skill-farm` stack's output contract: what the smoke check reads. */
import { z } from "zod";
import { defineContract } from "../contract";

/** Outputs of the `eve-skill-farm` stack. */
export const eveSkillFarmOutputs = defineContract({
  url: { schema: z.string(), description: "The application's public HTTPS URL." },
});
