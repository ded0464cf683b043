/**
 * The Foundation policy pack's entry (`PulumiPolicy.yaml`): constructing the pack serves it to the Pulumi engine,
 * or to the offline plan (`npm run plan -- --policy-pack policies`). Enforcement is set once, here; a stack
 * changes it per policy with `foundation:policyEnforcement` in `Pulumi.<stack>.yaml`.
 */
import { PolicyPack } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES } from "./pack";

new PolicyPack(PACK_NAME, { enforcementLevel: DEFAULT_ENFORCEMENT, policies: [...POLICIES] });
