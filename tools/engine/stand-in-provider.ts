/**
 * A stand-in resource provider plugin: served to the real Pulumi engine under the real name and version of a
 * provider whose plugin cannot be built here (`pulumi-resource-<name>`), it answers the ResourceProvider gRPC
 * protocol with the offline plan's deterministic values (tools/plan/synthesize.ts) and reports the replacements the
 * offline plan knows of (tools/plan/replacements.ts).
 *
 * So the engine run exercises everything of a deployment that is the engine's: default providers, stack references,
 * secrets, dynamic providers, the policy analyzer, protect, diffs and replacements, state; what it cannot exercise is
 * the cloud behind the provider. The run's report lists every stand-in with the reason its real plugin was not used.
 *
 *   pulumi-resource-<name> <engine address>    (through the launcher tools/engine/install.ts writes)
 */
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as pluginproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { changedPaths } from "../plan/diff";
import { replaceReasons } from "../plan/replacements";
import { synthesizeInvoke, synthesizeResource } from "../plan/synthesize";
import { decode, encode, present, Value } from "../plan/values";
import { EXISTING_ENV, existingKey, readExisting } from "./existing";
import { servePlugin } from "./plugin-server";
import { tlsOutputs } from "./tls-material";

/** Which provider the stand-in stands in for. */
export interface StandInIdentity {
  readonly name: string;
  readonly version: string;
}

type Props = Record<string, Value>;

function read(struct: structproto.Struct | undefined): Props {
  return decode(struct?.toJavaScript() ?? {}) as Props;
}

function struct(value: Props): structproto.Struct {
  return structproto.Struct.fromJavaScript(encode(value) as Record<string, never>);
}

/** The type token and name of a resource, from its URN (`urn:pulumi:<stack>::<project>::<types>::<name>`). */
export function urnParts(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const types = (parts[2] ?? "").split("$");
  return { type: types[types.length - 1] ?? "", name: parts.slice(3).join("::") };
}

/** The provider's behaviour, as plain functions of plain values; the gRPC service below only translates. */
export class StandIn {
  private config: Props = {};

  /**
   * @param existing what exists before Foundation runs, by type token and id: the objects the stacks adopt (the
   *   `import` option), as the engine run declares them (tools/engine/existing.ts).
   */
  constructor(
    readonly identity: StandInIdentity,
    private readonly existing: ReadonlyMap<string, Props> = new Map(),
  ) {}

  configure(args: Props): void {
    this.config = args;
  }

  /**
   * The state of a new resource: the offline plan's, except that keys and certificates are real (tls-material.ts),
   * because the lab's Talos gates open mutual TLS connections with them.
   */
  async create(urn: string, inputs: Props): Promise<{ id: string; state: Props }> {
    const { type, name } = urnParts(urn);
    const synthesized = synthesizeResource({ type, name, urn, inputs, providerInputs: this.config });
    const real = await tlsOutputs(type, inputs);
    return real ? { id: synthesized.id, state: { ...synthesized.state, ...real } } : synthesized;
  }

  async update(urn: string, id: string, news: Props): Promise<Props> {
    const { state } = await this.create(urn, news);
    return { ...state, id };
  }

  /**
   * A read. With state, it is a refresh of an unchanged resource and reads back that state. Without, it is an import
   * (the `import` option, or `pulumi import`) of an object that exists already: it reads back as it was declared to
   * exist, or fails as a real provider does for an object that is not there.
   */
  read(urn: string, id: string, props: Props, inputs: Props | undefined): { id: string; props: Props; inputs?: Props } {
    if (Object.keys(props).length > 0) return { id, props, ...(inputs ? { inputs } : {}) };
    const { type, name } = urnParts(urn);
    const declared = this.existing.get(existingKey(type, id));
    if (!declared) return { id: "", props: {} };
    const { state } = synthesizeResource({ type, name, urn, inputs: declared, providerInputs: this.config });
    return { id, props: { ...state, id }, inputs: declared };
  }

