/**
 * A resource monitor that records every registration instead of talking to an engine.
 *
 * The Node SDK speaks to a monitor object with the same callback methods as the gRPC client; Pulumi's own mocks
 * (`runtime/mocks.ts`) plug in there. This one does the same, but keeps what a preview shows and the mocks drop:
 * parent, dependencies, provider, `protect`, `retainOnDelete`, the secretness of every value, and the stack's
 * registered outputs. Computed state comes from {@link synthesizeResource}; stack references are answered from the
 * outputs of stacks planned earlier.
 */
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { synthesizeInvoke, synthesizeResource, digest } from "./synthesize";
import { decode, encode, Secret, Value } from "./values";

/** One registered resource, as the plan reports it. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly custom: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** URN of the explicit provider, or null for components and built-ins. */
  readonly provider: string | null;
  readonly dependencies: string[];
  readonly inputs: Record<string, Value>;
  /** Synthesized state for custom resources; registered outputs for components and the stack. */
  outputs: Record<string, Value>;
  readonly id: string | null;
  /** The id of the existing object the resource adopts (the `import` option), or null. */
  readonly importId: string | null;
  readonly additionalSecretOutputs: string[];
  readonly ignoreChanges: string[];
  readonly replaceOnChanges: string[];
  readonly deleteBeforeReplace: boolean;
}

/** The outputs an upstream stack exported, keyed by their names; secret ones wrapped in {@link Secret}. */
export type StackOutputs = Record<string, Value>;

/** What the monitor needs from the engine that drives it. */
export interface MonitorOptions {
  readonly project: string;
  readonly stack: string;
  /** Answers a stack reference by its full name (`org/project/stack`), or throws naming what is known. */
  readonly resolveStackReference: (name: string) => StackOutputs;
  /** Packages whose default providers are disabled (`pulumi:disable-default-providers`); `*` means all. */
  readonly disabledDefaultProviders: readonly string[];
}

type Callback<T> = (err: Error | null, resp?: T) => void;

/**
 * The package the engine exempts from `pulumi:disable-default-providers` (`shouldDenyRequest` in the engine's
 * `default_providers.go`). Only this one: `pulumi-nodejs`, under which dynamic resources register, is denied like
 * any other package when the list says `*`.
 */
const EXEMPT_PACKAGES = new Set(["pulumi"]);

/** Records registrations for one stack run; see the module comment. */
export class RecordingMonitor {
  /** Resources in registration order. */
  readonly resources: RecordedResource[] = [];
  /**
   * Registrations and invokes the plan refused. They are answered as if they had succeeded and reported when the
   * run ends: an error handed back to the SDK would become a rejected promise that nobody awaits.
   */
  readonly failures: Error[] = [];
  /** Settles with the first refusal, so a run need not wait for registrations that will never complete. */
  readonly failed: Promise<void>;
  private markFailed: () => void = () => undefined;
  private readonly byUrn = new Map<string, RecordedResource>();

  constructor(private readonly options: MonitorOptions) {
    this.failed = new Promise<void>((resolve) => (this.markFailed = resolve));
  }

  private fail(err: unknown): void {
    this.failures.push(err as Error);
    this.markFailed();
  }

  /** The registered outputs of the root stack resource: the stack's exports. */
  stackOutputs(): Record<string, Value> {
    return this.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
  }

