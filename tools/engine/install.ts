/**
 * `npm run engine:install`: the Pulumi CLI at exactly the `@pulumi/pulumi` version the lockfile pins, plus the
 * plugins the stacks need, under the git-ignored `.engine/` (or `$FOUNDATION_ENGINE_DIR`).
 *
 * - **CLI.** A `pulumi` on `PATH` that reports the pinned version is used as it is, which is how users run it.
 *   Otherwise the CLI is built from its Go module, `github.com/pulumi/pulumi/pkg/v3`, through a small wrapper
 *   module: `go install module@version` refuses modules whose go.mod has `replace` directives, so the wrapper
 *   requires `pkg/v3` and `sdk/v3` at the pinned version and repeats the replaces of `pkg/go.mod` that point at
 *   published modules (https://go.dev/ref/mod#go-install). A build of the same version is reused.
 * - **Launchers** the CLI's release archive ships beside the binary, written here: the Node.js language host
 *   (tools/engine/language-host.ts, because the Go module proxy does not serve Pulumi's own) and the dynamic
 *   provider host `pulumi-resource-pulumi-nodejs`, which runs `@pulumi/pulumi/cmd/dynamic-provider` as Pulumi's
 *   script does. Policy packs need no launcher of their own: with a language host present the CLI runs them through
 *   its `RunPlugin`.
 * - **Provider plugins**, one per provider SDK in package.json at the SDK's version: the real plugin is built from
 *   its Go module where the module proxy serves it and it builds; otherwise a stand-in
 *   (tools/engine/stand-in-provider.ts) is installed under the real name and version, and the reason is recorded.
 *
 * `.engine/install.json` records what was installed; `npm run engine` reads it and reports it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The repository root. */
export const ROOT = resolve(__dirname, "..", "..");

/** Where the engine lives: `$FOUNDATION_ENGINE_DIR` or `<root>/.engine`. */
export function engineDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.FOUNDATION_ENGINE_DIR ?? join(ROOT, ".engine"));
}

/** The module of the Pulumi CLI, and its command. */
export const CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3";
const CLI_COMMAND = `${CLI_MODULE}/cmd/pulumi`;
const SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";
/** The linker flag that stamps the version into the CLI, as Pulumi's release build does. */
const VERSION_SYMBOL = `${SDK_MODULE}/go/common/version.Version`;

/** One provider plugin the stacks need. */
export interface PluginRecord {
  readonly name: string;
  readonly version: string;
  /** True when the real plugin was built; false for a stand-in. */
  readonly real: boolean;
  /** Why the real plugin is not used (the module proxy's or the compiler's words). */
  readonly error?: string;
}

/** What `.engine/install.json` records. */
export interface InstallRecord {
  readonly cli: { readonly version: string; readonly path: string; readonly source: "path" | "built" };
  /** The language host the CLI uses: Pulumi's own next to a `pulumi` from PATH, or this repository's. */
  readonly languageHost: "pulumi" | "foundation";
  /** Directory to put first on PATH (launchers, and the CLI when built). */
  readonly binDir: string;
  /** `PULUMI_HOME` holding the plugins. */
  readonly pulumiHome: string;
  readonly plugins: readonly PluginRecord[];
  /** Seconds the install took. */
  readonly seconds: number;
}

