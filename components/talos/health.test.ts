import { createServer, Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesApiTarget, ReadinessTiming, waitForKubernetesApi } from "./health";
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

let pki: TestPki;
let kubernetesCa: TestCertificate;
let apiServer: TestCertificate;
let impostor: TestCertificate;
let admin: TestCertificate;

beforeAll(() => {
  pki = openTestPki();
  const ca = pki.ca("kubernetes-ca", "/O=kubernetes", "ecdsa");
  kubernetesCa = ca;
  apiServer = ca.issue("apiserver", "/CN=kube-apiserver", LOCALHOST_SERVER);
  admin = ca.issue("admin", "/CN=admin/O=system:masters", CLIENT);
  impostor = pki.ca("other-ca", "/O=kubernetes", "ecdsa").issue("impostor", "/CN=kube-apiserver", LOCALHOST_SERVER);
});

afterAll(() => pki.dispose());

/** What the fake API server saw of each request. */
interface SeenRequest {
  path: string | undefined;
  client: string;
}

/** A fake API server on 127.0.0.1 that requires a client certificate from the Kubernetes CA. */
async function startApiServer(
  statuses: number[],
  certificate: TestCertificate = apiServer,
): Promise<{ port: number; requests: SeenRequest[]; stop: () => Promise<void> }> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer(
    {
      key: certificate.keyPem,
      cert: certificate.certPem,
      ca: kubernetesCa.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const subject = (req.socket as TLSSocket).getPeerCertificate().subject;
      requests.push({ path: req.url, client: `CN=${subject.CN},O=${subject.O}` });
      const status = statuses[Math.min(requests.length - 1, statuses.length - 1)];
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status === 200 ? "ok" : status === 503 ? "[-]etcd failed: reason withheld\n" : "Unauthorized");
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function target(port: number): KubernetesApiTarget {
  return {
    host: "127.0.0.1",
    port,
    caCertPem: kubernetesCa.certPem,
    clientCertPem: admin.certPem,
    clientKeyPem: admin.keyPem,
  };
}

function timing(clock: RetryClock, timeoutMs = 60_000): ReadinessTiming {
  return { timeoutMs, requestTimeoutMs: 5_000, initialDelayMs: 2_000, clock };
}

describe("waitForKubernetesApi against an HTTPS server with client certificates", () => {
  it("waits through 503s until /readyz answers 200 to the admin certificate", async () => {
    const api = await startApiServer([503, 503, 503, 200]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(waitForKubernetesApi(target(api.port), timing(clock))).resolves.toBeUndefined();
      expect(api.requests).toEqual(Array(4).fill({ path: "/readyz", client: "CN=admin,O=system:masters" }));
      expect(clock.sleeps).toEqual([2_000, 4_000, 8_000]);
    } finally {
      await api.stop();
    }
  });

  it("gives up at the deadline when the API never becomes ready", async () => {
    const api = await startApiServer([503]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(waitForKubernetesApi(target(api.port), timing(clock, 10_000))).rejects.toThrow(
        `Kubernetes API readiness at https://127.0.0.1:${api.port}/readyz did not succeed within 10s (4 attempts); ` +
          "last error: HTTP 503: [-]etcd failed: reason withheld",
      );
      expect(clock.sleeps).toEqual([2_000, 4_000, 4_000]);
    } finally {
      await api.stop();
    }
  });

  it("counts a refused connection as not ready yet", async () => {
    const api = await startApiServer([200]);
    await api.stop();
    const clock = fakeClock(1_000_000);
    await expect(waitForKubernetesApi(target(api.port), timing(clock, 3_000))).rejects.toThrow(
      /did not succeed within 3s \(3 attempts\); last error: ECONNREFUSED: /,
    );
  });

  it("rejects a server whose certificate is not from the Kubernetes CA, at once", async () => {
    const api = await startApiServer([200], impostor);
    try {
      const clock = fakeClock(1_000_000);
      await expect(waitForKubernetesApi(target(api.port), timing(clock))).rejects.toThrow(
        new RegExp(
          `^https://127\\.0\\.0\\.1:${api.port}/readyz is not trusted by the Kubernetes CA: ` +
            "UNABLE_TO_VERIFY_LEAF_SIGNATURE: ",
        ),
      );
      expect(clock.sleeps).toEqual([]);
      expect(api.requests).toEqual([]);
    } finally {
      await api.stop();
    }
  });

  it.each([401, 403])("stops at once when the admin certificate is refused with %i", async (status) => {
    const api = await startApiServer([status]);
    try {
      const clock = fakeClock(1_000_000);
      await expect(waitForKubernetesApi(target(api.port), timing(clock))).rejects.toThrow(
        `https://127.0.0.1:${api.port}/readyz refused the admin certificate: HTTP ${status}: Unauthorized`,
      );
      expect(api.requests).toHaveLength(1);
    } finally {
      await api.stop();
    }
  });
});

/** Runs serialized provider text the way Pulumi's dynamic provider host loads it. */
function loadProvider(text: string): pulumi.dynamic.ResourceProvider {
  const module = { exports: {} as { handler: () => pulumi.dynamic.ResourceProvider } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler();
}

describe("KubernetesApiReady dynamic resource", () => {
  async function register() {
    registered.length = 0;
    const { KubernetesApiReady } = await import("./health");
    const resource = new KubernetesApiReady("talos-api-ready", {
      host: "192.168.10.10",
      caCertPem: kubernetesCa.certPem,
      clientCertPem: admin.certPem,
      clientKeyPem: admin.keyPem,
      triggers: ["192.168.10.11:50000"],
    });
    await new Promise((resolve) => resource.urn.apply(resolve));
    return registered.find((r) => r.name === "talos-api-ready")!;
  }

  it("registers as pulumi-nodejs:dynamic/talos:KubernetesApiReady with secret credentials and defaults", async () => {
    const { type, inputs } = await register();
    expect(type).toBe("pulumi-nodejs:dynamic/talos:KubernetesApiReady");
    const secret = (value: string) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
    expect(inputs).toMatchObject({
      host: "192.168.10.10",
      port: 6443,
      caCertPem: kubernetesCa.certPem,
      clientCertPem: secret(admin.certPem),
      clientKeyPem: secret(admin.keyPem),
      timeoutSeconds: 900,
      triggers: ["192.168.10.11:50000"],
    });
    expect(String(inputs.__provider)).not.toContain(admin.keyPem.split("\n")[1]);
  });

  it("rejects a timeout that is not a positive whole number of seconds", async () => {
    const { KubernetesApiReady } = await import("./health");
    expect(
      () =>
        new KubernetesApiReady("bad", {
          host: "h",
          caCertPem: "",
          clientCertPem: "",
          clientKeyPem: "",
          timeoutSeconds: -5,
        }),
    ).toThrow("KubernetesApiReady 'bad': timeoutSeconds must be a positive whole number of seconds, got -5");
  });

  it("serializes a provider that waits on the real server and keeps credentials out of its outputs", async () => {
    const { inputs } = await register();
    const provider = loadProvider(String(inputs.__provider));
    const api = await startApiServer([200]);
    try {
      await expect(provider.create({ ...target(api.port), timeoutSeconds: 5, triggers: ["t"] })).resolves.toEqual({
        id: `127.0.0.1:${api.port}`,
        outs: { host: "127.0.0.1", port: api.port, triggers: ["t"] },
      });
      expect(api.requests).toHaveLength(1);
    } finally {
      await api.stop();
    }
  });

  it("waits again only when the host, port or triggers change", async () => {
    const { inputs } = await register();
    const provider = loadProvider(String(inputs.__provider));
    const olds = { host: "192.168.10.10", port: 6443, triggers: ["a"] };
    const news = { ...target(6443), host: "192.168.10.10", timeoutSeconds: 900, triggers: ["a"] };
    await expect(provider.diff!("id", olds, { ...news, clientCertPem: "renewed" })).resolves.toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
    await expect(provider.diff!("id", olds, { ...news, triggers: ["b"] })).resolves.toEqual({
      changes: true,
      replaces: ["triggers"],
      deleteBeforeReplace: true,
    });
  });
});
