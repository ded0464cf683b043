/**
 * What every plugin of the engine run does to be one: serve its gRPC service on a free loopback port, print the port
 * on the first line of standard output (how the CLI finds a plugin it started), and go away with the CLI.
 */
import * as grpc from "@grpc/grpc-js";

/**
 * Serves `implementation` and prints the port. The process exits once it is orphaned: a CLI that dies without
 * killing its plugins (a killed `pulumi up`) must not leave them running, which Pulumi's own plugins ensure with a
 * health check on the engine.
 */
export async function servePlugin(
  service: grpc.ServiceDefinition,
  implementation: grpc.UntypedServiceImplementation,
): Promise<grpc.Server> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  process.stdout.write(`${port}\n`);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
  return server;
}
