import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as langproto from "@pulumi/pulumi/proto/language_pb";
import { languageRuntime, requiredPackages, runArguments, runEnvironment, runtimeOptions } from "./language-host";

const ROOT = join(__dirname, "..", "..");

const RUN = {
  monitorAddress: "127.0.0.1:1001",
  engineAddress: "127.0.0.1:1002",
  organization: "organization",
  project: "foundation",
  stack: "aws",
  rootDirectory: "/repo",
  programDirectory: "/repo",
  entryPoint: "stacks/index.ts",
  dryRun: true,
  parallel: 16,
  args: [],
  config: new Map([
    ["foundation:region", "eu-central-1"],
    ["pulumi:disable-default-providers", '["aws"]'],
  ]),
  configSecretKeys: ["foundation:token"],
  options: runtimeOptions({ typescript: true, nodeargs: "--max-old-space-size=4096" }),
};

describe("the program's command line and environment", () => {
  it("passes what Pulumi's host passes to cmd/run, node arguments first and the entry point last", () => {
    expect(runArguments("/sdk/cmd/run", RUN)).toEqual([
      "--max-old-space-size=4096",
      "/sdk/cmd/run",
      "--monitor",
      "127.0.0.1:1001",
      "--engine",
      "127.0.0.1:1002",
      "--organization",
      "organization",
      "--project",
      "foundation",
      "--root-directory",
      "/repo",
      "--stack",
      "aws",
      "--pwd",
      "/repo",
      "--dry-run",
      "--parallel",
      "16",
      "stacks/index.ts",
    ]);
    expect(runArguments("/run", { ...RUN, dryRun: false, organization: "" })).not.toContain("--dry-run");
  });

  it("hands config over in the <namespace>:config:<key> form every SDK reads, with the secret keys and TypeScript on", () => {
    const env = runEnvironment(RUN, { PATH: "/bin" });
    expect(JSON.parse(env.PULUMI_CONFIG as string)).toEqual({
      "foundation:config:region": "eu-central-1",
      "pulumi:config:disable-default-providers": '["aws"]',
    });
    expect(JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS as string)).toEqual(["foundation:token"]);
    expect(env.PULUMI_NODEJS_TYPESCRIPT).toBe("true");
    expect(env.PATH).toBe("/bin");
  });

  it("reads runtime options with TypeScript on unless turned off", () => {
    expect(runtimeOptions(undefined)).toEqual({ typescript: true, tsconfigpath: undefined, nodeargs: [] });
    expect(runtimeOptions({ typescript: false }).typescript).toBe(false);
  });
});

describe("requiredPackages", () => {
  it("names every provider SDK of package.json with its plugin name and version", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const versions = Object.fromEntries(requiredPackages(ROOT).map((p) => [p.name, p.version]));
    expect(versions).toEqual({
      aws: `v${pkg.dependencies["@pulumi/aws"]}`,
      kubernetes: `v${pkg.dependencies["@pulumi/kubernetes"]}`,
      proxmoxve: `v${pkg.dependencies["@muhlba91/pulumi-proxmoxve"]}`,
      random: `v${pkg.dependencies["@pulumi/random"]}`,
      tls: `v${pkg.dependencies["@pulumi/tls"]}`,
    });
  });
});

describe("the LanguageRuntime service", () => {
  let server: grpc.Server;
  let client: langrpc.LanguageRuntimeClient;

  beforeAll(async () => {
    server = new grpc.Server();
    server.addService(langrpc.LanguageRuntimeService, languageRuntime({ engineAddress: "" }));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    client = new langrpc.LanguageRuntimeClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  it("answers GetRequiredPackages for the program's directory", async () => {
    const req = new langproto.GetRequiredPackagesRequest();
    const info = new langproto.ProgramInfo();
    info.setProgramDirectory(ROOT);
    req.setInfo(info);
    const res = await new Promise<langproto.GetRequiredPackagesResponse>((resolve, reject) =>
      client.getRequiredPackages(req, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(res.getPackagesList().map((p) => [p.getKind(), p.getName()])).toEqual([
      ["resource", "proxmoxve"],
      ["resource", "aws"],
      ["resource", "kubernetes"],
      ["resource", "random"],
      ["resource", "tls"],
    ]);
  });

  it("refuses to run plugins other than policy packs", async () => {
    const req = new langproto.RunPluginRequest();
    req.setKind("resource");
    const stream = client.runPlugin(req);
    await expect(
      new Promise((resolve, reject) => {
        stream.on("error", reject);
        stream.on("end", resolve);
      }),
    ).rejects.toThrow("plugins of kind resource are not run by this host");
  });
});
