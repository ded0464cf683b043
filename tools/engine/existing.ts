/**
 * What exists before Foundation runs, for the stand-in providers: the objects the stacks adopt with the `import`
 * option (the AWS organization, existing member accounts). A real provider reads them from the cloud; the stand-in
 * reads them from a file the engine run writes from the offline plan, so each adopted object exists exactly as the
 * program declares it, which is what adopting it requires (docs/runbooks/landing-zone.md).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { StackPlan } from "../plan/engine";
import { decode, encode, Value } from "../plan/values";

/** The environment variable that names the file; plugins inherit the CLI's environment. */
export const EXISTING_ENV = "FOUNDATION_STAND_IN_EXISTING";

/** The key of an existing object: its type token and id. */
export function existingKey(type: string, id: string): string {
  return `${type}/${id}`;
}

/** The adopted objects of the planned stacks, their inputs in wire form (secrets stay marked). */
export function existingObjects(plans: readonly Pick<StackPlan, "resources">[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const plan of plans) {
    for (const r of plan.resources) if (r.importId) out[existingKey(r.type, r.importId)] = encode(r.inputs);
  }
  return out;
}

/** Writes {@link existingObjects} to `file`. */
export function writeExisting(file: string, plans: readonly Pick<StackPlan, "resources">[]): void {
  writeFileSync(file, `${JSON.stringify(existingObjects(plans), null, 2)}\n`);
}

/** Reads the file `file` names (none when unset or absent). */
export function readExisting(file: string | undefined): Map<string, Record<string, Value>> {
  if (!file || !existsSync(file)) return new Map();
  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  return new Map(Object.entries(raw).map(([key, inputs]) => [key, decode(inputs) as Record<string, Value>]));
}
