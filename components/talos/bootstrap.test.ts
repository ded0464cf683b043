import {
  Server,
  ServerCredentials,
  ServerUnaryCall,
  sendUnaryData,
  ServiceDefinition,
  status,
  StatusObject,
} from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { bootstrapEtcd, BootstrapTiming, classifyBootstrapError, TalosApiTarget } from "./bootstrap";
import { RetryClock } from "../common/retry";
import { CLIENT, LOCALHOST_SERVER, openTestPki, TestCertificate, TestPki } from "./testing";
import { fakeClock } from "../common/testing";
import { withoutStackTraces } from "../../tools/plan/testing";

const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
withoutStackTraces();
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  "foundation",
  "lab",
  false,
);

/** A scripted answer of the fake apid: null is OK, anything else an error status. */
type Answer = Pick<StatusObject, "code" | "details"> | null;

/** What the fake apid saw of each call. */
interface SeenCall {
  requestBytes: number;
  clientOrganization: string | string[] | undefined;
}

const identity = (buffer: Buffer) => buffer;

/** The one method of machine.MachineService the program calls, with raw bytes on both sides. */
const MACHINE_SERVICE: ServiceDefinition = {
  Bootstrap: {
    path: "/machine.MachineService/Bootstrap",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

let pki: TestPki;
let osCa: TestCertificate;
let server: TestCertificate;
let admin: TestCertificate;
let stranger: TestCertificate;

beforeAll(() => {
  pki = openTestPki();
  // Ed25519 throughout, as Talos's OS CA and talosconfig keys are: the TLS stack must handle it.
  const ca = pki.ca("os-ca", "/O=talos", "ed25519");
  osCa = ca;
  server = ca.issue("apid", "/CN=talos-cp-1", LOCALHOST_SERVER);
  admin = ca.issue("admin", "/O=os:admin", CLIENT);
  stranger = pki.ca("other-ca", "/O=talos", "ed25519").issue("stranger", "/O=os:admin", CLIENT);
});

afterAll(() => pki.dispose());

/** Starts a fake apid on 127.0.0.1 that requires a client certificate from the OS CA. */
async function startApid(answers: Answer[]): Promise<{ port: number; calls: SeenCall[]; stop: () => void }> {
  const calls: SeenCall[] = [];
  const grpcServer = new Server();
  grpcServer.addService(MACHINE_SERVICE, {
    Bootstrap: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      calls.push({
        requestBytes: call.request.length,
        clientOrganization: call.getAuthContext()?.sslPeerCertificate?.subject?.O,
      });
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
      if (answer === null) callback(null, Buffer.alloc(0));
      else callback({ code: answer.code, details: answer.details });
    },
  });
  const credentials = ServerCredentials.createSsl(
    Buffer.from(osCa.certPem),
    [{ private_key: Buffer.from(server.keyPem), cert_chain: Buffer.from(server.certPem) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, calls, stop: () => grpcServer.forceShutdown() };
}

function target(port: number, client: TestCertificate = admin): TalosApiTarget {
  return {
    node: "127.0.0.1",
    port,
    caCertPem: osCa.certPem,
    clientCertPem: client.certPem,
    clientKeyPem: client.keyPem,
  };
}

function timing(clock: RetryClock, timeoutMs = 60_000): BootstrapTiming {
  return { timeoutMs, attemptTimeoutMs: 5_000, initialDelayMs: 2_000, clock };
}

const notYet = { code: status.FAILED_PRECONDITION, details: "bootstrap is not available yet" };
const timeNotSynced = { code: status.FAILED_PRECONDITION, details: "time is not in sync yet" };

describe("bootstrapEtcd against a gRPC server over mutual TLS", () => {
  it("sends one empty request as os:admin and reports success", async () => {
    const apid = await startApid([null]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(bootstrapEtcd(target(apid.port), timing(clock))).resolves.toBe("bootstrapped");
      expect(apid.calls).toEqual([{ requestBytes: 0, clientOrganization: "os:admin" }]);
      expect(clock.sleeps).toEqual([]);
    } finally {
      apid.stop();
    }
  });

  it("retries the transient errors with doubling pauses, then succeeds", async () => {
    const apid = await startApid([notYet, timeNotSynced, { code: status.UNAVAILABLE, details: "starting" }, null]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(bootstrapEtcd(target(apid.port), timing(clock))).resolves.toBe("bootstrapped");
      expect(apid.calls).toHaveLength(4);
      expect(clock.sleeps).toEqual([2_000, 4_000, 8_000]);
    } finally {
      apid.stop();
    }
  });

  it.each([
    [{ code: status.ALREADY_EXISTS, details: "etcd data directory is not empty" }],
    [{ code: status.UNKNOWN, details: "rpc error: etcd data directory is not empty" }],
  ])("treats %j as already bootstrapped, without retrying", async (answer) => {
    const apid = await startApid([answer]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(bootstrapEtcd(target(apid.port), timing(clock))).resolves.toBe("already-bootstrapped");
      expect(apid.calls).toHaveLength(1);
    } finally {
      apid.stop();
    }
  });

  it.each([
    [
      { code: status.FAILED_PRECONDITION, details: "bootstrap can only be performed on a control plane node" },
      "FAILED_PRECONDITION: bootstrap can only be performed on a control plane node",
    ],
    [{ code: status.PERMISSION_DENIED, details: "not authorized" }, "PERMISSION_DENIED: not authorized"],
  ])("fails at once on the permanent error %j", async (answer, reason) => {
    const apid = await startApid([notYet, answer]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(bootstrapEtcd(target(apid.port), timing(clock))).rejects.toThrow(
        `etcd bootstrap on 127.0.0.1:${apid.port} failed: ${reason}`,
      );
      expect(apid.calls).toHaveLength(2);
      expect(clock.sleeps).toEqual([2_000]);
    } finally {
      apid.stop();
    }
  });

  it("gives up at the deadline with the last error, never sleeping past it", async () => {
    const apid = await startApid([timeNotSynced]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(bootstrapEtcd(target(apid.port), timing(clock, 10_000))).rejects.toThrow(
        `etcd bootstrap on 127.0.0.1:${apid.port} did not succeed within 10s (4 attempts); ` +
          "last error: FAILED_PRECONDITION: time is not in sync yet",
      );
      expect(clock.sleeps).toEqual([2_000, 4_000, 4_000]);
      expect(apid.calls).toHaveLength(4);
    } finally {
      apid.stop();
    }
  });

  it("is refused by the server with a client certificate from another CA, and never reaches the method", async () => {
    const apid = await startApid([null]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(bootstrapEtcd(target(apid.port, stranger), timing(clock, 4_000))).rejects.toThrow(
        /did not succeed within 4s \(3 attempts\); last error: UNAVAILABLE: /,
      );
      expect(apid.calls).toEqual([]);
    } finally {
      apid.stop();
    }
  });
});

describe("classifyBootstrapError", () => {
  it.each([
    [status.ALREADY_EXISTS, "etcd data directory is not empty", "already-bootstrapped"],
    [status.FAILED_PRECONDITION, "bootstrap is not available yet", "transient"],
    [status.FAILED_PRECONDITION, "time is not in sync yet", "transient"],
    [status.FAILED_PRECONDITION, "bootstrap can only be performed on a control plane node", "permanent"],
    [status.UNAVAILABLE, "No connection established", "transient"],
    [status.DEADLINE_EXCEEDED, "Deadline exceeded", "transient"],
    [status.UNAUTHENTICATED, "", "permanent"],
    [status.INVALID_ARGUMENT, "", "permanent"],
    [status.UNIMPLEMENTED, "unknown service machine.MachineService", "permanent"],
  ])("code %i %p is %s", (code, details, kind) => {
    expect(classifyBootstrapError({ code, details })).toBe(kind);
  });
});

/** Runs serialized provider text the way Pulumi's dynamic provider host loads it. */
function loadProvider(text: string): pulumi.dynamic.ResourceProvider {
  const module = { exports: {} as { handler: () => pulumi.dynamic.ResourceProvider } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler();
}

describe("Bootstrap dynamic resource", () => {
  async function register(args: Partial<import("./bootstrap").BootstrapArgs> = {}) {
    registered.length = 0;
    const { Bootstrap } = await import("./bootstrap");
    const resource = new Bootstrap("talos-bootstrap", {
      node: "192.168.10.11",
      caCertPem: osCa.certPem,
      clientCertPem: admin.certPem,
      clientKeyPem: admin.keyPem,
      ...args,
    });
    await new Promise((resolve) => resource.urn.apply(resolve));
    return registered.find((r) => r.name === "talos-bootstrap")!;
  }

  it("registers as pulumi-nodejs:dynamic/talos:Bootstrap with secret credentials and defaults", async () => {
    const { type, inputs } = await register();
    expect(type).toBe("pulumi-nodejs:dynamic/talos:Bootstrap");
    const secret = (value: string) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
    expect(inputs).toMatchObject({
      node: "192.168.10.11",
      port: 50000,
      caCertPem: osCa.certPem,
      clientCertPem: secret(admin.certPem),
      clientKeyPem: secret(admin.keyPem),
      timeoutSeconds: 600,
      triggers: [],
    });
    expect(String(inputs.__provider)).not.toContain(admin.keyPem.split("\n")[1]);
  });

  it.each([0, 2.5])("rejects timeoutSeconds %p", async (timeoutSeconds) => {
    const { Bootstrap } = await import("./bootstrap");
    expect(
      () =>
        new Bootstrap("bad", {
          node: "192.168.10.11",
          caCertPem: "",
          clientCertPem: "",
          clientKeyPem: "",
          timeoutSeconds,
        }),
    ).toThrow(`Bootstrap 'bad': timeoutSeconds must be a positive whole number of seconds, got ${timeoutSeconds}`);
  });

  it("serializes a provider that bootstraps the real server and keeps credentials out of its outputs", async () => {
    const { inputs } = await register();
    const provider = loadProvider(String(inputs.__provider));
    const apid = await startApid([{ code: status.ALREADY_EXISTS, details: "etcd data directory is not empty" }]);
    try {
      const created = await provider.create({
        ...target(apid.port),
        timeoutSeconds: 5,
        triggers: ["vm-101"],
      });
      expect(created).toEqual({
        id: `127.0.0.1:${apid.port}`,
        outs: { node: "127.0.0.1", port: apid.port, triggers: ["vm-101"], outcome: "already-bootstrapped" },
      });
      expect(apid.calls).toHaveLength(1);
    } finally {
      apid.stop();
    }
  });

  it("replaces only when the node, port or triggers change", async () => {
    const { inputs } = await register();
    const provider = loadProvider(String(inputs.__provider));
    const olds = { node: "192.168.10.11", port: 50000, triggers: ["vm-101"], outcome: "bootstrapped" };
    const news = { ...target(50000), node: "192.168.10.11", timeoutSeconds: 600, triggers: ["vm-101"] };
    await expect(provider.diff!("id", olds, { ...news, clientKeyPem: "rotated" })).resolves.toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
    await expect(provider.diff!("id", olds, { ...news, node: "192.168.10.12", triggers: ["vm-201"] })).resolves.toEqual(
      { changes: true, replaces: ["node", "triggers"], deleteBeforeReplace: true },
    );
  });
});