/** A provider SDK of package.json: the plugin it needs and the Go module the plugin is built from. */
export interface ProviderSdk {
  readonly name: string;
  readonly version: string;
  readonly module: string;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly repository?: string | { readonly url: string };
  readonly pulumi?: { readonly resource?: boolean; readonly name?: string; readonly version?: string };
  readonly dependencies?: Record<string, string>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** The version of `@pulumi/pulumi` that `npm ci` installs, from the lockfile. */
export function pinnedSdkVersion(root = ROOT): string {
  const lock = readJson<{ packages: Record<string, { version?: string }> }>(join(root, "package-lock.json"));
  const version = lock.packages["node_modules/@pulumi/pulumi"]?.version;
  if (!version) throw new Error("package-lock.json does not pin @pulumi/pulumi; run npm install first");
  return version;
}

/**
 * The Go module a provider plugin is built from: `<repository>/provider/v<major>`, the layout of Pulumi's provider
 * repositories (https://github.com/pulumi/pulumi-tf-provider-boilerplate).
 */
export function providerModule(pkg: PackageJson): string {
  const url = typeof pkg.repository === "string" ? pkg.repository : (pkg.repository?.url ?? "");
  const repo = url
    .replace(/^git\+/, "")
    .replace(/\.git$/, "")
    .replace(/^https:\/\//, "");
  const major = Number(pkg.version.split(".")[0]);
  return `${repo}/provider${major >= 2 ? `/v${major}` : ""}`;
}

/** The provider SDKs among the repository's dependencies. */
export function providerSdks(root = ROOT): ProviderSdk[] {
  const own = readJson<PackageJson>(join(root, "package.json"));
  return Object.keys(own.dependencies ?? {})
    .sort()
    .map((dep) => readJson<PackageJson>(join(root, "node_modules", dep, "package.json")))
    .filter((pkg) => pkg.pulumi?.resource === true)
    .map((pkg) => ({
      name: pkg.pulumi?.name ?? pkg.name.replace(/^@pulumi\//, ""),
      version: pkg.pulumi?.version ?? pkg.version,
      module: providerModule(pkg),
    }));
}

/** The `replace` directives of a go.mod that point at published modules (not at local paths). */
export function publishedReplaces(goMod: string): string[] {
  const lines: string[] = [];
  const collect = (body: string) => {
    const [from, to] = body.split("=>").map((s) => s.trim());
    if (from && to && !to.startsWith(".") && !to.startsWith("/") && to.split(/\s+/).length === 2) {
      lines.push(`${from} => ${to}`);
    }
  };
  const block = /^replace\s*\(([\s\S]*?)^\)/gm;
  for (const match of goMod.matchAll(block))
    match[1]
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .forEach(collect);
  for (const match of goMod.matchAll(/^replace\s+([^(\n][^\n]*)$/gm)) collect(match[1]);
  return lines;
}

/** The wrapper module that builds the CLI at `version`. */
export function wrapperGoMod(version: string, goDirective: string, replaces: readonly string[]): string {
  return [
    "module foundation.local/pulumi-cli",
    "",
    `go ${goDirective}`,
    "",
    "require (",
    `\t${CLI_MODULE} v${version}`,
    `\t${SDK_MODULE} v${version}`,
    ")",
    "",
    ...replaces.map((r) => `replace ${r}`),
    "",
    `tool ${CLI_COMMAND}`,
    "",
  ].join("\n");
}

function log(message: string): void {
  process.stderr.write(`engine:install: ${message}\n`);
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${cmd} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout).trim().split("\n").slice(-6).join("\n");
    throw new Error(`${cmd} ${args.join(" ")} exited ${result.status}:\n${detail}`);
  }
  return result.stdout;
}

/** The version a `pulumi` binary reports, or undefined when it does not run. */
export function cliVersion(binary: string): string | undefined {
  try {
    return execFileSync(binary, ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The module proxy's record of `module@version`; its error when the proxy does not serve it. */
function goModuleInfo(module: string, dir: string): { GoMod: string; Dir: string } {
  // `go mod download` needs a module to run in; any will do.
  const scratch = join(dir, "go-scratch");
  mkdirSync(scratch, { recursive: true });
  if (!existsSync(join(scratch, "go.mod"))) writeFileSync(join(scratch, "go.mod"), "module scratch\n\ngo 1.25\n");
  const result = spawnSync("go", ["mod", "download", "-json", module], { cwd: scratch, encoding: "utf8" });
  if (result.error) throw new Error(`go mod download ${module}: ${result.error.message}`);
  const info = JSON.parse(result.stdout || "{}") as { GoMod?: string; Dir?: string; Error?: string };
  if (info.Error || result.status !== 0 || !info.GoMod || !info.Dir) {
    throw new Error(info.Error ?? `go mod download ${module} exited ${result.status}: ${result.stderr.trim()}`);
  }
  return { GoMod: info.GoMod, Dir: info.Dir };
}

/** Builds the CLI at `version` into `<dir>/pulumi-v<version>/bin/pulumi`, reusing an earlier build. */
export function buildCli(version: string, dir: string): string {
  const work = join(dir, `pulumi-v${version}`);
  const binary = join(work, "bin", "pulumi");
  if (cliVersion(binary) === `v${version}`) {
    log(`reusing the CLI built at ${binary}`);
    return binary;
  }
  mkdirSync(join(work, "bin"), { recursive: true });
  log(`building the Pulumi CLI v${version} from ${CLI_MODULE} (minutes on a cold module and build cache)`);
  // What the wrapper repeats comes from the CLI's own go.mod, as the module proxy serves it.
  const cliGoMod = readFileSync(goModuleInfo(`${CLI_MODULE}@v${version}`, dir).GoMod, "utf8");
  const goDirective = /^go\s+(\S+)/m.exec(cliGoMod)?.[1] ?? "1.25";
  writeFileSync(join(work, "go.mod"), wrapperGoMod(version, goDirective, publishedReplaces(cliGoMod)));
  run("go", ["mod", "tidy"], work);
  run(
    "go",
    ["build", "-trimpath", "-ldflags", `-s -w -X ${VERSION_SYMBOL}=v${version}`, "-o", binary, CLI_COMMAND],
    work,
  );
  const built = cliVersion(binary);
  if (built !== `v${version}`) throw new Error(`the built CLI reports ${built ?? "nothing"}, not v${version}`);
  return binary;
}

function writeLauncher(file: string, lines: readonly string[]): void {
  writeFileSync(file, ["#!/bin/sh", ...lines, ""].join("\n"));
  chmodSync(file, 0o755);
}

/** How the launchers start a TypeScript file of this repository with node. */
function nodeTs(script: string): string {
  return `exec node -r "${join(ROOT, "tools", "register.js")}" "${join(ROOT, script)}"`;
}

/** Writes the launchers the release archive would ship. */
export function writeLaunchers(binDir: string, withLanguageHost: boolean): void {
  mkdirSync(binDir, { recursive: true });
  if (withLanguageHost) {
    writeLauncher(join(binDir, "pulumi-language-nodejs"), [`${nodeTs("tools/engine/language-host.ts")} "$@"`]);
  }
  // As Pulumi's own script: the dynamic provider host of the @pulumi/pulumi the program uses.
  writeLauncher(join(binDir, "pulumi-resource-pulumi-nodejs"), [
    `exec node "$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")" "$@"`,
  ]);
}

/** Tries to build the real plugin of `sdk`; the error says why not. */
function buildRealPlugin(sdk: ProviderSdk, dir: string): { binary: string } | { error: string } {
  const work = join(dir, "providers", `${sdk.name}-v${sdk.version}`);
  const binary = join(work, `pulumi-resource-${sdk.name}`);
  if (existsSync(binary)) return { binary };
  mkdirSync(work, { recursive: true });
  try {
    const info = goModuleInfo(`${sdk.module}@v${sdk.version}`, dir);
    writeFileSync(
      join(work, "go.mod"),
      [
        "module foundation.local/provider",
        "",
        `go ${/^go\s+(\S+)/m.exec(readFileSync(info.GoMod, "utf8"))?.[1] ?? "1.25"}`,
        "",
        `require ${sdk.module} v${sdk.version}`,
        "",
        ...publishedReplaces(readFileSync(info.GoMod, "utf8")).map((r) => `replace ${r}`),
        "",
        `tool ${sdk.module}/cmd/pulumi-resource-${sdk.name}`,
        "",
      ].join("\n"),
    );
    run("go", ["mod", "tidy"], work);
    run("go", ["build", "-trimpath", "-o", binary, `${sdk.module}/cmd/pulumi-resource-${sdk.name}`], work);
    return { binary };
  } catch (err) {
    return { error: (err as Error).message.split("\n").filter(Boolean).slice(-3).join(" ").trim() };
  }
}

/** The launcher of a stand-in plugin. */
function standInLauncher(sdk: ProviderSdk): string[] {
  return [`${nodeTs("tools/engine/stand-in-provider.ts")} ${sdk.name} ${sdk.version} "$@"`];
}

/** True when the plugin `record` describes is installed as it would be installed now. */
function pluginInstalled(home: string, sdk: ProviderSdk, record: PluginRecord): boolean {
  const file = join(home, "plugins", `resource-${sdk.name}-v${sdk.version}`, `pulumi-resource-${sdk.name}`);
  if (!existsSync(file)) return false;
  // A stand-in is a launcher: it is current when it launches what this checkout would.
  return record.real || readFileSync(file, "utf8") === ["#!/bin/sh", ...standInLauncher(sdk), ""].join("\n");
}

/** Installs the CLI, launchers and plugins; returns what it installed. */
export function install(options: { dir?: string; reinstallPlugins?: boolean } = {}): InstallRecord {
  const started = Date.now();
  const dir = options.dir ?? engineDir();
  const version = pinnedSdkVersion();
  const pulumiHome = join(dir, "home");
  mkdirSync(pulumiHome, { recursive: true });

  const fromPath = onPath("pulumi");
  let cli: InstallRecord["cli"];
  if (fromPath && cliVersion(fromPath) === `v${version}`) {
    log(`using ${fromPath} (v${version})`);
    cli = { version, path: fromPath, source: "path" };
  } else {
    cli = { version, path: buildCli(version, dir), source: "built" };
  }
  const languageHost = cli.source === "path" && existsSync(join(dirname(cli.path), "pulumi-language-nodejs"));
  // Beside a built CLI, where the CLI looks for the plugins its release archive bundles; beside the engine dir
  // for a CLI from PATH, whose own launchers come first.
  const binDir = cli.source === "built" ? dirname(cli.path) : join(dir, "bin");
  writeLaunchers(binDir, !languageHost);

  const previous = existsSync(join(dir, "install.json"))
    ? readJson<InstallRecord>(join(dir, "install.json")).plugins
    : [];
  const env = { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" };
  const plugins: PluginRecord[] = [];
  for (const sdk of providerSdks()) {
    const known = previous.find((p) => p.name === sdk.name && p.version === sdk.version);
    if (known && !options.reinstallPlugins && pluginInstalled(pulumiHome, sdk, known)) {
      plugins.push(known);
      continue;
    }
    const real = buildRealPlugin(sdk, dir);
    let file: string;
    if ("binary" in real) {
      file = real.binary;
      plugins.push({ name: sdk.name, version: sdk.version, real: true });
    } else {
      file = join(dir, "providers", `stand-in-${sdk.name}-v${sdk.version}`);
      writeLauncher(file, standInLauncher(sdk));
      plugins.push({ name: sdk.name, version: sdk.version, real: false, error: real.error });
    }
    run(cli.path, ["plugin", "install", "resource", sdk.name, sdk.version, "--file", file, "--reinstall"], ROOT, env);
    log(`${sdk.name} v${sdk.version}: ${"binary" in real ? "real plugin" : `stand-in (${real.error})`}`);
  }
  const record: InstallRecord = {
    cli,
    languageHost: languageHost ? "pulumi" : "foundation",
    binDir,
    pulumiHome,
    plugins,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "install.json"), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** Reads what `npm run engine:install` recorded, or fails with the command to run. */
export function readInstall(dir = engineDir()): InstallRecord {
  const file = join(dir, "install.json");
  if (!existsSync(file)) throw new Error(`no engine installed in ${dir}; run \`npm run engine:install\` first`);
  const record = readJson<InstallRecord>(file);
  if (record.cli.version !== pinnedSdkVersion()) {
    throw new Error(
      `the engine in ${dir} is v${record.cli.version}, the lockfile pins v${pinnedSdkVersion()}; ` +
        "run `npm run engine:install` again",
    );
  }
  return record;
}

if (require.main === module) {
  try {
    const record = install({ reinstallPlugins: process.argv.includes("--reinstall-plugins") });
    log(
      `done in ${record.seconds} s: CLI ${record.cli.source} at ${record.cli.path}; ` +
        `plugins ${record.plugins.map((p) => `${p.name} ${p.real ? "real" : "stand-in"}`).join(", ")}`,
    );
  } catch (err) {
    process.stderr.write(`engine:install: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
