/** Every stack's program, config schema and output contract, by stack name. */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { awsConfigSchema } from "./aws/config";
import { awsProgram } from "./aws/index";
import { awsOutputs } from "./aws/outputs";
import { Contract, ContractExports, exportContract } from "./contract";
import { collectResources, DestroyGuard } from "./destroy-guard";
import { eveSkillFarmConfigSchema } from "./eve-skill-farm/config";
import { eveSkillFarmProgram } from "./eve-skill-farm/index";
import { eveSkillFarmOutputs } from "./eve-skill-farm/outputs";
import { StackName, STACK_NAMES, isStackName } from "./graph";
import { groupConfigSchema } from "./group/config";
import { groupProgram } from "./group/index";
import { groupOutputs } from "./group/outputs";
import { labConfigSchema } from "./lab/config";
import { labProgram } from "./lab/index";
import { labOutputs } from "./lab/outputs";

/** One stack: what it reads (config), what it does (program), what it promises (contract). */
export interface StackDefinition<C extends Contract = Contract> {
  readonly configSchema: z.ZodObject;
  readonly contract: C;
  /** May be async: a program that shapes its resources from an upstream value awaits it first (contract.ts). */
  readonly program: () => ContractExports<C> | Promise<ContractExports<C>>;
}

/** The stacks of the phase graph. */
export const STACKS: { readonly [N in StackName]: StackDefinition } = {
  aws: { configSchema: awsConfigSchema, contract: awsOutputs, program: awsProgram },
  group: { configSchema: groupConfigSchema, contract: groupOutputs, program: groupProgram },
  lab: { configSchema: labConfigSchema, contract: labOutputs, program: labProgram },
  "eve-skill-farm": {
    configSchema: eveSkillFarmConfigSchema,
    contract: eveSkillFarmOutputs,
    program: eveSkillFarmProgram,
  },
};

/** Runs the program of `stack` and returns its exports, secret outputs wrapped as secrets. */
export async function runStack(stack: string): Promise<Record<string, unknown>> {
  if (!isStackName(stack)) {
    throw new UnknownStackError(stack);
  }
  const definition = STACKS[stack];
  const resources = collectResources();
  const outputs = exportContract(definition.contract, await definition.program());
  new DestroyGuard(`${stack}-destroy-guard`, { resources });
  return outputs;
}

/** The selected stack is not one of Foundation's. */
export class UnknownStackError extends pulumi.RunError {
  constructor(readonly stack: string) {
    super(`unknown stack "${stack}"; Foundation's stacks are ${STACK_NAMES.map((s) => `"${s}"`).join(", ")}`);
    this.name = "UnknownStackError";
  }
}
