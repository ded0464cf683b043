/**
 * A Node.js language host for the Pulumi CLI: the `pulumirpc.LanguageRuntime` gRPC service that the engine starts
 * as `pulumi-language-nodejs <engine address>` and asks to run the program and the policy pack.
 *
 * The CLI's release archive ships Pulumi's own host (a Go module, `sdk/nodejs/cmd/pulumi-language-nodejs`), but the
 * Go module proxy does not serve that module, so the engine run builds the CLI from `pkg/v3` and serves the host from
 * here. It does what Pulumi's host does for a Node program, reading the same request fields and starting the same
 * scripts of `@pulumi/pulumi` (`cmd/run` for the program, `cmd/run-policy-pack` for a pack) with the same arguments
 * and environment, so the SDK cannot tell the difference; what it leaves out is Bun, debugger attachment, the
 * synchronous-invoke pipes (no program here uses synchronous invokes) and code generation. Its definitions are the
 * ones `@pulumi/pulumi` ships in `proto/`.
 *
 * Reference: https://github.com/pulumi/pulumi/blob/v3.248.0/sdk/nodejs/cmd/pulumi-language-nodejs/main.go
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as langproto from "@pulumi/pulumi/proto/language_pb";
import * as pluginproto from "@pulumi/pulumi/proto/plugin_pb";
import { servePlugin } from "./plugin-server";

/**
 * The exit status by which `@pulumi/pulumi/cmd/run` says it has already shown the user an actionable message, so
 * the host reports a bail and the CLI prints nothing more (`nodeJSProcessExitedAfterShowingUserActionableMessage`).
 */
export const EXIT_AFTER_USER_MESSAGE = 32;

/** The runtime options of `Pulumi.yaml` (`runtime.options`) the host honours. */
export interface RuntimeOptions {
  readonly typescript: boolean;
  readonly tsconfigpath?: string;
  readonly nodeargs: string[];
}

/** Reads `runtime.options`; TypeScript is on unless turned off, as in Pulumi's host. */
export function runtimeOptions(options: Record<string, unknown> | undefined): RuntimeOptions {
  const typescript = options?.typescript;
  const nodeargs = typeof options?.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  return {
    typescript: typescript === undefined ? true : typescript === true || typescript === "true",
    tsconfigpath: typeof options?.tsconfig === "string" ? options.tsconfig : undefined,
    nodeargs,
  };
}

/** What the host needs from a `RunRequest` to start the program. */
export interface ProgramRun {
  readonly monitorAddress: string;
  readonly engineAddress: string;
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
  readonly rootDirectory: string;
  readonly programDirectory: string;
  readonly entryPoint: string;
  readonly dryRun: boolean;
  readonly parallel: number;
  readonly args: readonly string[];
  /** Config as the engine sends it, `namespace:key` to value. */
  readonly config: ReadonlyMap<string, string>;
  readonly configSecretKeys: readonly string[];
  readonly options: RuntimeOptions;
}

/**
 * The command line of `cmd/run`, flag for flag as Pulumi's host builds it (`constructArguments`): empty values are
 * left out, the entry point comes after the flags and the program's own arguments after it.
 */
export function runArguments(runPath: string, run: ProgramRun): string[] {
  const args = [...run.options.nodeargs, runPath];
  const flag = (name: string, value: string) => {
    if (value !== "") args.push(`--${name}`, value);
  };
  flag("monitor", run.monitorAddress);
  flag("engine", run.engineAddress);
  flag("organization", run.organization);
  flag("project", run.project);
  flag("root-directory", run.rootDirectory);
  flag("stack", run.stack);
  flag("pwd", run.programDirectory);
  if (run.dryRun) args.push("--dry-run");
  flag("parallel", String(run.parallel));
  args.push(run.entryPoint || ".", ...run.args);
  return args;
}

/**
 * The environment the program runs with. Config keys go to the SDK in the older `<namespace>:config:<name>` form,
 * which every SDK version reads (`constructConfig`).
 */
export function runEnvironment(run: ProgramRun, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const config: Record<string, string> = {};
  for (const [key, value] of run.config) {
    const at = key.indexOf(":");
    config[at > 0 ? `${key.slice(0, at)}:config:${key.slice(at + 1)}` : key] = value;
  }
  return {
    ...base,
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(run.configSecretKeys),
    ...typeScriptEnvironment(run.options),
  };
}

function typeScriptEnvironment(options: RuntimeOptions): NodeJS.ProcessEnv {
  return {
    ...(options.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
    ...(options.tsconfigpath ? { PULUMI_NODEJS_TSCONFIG_PATH: options.tsconfigpath } : {}),
  };
}

/** Finds a module of `@pulumi/pulumi` as the program would load it: from the program's directory upwards. */
export function locateModule(request: string, programDirectory: string): string {
  try {
    return require.resolve(request, { paths: [programDirectory] });
  } catch {
    throw new Error(
      `It looks like the Pulumi SDK has not been installed. Have you run npm install? (${request} not found from ${programDirectory})`,
    );
  }
}

/** One provider package a program uses, as `GetRequiredPackages` reports it. */
export interface RequiredPackage {
  readonly name: string;
  readonly version: string;
  readonly server: string;
}

interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly pulumi?: { resource?: boolean; name?: string; version?: string; server?: string };
}

function readPackageJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, "utf8")) as PackageJson;
}

/**
 * The resource plugins the program needs: every dependency whose `package.json` says `"pulumi": {"resource": true}`,
 * named and versioned as Pulumi's host names them (`getPluginName`, `getPluginVersion`). Pulumi's host walks the
 * whole `node_modules` tree; the program's direct dependencies are where this repository's providers are.
 */
export function requiredPackages(programDirectory: string): RequiredPackage[] {
  let dir = programDirectory;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return [];
  const own = readPackageJson(manifest);
  const names = Object.keys({ ...own.dependencies, ...own.devDependencies }).sort();
  const packages: RequiredPackage[] = [];
  for (const name of names) {
    // Read by path: packages with an `exports` map do not export their package.json.
    const file = join(dir, "node_modules", name, "package.json");
    if (!existsSync(file)) continue;
    const info = readPackageJson(file);
    if (info.pulumi?.resource !== true) continue;
    const plugin = info.pulumi.name ?? (name.startsWith("@pulumi/") ? name.slice("@pulumi/".length) : undefined);
    const version = info.pulumi.version ?? info.version;
    if (!plugin || !version) continue;
    packages.push({
      name: plugin,
      version: version.startsWith("v") ? version : `v${version}`,
      server: info.pulumi.server ?? "",
    });
  }
  return packages;
}

function programOf(info: langproto.ProgramInfo | undefined): {
  rootDirectory: string;
  programDirectory: string;
  entryPoint: string;
  options: RuntimeOptions;
} {
  return {
    rootDirectory: info?.getRootDirectory() ?? "",
    programDirectory: info?.getProgramDirectory() ?? process.cwd(),
    entryPoint: info?.getEntryPoint() ?? ".",
    options: runtimeOptions(info?.getOptions()?.toJavaScript() as Record<string, unknown> | undefined),
  };
}

type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;

