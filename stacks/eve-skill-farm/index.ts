/** The `eve-skill-farm` stack (phase 5): the first workload, the Foundation exit proof. */
import * as pulumi from "@pulumi/pulumi";
import { ContractExports, readStack } from "../contract";
import { labOutputs } from "../lab/outputs";
import { eveSkillFarmConfig } from "./config";
import { eveSkillFarmOutputs } from "./outputs";

/** Registers the `eve-skill-farm` stack's resources and returns its contract's outputs. */
export function eveSkillFarmProgram(): ContractExports<typeof eveSkillFarmOutputs> {
  const config = eveSkillFarmConfig();
  const lab = readStack("eve-skill-farm", "lab", labOutputs, config.stackReferences?.lab);
  return { url: pulumi.interpolate`https://${config.subdomain}.${lab.domain}/` };
}
