/**
 * Test support for the `lab` program: the sample config, the upstream stacks' outputs as the offline plan
 * synthesizes them (the real `aws` and `group` programs, planned once), and a recorder for the lab program.
 */
import { join } from "node:path";
import { planStacks } from "../../tools/plan/engine";
import { StackOutputs } from "../../tools/plan/monitor";
import { readProjectFile, readStackConfig, StackConfig } from "../../tools/plan/stack-files";
import { record, Recording } from "../../tools/plan/testing";
import { runStack } from "../programs";

const root = join(__dirname, "..", "..");

/** The sample `Pulumi.lab.yaml`, flat, as the CLI hands it to the program. */
export function sampleLabConfig(): StackConfig {
  return readStackConfig(root, readProjectFile(root), "lab");
}

let upstream: Promise<Record<string, StackOutputs>> | undefined;

/** The `aws` and `group` stacks' outputs by reference name, planned from their sample configs (once per file). */
export function upstreamOutputs(): Promise<Record<string, StackOutputs>> {
  upstream ??= planStacks({ root, stacks: ["aws", "group"] }).then((plans) =>
    Object.fromEntries(plans.map((plan) => [`organization/foundation/${plan.name}`, plan.outputs])),
  );
  return upstream;
}

/** Runs the lab program as the `lab` stack with `config` (default: the sample) and records what it registers. */
export async function recordLab(config: Record<string, string> = sampleLabConfig().config): Promise<Recording> {
  const sample = sampleLabConfig();
  return record(() => runStack("lab"), {
    stack: "lab",
    config,
    secretKeys: sample.secretKeys,
    stackReferences: await upstreamOutputs(),
  });
}