/** The LanguageRuntime service implementation; `engineAddress` is the address the CLI started the host with. */
export function languageRuntime(state: { engineAddress: string }): grpc.UntypedServiceImplementation {
  const handshake: Unary<langproto.LanguageHandshakeRequest, langproto.LanguageHandshakeResponse> = (call, cb) => {
    if (call.request.getEngineAddress()) state.engineAddress = call.request.getEngineAddress();
    cb(null, new langproto.LanguageHandshakeResponse());
  };

  const getPluginInfo: Unary<emptyproto.Empty, pluginproto.PluginInfo> = (_call, cb) => {
    const info = new pluginproto.PluginInfo();
    info.setVersion(sdkVersion());
    cb(null, info);
  };

  const getRequiredPackages: Unary<langproto.GetRequiredPackagesRequest, langproto.GetRequiredPackagesResponse> = (
    call,
    cb,
  ) => {
    const response = new langproto.GetRequiredPackagesResponse();
    const { programDirectory } = programOf(call.request.getInfo());
    for (const pkg of requiredPackages(programDirectory)) {
      const dep = new pluginproto.PackageDependency();
      dep.setKind("resource");
      dep.setName(pkg.name);
      dep.setVersion(pkg.version);
      dep.setServer(pkg.server);
      response.addPackages(dep);
    }
    cb(null, response);
  };

  const unimplemented =
    (method: string): grpc.handleUnaryCall<unknown, unknown> =>
    (_call, cb) =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by this language host` });

  const run: Unary<langproto.RunRequest, langproto.RunResponse> = (call, cb) => {
    const req = call.request;
    const program = programOf(req.getInfo());
    const response = new langproto.RunResponse();
    let runPath: string;
    try {
      runPath = locateModule("@pulumi/pulumi/cmd/run", program.programDirectory);
    } catch (err) {
      response.setError((err as Error).message);
      cb(null, response);
      return;
    }
    const spec: ProgramRun = {
      monitorAddress: req.getMonitorAddress(),
      engineAddress: state.engineAddress,
      organization: req.getOrganization(),
      project: req.getProject(),
      stack: req.getStack(),
      ...program,
      dryRun: req.getDryrun(),
      parallel: req.getParallel(),
      args: req.getArgsList(),
      config: new Map(req.getConfigMap().toArray()),
      configSecretKeys: req.getConfigsecretkeysList(),
    };
    const child = spawn(process.execPath, runArguments(runPath, spec), {
      env: runEnvironment(spec, process.env),
      stdio: ["ignore", "inherit", "inherit"],
    });
    const cancel = () => child.kill("SIGINT");
    call.on("cancelled", cancel);
    child.on("error", (err) => {
      response.setError(`Problem executing program (could not run language executor): ${err.message}`);
      cb(null, response);
    });
    child.on("exit", (code, signal) => {
      call.off("cancelled", cancel);
      if (code === EXIT_AFTER_USER_MESSAGE) response.setBail(true);
      else if (code !== 0) response.setError(`Program exited with non-zero exit code: ${code ?? signal}`);
      cb(null, response);
    });
  };

  const runPlugin: grpc.handleServerStreamingCall<langproto.RunPluginRequest, langproto.RunPluginResponse> = (call) => {
    const req = call.request;
    const program = programOf(req.getInfo());
    const send = (set: (r: langproto.RunPluginResponse) => void) => {
      const message = new langproto.RunPluginResponse();
      set(message);
      call.write(message);
    };
    // Only policy packs are plugins of this host; Pulumi's host starts them with `cmd/run-policy-pack`, the
    // pack's arguments before its directory, and the pack's directory as working directory.
    if (req.getKind() !== "analyzer") {
      call.emit("error", {
        code: grpc.status.UNIMPLEMENTED,
        details: `plugins of kind ${req.getKind()} are not run by this host`,
      });
      return;
    }
    let runPath: string;
    try {
      runPath = locateModule("@pulumi/pulumi/cmd/run-policy-pack", program.programDirectory);
    } catch (err) {
      call.emit("error", { code: grpc.status.FAILED_PRECONDITION, details: (err as Error).message });
      return;
    }
    const env: NodeJS.ProcessEnv = {};
    const given = req.getEnvList();
    for (const entry of given.length > 0 ? given : Object.entries(process.env).map(([k, v]) => `${k}=${v}`)) {
      const at = entry.indexOf("=");
      if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
    }
    const child = spawn(
      process.execPath,
      [runPath, ...program.options.nodeargs, ...req.getArgsList(), program.programDirectory],
      {
        cwd: program.programDirectory,
        env: { ...env, ...typeScriptEnvironment(program.options) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout.on("data", (chunk: Buffer) => send((m) => m.setStdout(chunk)));
    child.stderr.on("data", (chunk: Buffer) => send((m) => m.setStderr(chunk)));
    call.on("cancelled", () => child.kill());
    child.on("error", (err) => send((m) => m.setStderr(Buffer.from(`${err.message}\n`))));
    child.on("close", (code) => {
      send((m) => m.setExitcode(code ?? 1));
      call.end();
    });
  };

  const installDependencies: grpc.handleServerStreamingCall<
    langproto.InstallDependenciesRequest,
    langproto.InstallDependenciesResponse
  > = (call) => {
    // Dependencies are the repository's (`npm ci`); there is nothing to install per stack.
    call.end();
  };

  const about: Unary<langproto.AboutRequest, langproto.AboutResponse> = (_call, cb) => {
    const response = new langproto.AboutResponse();
    response.setExecutable(process.execPath);
    response.setVersion(process.version);
    cb(null, response);
  };

  const getProgramDependencies: Unary<
    langproto.GetProgramDependenciesRequest,
    langproto.GetProgramDependenciesResponse
  > = (_call, cb) => cb(null, new langproto.GetProgramDependenciesResponse());

  const cancel: Unary<emptyproto.Empty, emptyproto.Empty> = (_call, cb) => cb(null, new emptyproto.Empty());

  return {
    handshake,
    getRequiredPlugins: unimplemented("GetRequiredPlugins"),
    getRequiredPackages,
    run,
    getPluginInfo,
    installDependencies,
    runtimeOptionsPrompts: (_call: unknown, cb: grpc.sendUnaryData<langproto.RuntimeOptionsResponse>) =>
      cb(null, new langproto.RuntimeOptionsResponse()),
    template: unimplemented("Template"),
    about,
    getProgramDependencies,
    runPlugin,
    generateProgram: unimplemented("GenerateProgram"),
    generateProject: unimplemented("GenerateProject"),
    generatePackage: unimplemented("GeneratePackage"),
    pack: unimplemented("Pack"),
    link: unimplemented("Link"),
    cancel,
  } as grpc.UntypedServiceImplementation;
}

function sdkVersion(): string {
  const { version } = readPackageJson(require.resolve("@pulumi/pulumi/package.json"));
  return version ?? "0.0.0";
}

/** Serves the host; the engine's address is the last argument the CLI starts it with. */
export function serve(argv: readonly string[]): Promise<grpc.Server> {
  const positional = argv.filter((a) => !a.startsWith("-"));
  const state = { engineAddress: positional[positional.length - 1] ?? "" };
  return servePlugin(langrpc.LanguageRuntimeService, languageRuntime(state));
}

if (require.main === module) {
  if (process.argv.includes("-version") || process.argv.includes("--version")) {
    process.stdout.write(`${sdkVersion()}\n`);
  } else {
    serve(process.argv.slice(2)).catch((err: Error) => {
      process.stderr.write(`pulumi-language-nodejs: ${err.message}\n`);
      process.exit(1);
    });
  }
}