  private urnFor(parent: string, type: string, name: string): string {
    // As the engine does it: a child's type is qualified by its parent's qualified type, except under the root
    // stack resource.
    let qualified = type;
    const parentType = parent ? parent.split("::")[2] : "";
    if (parentType && parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${type}`;
    return `urn:pulumi:${this.options.stack}::${this.options.project}::${qualified}::${name}`;
  }

  private providerInputs(ref: string): Record<string, Value> {
    if (!ref) return {};
    return this.byUrn.get(providerUrn(ref))?.inputs ?? {};
  }

  /**
   * The provider a custom resource or invoke of `token` uses: the explicit one it names, or the package's default
   * provider, which the engine registers on first use as `pulumi:providers:<package>::default` (with the requested
   * version, `default_<x_y_z>`) and records in state like any resource. Fails where the engine does, for a package
   * whose default provider `pulumi:disable-default-providers` denies.
   */
  private providerFor(kind: string, token: string, providerRef: string, version: string): string | null {
    if (providerRef) return providerUrn(providerRef);
    if (token.startsWith("pulumi:providers:")) return null;
    const pkg = token.split(":")[0];
    const denied = this.options.disabledDefaultProviders;
    if (!EXEMPT_PACKAGES.has(pkg) && (denied.includes("*") || denied.includes(pkg))) {
      // The engine's own wording, so the plan fails where `pulumi preview` would.
      throw new Error(`${kind}: Default provider for '${pkg}' disabled. '${token}' must use an explicit provider.`);
    }
    const name = version ? `default_${version.replace(/[.-]/g, "_")}` : "default";
    const urn = this.urnFor("", `pulumi:providers:${pkg}`, name);
    if (!this.byUrn.has(urn) && kind === "Resource") {
      this.add({
        urn,
        type: `pulumi:providers:${pkg}`,
        name,
        parent: null,
        custom: true,
        protect: false,
        retainOnDelete: false,
        provider: null,
        dependencies: [],
        inputs: version ? { version } : {},
        outputs: version ? { version } : {},
        id: digest(urn, 8),
        importId: null,
        additionalSecretOutputs: [],
        ignoreChanges: [],
        replaceOnChanges: [],
        deleteBeforeReplace: false,
      });
    }
    return urn;
  }

  async registerResource(req: resproto.RegisterResourceRequest, callback: Callback<resproto.RegisterResourceResponse>) {
    try {
      const type = req.getType();
      const name = req.getName();
      const urn = this.urnFor(req.getParent(), type, name);
      const custom = req.getCustom();
      const providerRef = req.getProvider();
      // The engine keeps a provider for custom resources only; a remote component's provider serves its children.
      const provider = custom ? this.providerFor("Resource", type, providerRef, req.getVersion()) : null;
      const inputs = decode(req.getObject()?.toJavaScript() ?? {}) as Record<string, Value>;

      let id: string | null = null;
      let state: Record<string, Value> = {};
      if (custom) {
        const synthesized = synthesizeResource({
          type,
          name,
          urn,
          inputs,
          providerInputs: this.providerInputs(providerRef),
        });
        // An adopted resource (the `import` option) keeps the id it was adopted by.
        const importId = req.getImportid();
        id = type.startsWith("pulumi:providers:") ? digest(urn, 8) : importId || synthesized.id;
        state = markSecretOutputs(
          importId ? { ...synthesized.state, id: importId } : synthesized.state,
          req.getAdditionalsecretoutputsList(),
        );
      }

      const record: RecordedResource = {
        urn,
        type,
        name,
        parent: req.getParent() || null,
        custom,
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        provider,
        dependencies: [...new Set(req.getDependenciesList())].sort(),
        inputs,
        outputs: custom ? state : {},
        id,
        importId: req.getImportid() || null,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
      };
      this.add(record);

      const response = new resproto.RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(id ?? "");
      response.setObject(structproto.Struct.fromJavaScript(encode(state) as Record<string, never>));
      callback(null, response);
    } catch (err) {
      this.fail(err);
      const response = new resproto.RegisterResourceResponse();
      response.setUrn(this.urnFor(req.getParent(), req.getType(), req.getName()));
      response.setObject(structproto.Struct.fromJavaScript({}));
      callback(null, response);
    }
  }

  registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, callback: Callback<object>) {
    const record = this.byUrn.get(req.getUrn());
    if (!record) {
      this.fail(new Error(`outputs registered for unknown resource ${req.getUrn()}`));
      callback(null, {});
      return;
    }
    record.outputs = decode(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, Value>;
    callback(null, {});
  }

  async readResource(req: resproto.ReadResourceRequest, callback: Callback<resproto.ReadResourceResponse>) {
    try {
      // A StackReference is a read of the upstream stack by its full name; anything else needs a real provider.
      if (req.getType() !== "pulumi:pulumi:StackReference") {
        throw new Error(
          `the offline plan cannot read existing resource '${req.getName()}' (${req.getType()}, id ${req.getId()}); ` +
            "reads need the real provider: use `pulumi preview`",
        );
      }
      const urn = this.urnFor(req.getParent(), req.getType(), req.getName());
      const provider = this.providerFor("Resource", req.getType(), req.getProvider(), req.getVersion());
      const refName = req.getId();
      const outputs = this.options.resolveStackReference(refName);
      const state: Record<string, Value> = {
        name: refName,
        outputs,
        secretOutputNames: Object.keys(outputs).filter((k) => outputs[k] instanceof Secret),
      };
      const record: RecordedResource = {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || null,
        custom: true,
        protect: false,
        retainOnDelete: false,
        provider,
        dependencies: [...new Set(req.getDependenciesList())].sort(),
        inputs: { name: refName },
        outputs: state,
        id: refName,
        importId: null,
        additionalSecretOutputs: [],
        ignoreChanges: [],
        replaceOnChanges: [],
        deleteBeforeReplace: false,
      };
      this.add(record);
      const response = new resproto.ReadResourceResponse();
      response.setUrn(urn);
      response.setProperties(structproto.Struct.fromJavaScript(encode(state) as Record<string, never>));
      callback(null, response);
    } catch (err) {
      this.fail(err);
      const response = new resproto.ReadResourceResponse();
      response.setUrn(this.urnFor(req.getParent(), req.getType(), req.getName()));
      response.setProperties(structproto.Struct.fromJavaScript({}));
      callback(null, response);
    }
  }

  private add(record: RecordedResource): void {
    if (this.byUrn.has(record.urn)) {
      throw new Error(`Duplicate resource URN '${record.urn}'; try giving it a unique name`);
    }
    this.resources.push(record);
    this.byUrn.set(record.urn, record);
  }

  async invoke(req: resproto.ResourceInvokeRequest, callback: Callback<provproto.InvokeResponse>) {
    try {
      const token = req.getTok();
      this.providerFor("Invoke", token, req.getProvider(), req.getVersion());
      const result = synthesizeInvoke({
        token,
        args: decode(req.getArgs()?.toJavaScript() ?? {}) as Record<string, Value>,
        providerInputs: this.providerInputs(req.getProvider()),
      });
      const response = new provproto.InvokeResponse();
      response.setReturn(structproto.Struct.fromJavaScript(encode(result) as Record<string, never>));
      callback(null, response);
    } catch (err) {
      this.fail(err);
      const response = new provproto.InvokeResponse();
      response.setReturn(structproto.Struct.fromJavaScript({}));
      callback(null, response);
    }
  }

  supportsFeature(req: resproto.SupportsFeatureRequest, callback: Callback<{ getHassupport: () => boolean }>) {
    // Like Pulumi's mocks: everything but first-class output values, so inputs arrive as plain values.
    const supported = req.getId() !== "outputValues" && req.getId() !== "transforms";
    callback(null, { getHassupport: () => supported });
  }

  registerPackage(_req: resproto.RegisterPackageRequest, callback: Callback<resproto.RegisterPackageResponse>) {
    const response = new resproto.RegisterPackageResponse();
    response.setRef(`package-${digest(_req.getName(), 8)}`);
    callback(null, response);
  }
}

/** A provider reference is `<urn>::<id>`; the plan identifies providers by URN. */
function providerUrn(ref: string): string {
  const at = ref.lastIndexOf("::");
  return at > 0 ? ref.slice(0, at) : ref;
}

function markSecretOutputs(state: Record<string, Value>, names: string[]): Record<string, Value> {
  if (names.length === 0) return state;
  const out = { ...state };
  for (const key of names) {
    if (key in out && !(out[key] instanceof Secret)) out[key] = new Secret(out[key]);
  }
  return out;
}
