/**
 * The few `@internal` parts of the Node SDK the plan engine drives, typed here because the SDK strips them from
 * its declarations. They are the same hooks the SDK's Automation API uses to run inline programs in-process
 * (`automation/server.ts`): a per-run store, mock monitor settings, and waiting for outstanding registrations.
 * `@pulumi/pulumi` is pinned exactly in package.json, and the engine's tests exercise every one of them.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** The SDK's per-run state (`runtime/state.ts` LocalStore), as far as the engine touches it. */
export interface RuntimeStore {
  supportsSecrets: boolean;
  supportsResourceReferences: boolean;
  supportsDeletedWith: boolean;
  supportsAliasSpecs: boolean;
  supportsParameterization: boolean;
  settings: { engine: unknown };
}

interface StateModule {
  withLocalStorage<T>(callback: () => Promise<T>): Promise<T>;
  getStore(): RuntimeStore;
}

interface SettingsModule {
  setMockOptions(monitor: unknown, project: string, stack: string, preview: boolean, organization: string): void;
  waitForRPCs(): Promise<void>;
}

/** `@pulumi/pulumi/runtime/state`. */
export const runtimeState = require("@pulumi/pulumi/runtime/state") as StateModule;
/** `@pulumi/pulumi/runtime/settings`. */
export const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as SettingsModule;

/** What `@pulumi/pulumi/runtime/closure/serializeClosure` offers `dynamic.Resource`. */
export interface ClosureSerialization {
  serializeFunction(func: unknown, args?: unknown): Promise<{ text: string; containsSecrets: boolean }>;
}

/** `@pulumi/pulumi/runtime/closure/serializeClosure`, loaded with the SDK's runtime. */
const closureSerialization = require("@pulumi/pulumi/runtime/closure/serializeClosure") as ClosureSerialization;

/** Runs `work` with `replacement` answering for Pulumi's closure serialization; afterwards it is as it was. */
export async function withClosureSerialization<T>(
  replacement: ClosureSerialization,
  work: () => Promise<T>,
): Promise<T> {
  const serialize = closureSerialization.serializeFunction;
  closureSerialization.serializeFunction = replacement.serializeFunction;
  try {
    return await work();
  } finally {
    closureSerialization.serializeFunction = serialize;
  }
}
