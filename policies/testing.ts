/**
 * Runs one policy over fixtures the way the analyzer runs it (`@pulumi/policy` server.js): properties arrive as
 * plain JSON wrapped in the proxy that throws on values unknown at preview, options carry the analyzer's defaults,
 * `getConfig` returns the policy's settings without the enforcement level, `notApplicable` stops the policy
 * without a violation, and an unknown value that escapes a policy becomes the analyzer's advisory
 * "can't run policy during preview" message, so a test can tell it apart from a clean pass.
 */
import type {
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import * as proxyModule from "@pulumi/policy/proxy";
import { FoundationResourcePolicy, FoundationStackPolicy, isUnknownValueError } from "./policy";

const proxy = proxyModule as unknown as {
  unknownCheckingProxy<T>(value: T): T;
  unknownStringValue: string;
};

/** The value the engine sends for a property not known until the update (the SDK's unknown sentinel). */
export const UNKNOWN: string = proxy.unknownStringValue;

/** Where a fixture lives: its stack and project name its URN. */
export interface FixtureLocation {
  /** @default "test" */
  readonly stack?: string;
  /** @default "foundation" */
  readonly project?: string;
}

/** A resource as a policy sees it. */
export interface ResourceFixture extends FixtureLocation {
  readonly type: string;
  readonly props: Record<string, unknown>;
  /** Logical name. @default "fixture" */
  readonly name?: string;
  /** Types of the parents, outermost first; they prefix the type in the URN. @default [] */
  readonly parentTypes?: readonly string[];
  /** Options beyond the analyzer's defaults (not protected, nothing ignored). */
  readonly opts?: Partial<PolicyResourceOptions>;
  /** The resource's explicit provider. */
  readonly provider?: { readonly type: string; readonly name: string; readonly props: Record<string, unknown> };
}

/** A resource of a stack fixture; `dependencies` and `parent` name other fixtures by logical name. */
export interface StackResourceFixture extends ResourceFixture {
  readonly dependencies?: readonly string[];
  readonly parent?: string;
}

/** A policy's settings as the pack config gives them. */
export type PolicyConfig = Record<string, unknown>;

/** The URN of a fixture. */
export function fixtureUrn(fixture: ResourceFixture): string {
  const chain = [...(fixture.parentTypes ?? []), fixture.type].join("$");
  return `urn:pulumi:${fixture.stack ?? "test"}::${fixture.project ?? "foundation"}::${chain}::${fixture.name ?? "fixture"}`;
}

class NotApplicable extends Error {}

const NO_TAGS: ReadonlyMap<string, string> = new Map();

/** Plain JSON, as the analyzer deserializes it (keys whose value is undefined do not exist), behind the proxy. */
function wire(props: Record<string, unknown>): Record<string, unknown> {
  return proxy.unknownCheckingProxy(JSON.parse(JSON.stringify(props)) as Record<string, unknown>);
}

function options(fixture: ResourceFixture): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...fixture.opts,
  };
}

function providerOf(fixture: ResourceFixture): PolicyProviderResource | undefined {
  if (!fixture.provider) return undefined;
  const { type, name, props } = fixture.provider;
  return { type, name, props: wire(props), urn: fixtureUrn({ ...fixture, type, name, parentTypes: [] }) };
}

function typeOf(resourceClass: unknown): string | undefined {
  return (resourceClass as { __pulumiType?: string }).__pulumiType;
}

async function collect(policyName: string, run: (messages: string[]) => Promise<void> | void): Promise<string[]> {
  const messages: string[] = [];
  try {
    await run(messages);
  } catch (err) {
    if (err instanceof NotApplicable) return messages;
    if (isUnknownValueError(err)) {
      messages.push(`can't run policy '${policyName}' during preview: ${(err as Error).message}`);
      return messages;
    }
    throw err;
  }
  return messages;
}

/** Runs a resource policy over one resource; resolves to the violation messages it reported, in order. */
export function runResourcePolicy(
  policy: FoundationResourcePolicy,
  fixture: ResourceFixture,
  config: PolicyConfig = {},
): Promise<string[]> {
  return collect(policy.name, async (messages) => {
    const props = wire(fixture.props);
    const args: ResourceValidationArgs = {
      type: fixture.type,
      props,
      urn: fixtureUrn(fixture),
      name: fixture.name ?? "fixture",
      opts: options(fixture),
      stackTags: NO_TAGS,
      isType: (resourceClass) => typeOf(resourceClass) === fixture.type,
      asType: (resourceClass) => (typeOf(resourceClass) === fixture.type ? (props as never) : undefined),
      getConfig: <T extends object>() => ({ ...config }) as T,
      notApplicable: (reason?: string) => {
        throw new NotApplicable(reason);
      },
    };
    const provider = providerOf(fixture);
    if (provider) args.provider = provider;
    const validations = policy.validateResource ?? [];
    for (const validate of Array.isArray(validations) ? validations : [validations]) {
      await validate(args, (message) => messages.push(message));
    }
  });
}

/** Runs a stack policy over resources (their outputs); resolves to the messages, each with the URN it names. */
export function runStackPolicy(
  policy: FoundationStackPolicy,
  fixtures: readonly StackResourceFixture[],
  config: PolicyConfig = {},
): Promise<string[]> {
  return collect(policy.name, async (messages) => {
    const byName = new Map<string, PolicyResource>();
    const resources = fixtures.map((fixture) => {
      const props = wire(fixture.props);
      const resource: PolicyResource = {
        type: fixture.type,
        props,
        urn: fixtureUrn(fixture),
        name: fixture.name ?? "fixture",
        opts: options(fixture),
        dependencies: [],
        propertyDependencies: {},
        isType: (resourceClass) => typeOf(resourceClass) === fixture.type,
        asType: (resourceClass) => (typeOf(resourceClass) === fixture.type ? (props as never) : undefined),
      };
      const provider = providerOf(fixture);
      if (provider) resource.provider = provider;
      byName.set(resource.name, resource);
      return resource;
    });
    fixtures.forEach((fixture, i) => {
      const resource = resources[i];
      if (fixture.parent) resource.parent = byName.get(fixture.parent);
      resource.dependencies = (fixture.dependencies ?? []).flatMap((name) => byName.get(name) ?? []);
    });
    const args: StackValidationArgs = {
      resources,
      stackTags: NO_TAGS,
      getConfig: <T extends object>() => ({ ...config }) as T,
      notApplicable: (reason?: string) => {
        throw new NotApplicable(reason);
      },
    };
    await policy.validateStack(args, (message, urn) => messages.push(urn ? `${message} (${urn})` : message));
  });
}