  /**
   * Replacements only: whether anything changed, and which details, the engine works out from the old and new
   * inputs itself when a provider answers "unknown", which keeps its detailed diff exact.
   */
  diff(urn: string, oldInputs: Props, news: Props): string[] {
    // Printable forms: an unknown value reads "[unknown]" and so counts as a change, as it does for the engine.
    const paths = changedPaths(present(oldInputs, true), present(news, true), "inputs").map((p) => p.slice(7));
    return replaceReasons(urnParts(urn).type, paths);
  }

  invoke(token: string, args: Props): Props {
    return synthesizeInvoke({ token, args, providerInputs: this.config });
  }
}

type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;

function guarded<Req, Res>(handler: (req: Req) => Res | Promise<Res>): Unary<Req, Res> {
  return (call, cb) => {
    Promise.resolve()
      .then(() => handler(call.request))
      .then(
        (res) => cb(null, res),
        (err: Error) => cb({ code: grpc.status.UNKNOWN, details: err.message }),
      );
  };
}

/**
 * Registers a remote component the way a provider's `Construct` does (a `kubernetes:yaml/v2:ConfigFile`, say): the
 * component itself, under the parent the program gave, with no children, which is what the offline plan records.
 */
async function construct(req: provproto.ConstructRequest): Promise<provproto.ConstructResponse> {
  const monitor = new resrpc.ResourceMonitorClient(req.getMonitorendpoint(), grpc.credentials.createInsecure());
  try {
    const register = new resproto.RegisterResourceRequest();
    register.setType(req.getType());
    register.setName(req.getName());
    register.setParent(req.getParent());
    register.setCustom(false);
    register.setObject(new structproto.Struct());
    register.setProtect(req.getProtect() === true);
    register.setDependenciesList(req.getDependenciesList());
    const registered = await new Promise<resproto.RegisterResourceResponse>((resolve, reject) =>
      monitor.registerResource(register, (err, res) => (err ? reject(err) : resolve(res))),
    );
    const outputs = new resproto.RegisterResourceOutputsRequest();
    outputs.setUrn(registered.getUrn());
    outputs.setOutputs(new structproto.Struct());
    await new Promise<void>((resolve, reject) =>
      monitor.registerResourceOutputs(outputs, (err) => (err ? reject(err) : resolve())),
    );
    const response = new provproto.ConstructResponse();
    response.setUrn(registered.getUrn());
    response.setState(new structproto.Struct());
    return response;
  } finally {
    monitor.close();
  }
}

