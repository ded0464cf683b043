/**
 * Doubles of the endpoints the lab stack's Talos resources call during `pulumi up`, for the engine run and the
 * lifecycle tests:
 *
 * - apid on every node (`<node>:50000`) over mutual TLS (a server certificate from the cluster's OS CA, and only
 *   clients whose certificate that CA signed), answering the machine API calls of components/talos: Bootstrap,
 *   ApplyConfiguration, Upgrade, Version, ServiceList and SystemStat, with the encoding of
 *   components/talos/machine-api.ts. Each node keeps what a real one would: its Talos version, its boot time (a
 *   reboot changes it), the configs applied to it and the upgrades asked of it.
 * - the Kubernetes API on the VIP (`<vip>:6443`) over mutual TLS with the cluster's Kubernetes CA, answering
 *   `GET /readyz` and `GET /api/v1/nodes/<name>`: a node is known once a config naming its host has been applied,
 *   Ready, with the kubelet version of that config's kubelet image.
 *
 * Started with the CAs the stack itself made (read back from its state), so the resources' real code, with its real
 * certificate checks, runs against them.
 */
import { createServer, Server as HttpsServer } from "node:https";
import * as grpc from "@grpc/grpc-js";
import { parseAllDocuments } from "yaml";
import {
  APID_PORT,
  decodeApplyConfigurationRequest,
  decodeUpgradeRequest,
  encodeApplyConfigurationResponse,
  encodeServiceListResponse,
  encodeSystemStatResponse,
  encodeUpgradeResponse,
  encodeVersionResponse,
  MACHINE_METHODS,
} from "../../components/talos/machine-api";
import { DEFAULT_TALOS_VERSION, KUBERNETES_API_PORT } from "../../components/talos/machine-config";
import { LAB_NET } from "./scenario";
import { issue } from "./tls-material";

export { APID_PORT, KUBERNETES_API_PORT };

/** A CA as PEMs. */
export interface CaPems {
  readonly certPem: string;
  readonly keyPem: string;
}

/** What one node double has been through. */
export interface NodeDoubleState {
  readonly address: string;
  talosVersion: string;
  /** Seconds since the epoch of the last boot; every reboot moves it. */
  bootTime: number;
  /** Host name and kubelet version of the last config applied, once one has been. */
  hostname?: string;
  kubeletVersion?: string;
  readonly applied: { readonly mode: string; readonly data: string }[];
  readonly upgrades: string[];
}

/** How the node doubles behave. */
export interface NodeDoubleOptions {
  /** The Talos version the nodes run at start. @default DEFAULT_TALOS_VERSION */
  readonly talosVersion?: string;
  /** Answer ApplyConfiguration in mode AUTO with a reboot instead of a live apply. @default false */
  readonly applyNeedsReboot?: boolean;
  /** Reboot on Upgrade but come back at the old version, as a node whose new image failed to boot. @default false */
  readonly upgradeRollsBack?: boolean;
}

/** The running doubles. */
export interface TalosDoubles {
  /** Bootstrap calls answered. */
  readonly bootstraps: () => number;
  /** Readiness requests answered. */
  readonly readinessChecks: () => number;
  /** Every node's state, by address. */
  readonly nodes: ReadonlyMap<string, NodeDoubleState>;
  close(): Promise<void>;
}

const bytes = {
  serialize: (value: Buffer) => value,
  deserialize: (value: Buffer) => value,
};

/** A unary method of machine.MachineService, bytes in and out. */
function method(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: bytes.serialize,
    requestDeserialize: bytes.deserialize,
    responseSerialize: bytes.serialize,
    responseDeserialize: bytes.deserialize,
  };
}

type Handler = (request: Buffer) => Buffer | grpc.StatusObject;

/** The host name and kubelet version a rendered machine config (a YAML stream) sets. */
export function configFacts(config: string): { hostname?: string; kubeletVersion?: string } {
  const facts: { hostname?: string; kubeletVersion?: string } = {};
  for (const document of parseAllDocuments(config)) {
    const value = document.toJS() as Record<string, unknown> | null;
    if (value === null) continue;
    if (value.kind === "HostnameConfig" && typeof value.hostname === "string") facts.hostname = value.hostname;
    const machine = value.machine as { network?: { hostname?: string }; kubelet?: { image?: string } } | undefined;
    if (typeof machine?.network?.hostname === "string") facts.hostname = machine.network.hostname;
    const image = machine?.kubelet?.image;
    const tag = typeof image === "string" ? /:(v\d+\.\d+\.\d+)$/.exec(image)?.[1] : undefined;
    if (tag !== undefined) facts.kubeletVersion = tag;
  }
  return facts;
}

