/**
 * Doubles of the two endpoints the lab stack's Talos gates call during `pulumi up`, for the engine run:
 *
 * - apid on the first control plane (`<node>:50000`), answering `/machine.MachineService/Bootstrap` over mutual
 *   TLS: a server certificate from the cluster's OS CA, and only clients whose certificate that CA signed;
 * - the Kubernetes API on the VIP (`<vip>:6443`), answering `GET /readyz` with 200 over mutual TLS with the
 *   cluster's Kubernetes CA.
 *
 * Both are started with the CAs the stack itself made (read back from its state), so the gates' real code, with
 * its real certificate checks, runs against them.
 */
import { createServer, Server as HttpsServer } from "node:https";
import * as grpc from "@grpc/grpc-js";
import { issue } from "./tls-material";

/** A CA as PEMs. */
export interface CaPems {
  readonly certPem: string;
  readonly keyPem: string;
}

/** The running doubles. */
export interface TalosDoubles {
  /** Bootstrap calls answered. */
  readonly bootstraps: () => number;
  /** Readiness requests answered. */
  readonly readinessChecks: () => number;
  close(): Promise<void>;
}

/** apid's port and the Kubernetes API port (Talos defaults). */
export const APID_PORT = 50000;
export const KUBERNETES_API_PORT = 6443;

const bytes = {
  serialize: (value: Buffer) => value,
  deserialize: (value: Buffer) => value,
};

/** Starts both doubles; `node` and `vip` must be addresses of this machine (loopback addresses work). */
export async function startTalosDoubles(options: {
  readonly node: string;
  readonly vip: string;
  readonly osCa: CaPems;
  readonly kubernetesCa: CaPems;
}): Promise<TalosDoubles> {
  let bootstraps = 0;
  let readinessChecks = 0;

  // Not the CA's own subject: a leaf whose subject equals its issuer's reads as self-signed to the client.
  const apidCert = await issue(
    options.osCa,
    { commonName: "apid" },
    {
      ipAddresses: [options.node],
      uses: ["digital_signature", "server_auth"],
    },
  );
  const apid = new grpc.Server();
  apid.addService(
    {
      bootstrap: {
        path: "/machine.MachineService/Bootstrap",
        requestStream: false,
        responseStream: false,
        requestSerialize: bytes.serialize,
        requestDeserialize: bytes.deserialize,
        responseSerialize: bytes.serialize,
        responseDeserialize: bytes.deserialize,
      },
    },
    {
      bootstrap: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        bootstraps += 1;
        // A second call finds etcd bootstrapped, as on a real node.
        if (bootstraps > 1) {
          callback({ code: grpc.status.ALREADY_EXISTS, details: "etcd data directory is not empty" });
        } else callback(null, Buffer.alloc(0));
      },
    },
  );
  await new Promise<number>((resolve, reject) =>
    apid.bindAsync(
      `${options.node}:${APID_PORT}`,
      grpc.ServerCredentials.createSsl(
        Buffer.from(options.osCa.certPem),
        [{ cert_chain: Buffer.from(apidCert.certPem), private_key: Buffer.from(apidCert.keyPem) }],
        true,
      ),
      (err, port) => (err ? reject(err) : resolve(port)),
    ),
  );

  const apiCert = await issue(
    options.kubernetesCa,
    { commonName: "kube-apiserver" },
    {
      ipAddresses: [options.vip],
      uses: ["digital_signature", "server_auth"],
    },
  );
  const api: HttpsServer = createServer(
    {
      cert: apiCert.certPem,
      key: apiCert.keyPem,
      ca: options.kubernetesCa.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      if (req.method === "GET" && req.url === "/readyz") {
        readinessChecks += 1;
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      } else res.writeHead(404).end();
    },
  );
  await new Promise<void>((resolve, reject) => {
    api.once("error", reject);
    api.listen(KUBERNETES_API_PORT, options.vip, () => resolve());
  });

  return {
    bootstraps: () => bootstraps,
    readinessChecks: () => readinessChecks,
    close: async () => {
      await new Promise<void>((resolve) => apid.tryShutdown(() => resolve()));
      await new Promise<void>((resolve) => api.close(() => resolve()));
    },
  };
}