/** The ResourceProvider service of a {@link StandIn}. */
export function providerService(standIn: StandIn): grpc.UntypedServiceImplementation {
  const unimplemented =
    (method: string): Unary<unknown, unknown> =>
    (_call, cb) =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by the stand-in` });
  return {
    handshake: unimplemented("Handshake"),
    parameterize: unimplemented("Parameterize"),
    getSchema: guarded<provproto.GetSchemaRequest, provproto.GetSchemaResponse>(() => {
      const response = new provproto.GetSchemaResponse();
      response.setSchema(JSON.stringify({ name: standIn.identity.name, version: standIn.identity.version }));
      return response;
    }),
    checkConfig: guarded<provproto.CheckRequest, provproto.CheckResponse>((req) => {
      const response = new provproto.CheckResponse();
      response.setInputs(req.getNews());
      return response;
    }),
    diffConfig: unimplemented("DiffConfig"),
    configure: guarded<provproto.ConfigureRequest, provproto.ConfigureResponse>((req) => {
      standIn.configure(read(req.getArgs()));
      const response = new provproto.ConfigureResponse();
      response.setAcceptsecrets(true);
      response.setAcceptresources(true);
      response.setAcceptoutputs(false);
      // Without preview support the engine shows computed outputs as unknown during a preview, as it does for a
      // real provider that has not created the resource yet.
      response.setSupportspreview(false);
      return response;
    }),
    invoke: guarded<provproto.InvokeRequest, provproto.InvokeResponse>((req) => {
      const response = new provproto.InvokeResponse();
      response.setReturn(struct(standIn.invoke(req.getTok(), read(req.getArgs()))));
      return response;
    }),
    call: unimplemented("Call"),
    check: guarded<provproto.CheckRequest, provproto.CheckResponse>((req) => {
      const response = new provproto.CheckResponse();
      response.setInputs(req.getNews());
      return response;
    }),
    diff: guarded<provproto.DiffRequest, provproto.DiffResponse>((req) => {
      const response = new provproto.DiffResponse();
      const oldInputs = req.getOldInputs() ? read(req.getOldInputs()) : read(req.getOlds());
      response.setChanges(provproto.DiffResponse.DiffChanges.DIFF_UNKNOWN);
      response.setReplacesList(standIn.diff(req.getUrn(), oldInputs, read(req.getNews())));
      return response;
    }),
    create: guarded<provproto.CreateRequest, provproto.CreateResponse>(async (req) => {
      const { id, state } = await standIn.create(req.getUrn(), read(req.getProperties()));
      const response = new provproto.CreateResponse();
      response.setId(id);
      response.setProperties(struct(state));
      return response;
    }),
    read: guarded<provproto.ReadRequest, provproto.ReadResponse>((req) => {
      const result = standIn.read(
        req.getUrn(),
        req.getId(),
        read(req.getProperties()),
        req.getInputs() ? read(req.getInputs()) : undefined,
      );
      const response = new provproto.ReadResponse();
      response.setId(result.id);
      // No properties at all is how a provider says the object does not exist.
      if (result.id) response.setProperties(struct(result.props));
      if (result.inputs) response.setInputs(struct(result.inputs));
      return response;
    }),
    list: unimplemented("List"),
    update: guarded<provproto.UpdateRequest, provproto.UpdateResponse>(async (req) => {
      const response = new provproto.UpdateResponse();
      response.setProperties(struct(await standIn.update(req.getUrn(), req.getId(), read(req.getNews()))));
      return response;
    }),
    delete: guarded<provproto.DeleteRequest, emptyproto.Empty>(() => new emptyproto.Empty()),
    construct: guarded<provproto.ConstructRequest, provproto.ConstructResponse>(construct),
    cancel: guarded<emptyproto.Empty, emptyproto.Empty>(() => new emptyproto.Empty()),
    getPluginInfo: guarded<emptyproto.Empty, pluginproto.PluginInfo>(() => {
      const info = new pluginproto.PluginInfo();
      info.setVersion(standIn.identity.version);
      return info;
    }),
    attach: guarded<pluginproto.PluginAttach, emptyproto.Empty>(() => new emptyproto.Empty()),
    getMapping: guarded<provproto.GetMappingRequest, provproto.GetMappingResponse>(() => {
      const response = new provproto.GetMappingResponse();
      response.setProvider("");
      return response;
    }),
    getMappings: guarded<provproto.GetMappingsRequest, provproto.GetMappingsResponse>(
      () => new provproto.GetMappingsResponse(),
    ),
  } as grpc.UntypedServiceImplementation;
}

/** Serves the stand-in for `identity`, with the objects that exist before Foundation runs. */
export function serve(identity: StandInIdentity, existing: ReadonlyMap<string, Props>): Promise<grpc.Server> {
  return servePlugin(provrpc.ResourceProviderService, providerService(new StandIn(identity, existing)));
}

if (require.main === module) {
  const [name, version] = process.argv.slice(2);
  if (!name || !version) {
    process.stderr.write("usage: stand-in-provider.ts <name> <version> [engine address]\n");
    process.exit(2);
  }
  serve({ name, version }, readExisting(process.env[EXISTING_ENV])).catch((err: Error) => {
    process.stderr.write(`pulumi-resource-${name} (stand-in): ${err.message}\n`);
    process.exit(1);
  });
}