/** One node's apid double; resolves to the bound port (pass 0 for any free one). */
async function startApid(
  state: NodeDoubleState,
  port: number,
  osCa: CaPems,
  options: NodeDoubleOptions,
  counters: { bootstraps: number },
): Promise<{ server: grpc.Server; port: number }> {
  const apidCert = await issue(
    osCa,
    // Not the CA's own subject: a leaf whose subject equals its issuer's reads as self-signed to the client.
    { commonName: "apid" },
    { ipAddresses: [state.address], uses: ["digital_signature", "server_auth"] },
  );
  const hostname = () => state.hostname ?? state.address;
  const handlers: Record<string, Handler> = {
    "/machine.MachineService/Bootstrap": () => {
      counters.bootstraps += 1;
      // A second call finds etcd bootstrapped, as on a real node.
      return counters.bootstraps > 1
        ? {
            code: grpc.status.ALREADY_EXISTS,
            details: "etcd data directory is not empty",
            metadata: new grpc.Metadata(),
          }
        : Buffer.alloc(0);
    },
    [MACHINE_METHODS.applyConfiguration]: (request) => {
      const { data, mode } = decodeApplyConfigurationRequest(request);
      const reboot = mode === "REBOOT" || (mode === "AUTO" && options.applyNeedsReboot === true);
      state.applied.push({ mode, data });
      Object.assign(state, configFacts(data));
      if (reboot) state.bootTime += 60;
      return encodeApplyConfigurationResponse(
        {
          mode: reboot ? "REBOOT" : "NO_REBOOT",
          modeDetails: reboot ? "Applied configuration with a reboot" : "Applied configuration without a reboot",
          warnings: [],
        },
        hostname(),
      );
    },
    [MACHINE_METHODS.upgrade]: (request) => {
      const { image } = decodeUpgradeRequest(request);
      state.upgrades.push(image);
      const tag = /:(v\d+\.\d+\.\d+)$/.exec(image)?.[1];
      if (tag !== undefined && options.upgradeRollsBack !== true) state.talosVersion = tag;
      state.bootTime += 60;
      return encodeUpgradeResponse("Upgrade request received", hostname());
    },
    [MACHINE_METHODS.version]: () => encodeVersionResponse(state.talosVersion, hostname()),
    [MACHINE_METHODS.systemStat]: () => encodeSystemStatResponse(state.bootTime, hostname()),
    [MACHINE_METHODS.serviceList]: () =>
      encodeServiceListResponse(
        ["apid", "cri", "etcd", "kubelet", "machined"].map((id) => ({
          id,
          state: "Running",
          healthy: true,
          unknown: false,
        })),
        hostname(),
      ),
  };
  const server = new grpc.Server();
  const keyOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);
  const definition: grpc.ServiceDefinition = Object.fromEntries(
    Object.keys(handlers).map((path) => [keyOf(path), method(path)]),
  );
  const implementation: grpc.UntypedServiceImplementation = Object.fromEntries(
    Object.entries(handlers).map(([path, handle]) => [
      keyOf(path),
      (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const answer = handle(call.request);
        if (Buffer.isBuffer(answer)) callback(null, answer);
        else callback(answer);
      },
    ]),
  );
  server.addService(definition, implementation);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${state.address}:${port}`,
      grpc.ServerCredentials.createSsl(
        Buffer.from(osCa.certPem),
        [{ cert_chain: Buffer.from(apidCert.certPem), private_key: Buffer.from(apidCert.keyPem) }],
        true,
      ),
      (err, actual) => (err ? reject(err) : resolve(actual)),
    ),
  );
  return { server, port: bound };
}

/** Starts apid doubles on `addresses` (one port for all, 0 for any free one) with the given behaviour. */
export async function startNodeDoubles(options: {
  readonly addresses: readonly string[];
  readonly port: number;
  readonly osCa: CaPems;
  readonly behaviour?: NodeDoubleOptions;
}): Promise<{
  nodes: Map<string, NodeDoubleState>;
  ports: number[];
  bootstraps: () => number;
  close(): Promise<void>;
}> {
  const behaviour = options.behaviour ?? {};
  const counters = { bootstraps: 0 };
  const nodes = new Map<string, NodeDoubleState>();
  const servers: grpc.Server[] = [];
  const ports: number[] = [];
  for (const address of options.addresses) {
    const state: NodeDoubleState = {
      address,
      talosVersion: behaviour.talosVersion ?? DEFAULT_TALOS_VERSION,
      bootTime: 1_767_225_600,
      applied: [],
      upgrades: [],
    };
    nodes.set(address, state);
    const started = await startApid(state, options.port, options.osCa, behaviour, counters);
    servers.push(started.server);
    ports.push(started.port);
  }
  return {
    nodes,
    ports,
    bootstraps: () => counters.bootstraps,
    close: async () => {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.tryShutdown(() => resolve()))));
    },
  };
}

/**
 * Starts the Kubernetes API double on `host:port` (0 for any free port); `nodeNamed` says what it knows of a node.
 */
export async function startKubernetesApiDouble(options: {
  readonly host: string;
  readonly port: number;
  readonly kubernetesCa: CaPems;
  readonly nodeNamed: (name: string) => { kubeletVersion: string } | undefined;
}): Promise<{ server: HttpsServer; port: number; readinessChecks: () => number }> {
  let readinessChecks = 0;
  const apiCert = await issue(
    options.kubernetesCa,
    { commonName: "kube-apiserver" },
    { ipAddresses: [options.host], uses: ["digital_signature", "server_auth"] },
  );
  const server: HttpsServer = createServer(
    {
      cert: apiCert.certPem,
      key: apiCert.keyPem,
      ca: options.kubernetesCa.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const node = /^\/api\/v1\/nodes\/([^/?]+)$/.exec(req.url ?? "");
      if (req.method === "GET" && req.url === "/readyz") {
        readinessChecks += 1;
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      } else if (req.method === "GET" && node) {
        const name = decodeURIComponent(node[1]);
        const known = options.nodeNamed(name);
        if (known === undefined) {
          res
            .writeHead(404, { "content-type": "application/json" })
            .end(
              JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }),
            );
        } else {
          res.writeHead(200, { "content-type": "application/json" }).end(
            JSON.stringify({
              apiVersion: "v1",
              kind: "Node",
              metadata: { name },
              status: {
                conditions: [{ type: "Ready", status: "True" }],
                nodeInfo: { kubeletVersion: known.kubeletVersion },
              },
            }),
          );
        }
      } else res.writeHead(404).end();
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : options.port);
    });
  });
  return { server, port, readinessChecks: () => readinessChecks };
}

/**
 * Starts every double the lab's `pulumi up` calls: apid on every node address (by default the run's loopback lab
 * network, tools/engine/scenario.ts; `node` is the first control plane and always served) and the Kubernetes API on
 * the VIP. `node` and `vip` must be addresses of this machine (loopback addresses work).
 */
export async function startTalosDoubles(options: {
  readonly node: string;
  readonly vip: string;
  readonly osCa: CaPems;
  readonly kubernetesCa: CaPems;
  readonly nodes?: readonly string[];
  readonly behaviour?: NodeDoubleOptions;
}): Promise<TalosDoubles> {
  const addresses = [...new Set([options.node, ...(options.nodes ?? [...LAB_NET.controlPlanes, ...LAB_NET.workers])])];
  const apid = await startNodeDoubles({
    addresses,
    port: APID_PORT,
    osCa: options.osCa,
    behaviour: options.behaviour,
  });
  const api = await startKubernetesApiDouble({
    host: options.vip,
    port: KUBERNETES_API_PORT,
    kubernetesCa: options.kubernetesCa,
    nodeNamed: (name) => {
      const node = [...apid.nodes.values()].find((state) => state.hostname === name);
      return node?.kubeletVersion === undefined ? undefined : { kubeletVersion: node.kubeletVersion };
    },
  });
  return {
    bootstraps: apid.bootstraps,
    readinessChecks: api.readinessChecks,
    nodes: apid.nodes,
    close: async () => {
      await apid.close();
      await new Promise<void>((resolve) => api.server.close(() => resolve()));
    },
  };
}
