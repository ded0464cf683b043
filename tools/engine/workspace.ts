/**
 * The throwaway place the engine run works in: a project folder that shows the repository through symlinks but
 * holds its own `Pulumi.<stack>.yaml` files (copies of the examples, pointed at the doubles), a `file://` state
 * backend, and the environment every `pulumi` command of the run gets. Nothing of the repository is written.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Document, isMap, isScalar, parseDocument } from "yaml";
import { StackName } from "../../stacks/graph";
import { InstallRecord } from "./install";

/** A config key path as `pulumi config set --path` spells it: `foundation:talos.vip`, `foundation:x[0].y`. */
export type ConfigPath = string;

/** One change the run makes to an example config, reported so a reader knows what was not the example. */
export interface ConfigEdit {
  readonly path: ConfigPath;
  readonly value: unknown;
  /** Why: which double it points at, or what it exercises. */
  readonly reason: string;
}

/** A secret config value the run sets with `pulumi config set --secret`. */
export interface SecretSetting {
  readonly path: ConfigPath;
  readonly value: string;
  readonly reason: string;
}

/** Splits a `--path` key into YAML path segments: `foundation:a.b[0].c` → `["foundation:a", "b", 0, "c"]`. */
export function pathSegments(path: ConfigPath): (string | number)[] {
  const colon = path.indexOf(":");
  const namespace = path.slice(0, colon);
  const rest = path.slice(colon + 1);
  const segments: (string | number)[] = [];
  for (const part of rest.split(".")) {
    const match = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new Error(`config path ${path}: cannot read '${part}'`);
    segments.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  segments[0] = `${namespace}:${segments[0]}`;
  return segments;
}

/**
 * The example stack file with the run's edits, without what only a real backend can use (`secretsprovider`,
 * `encryptedkey`: the run's backend uses a passphrase) and without encrypted values, which only the key they were
 * made with can read; the run sets its own secret values after `pulumi stack init`. With `ownStack`, the file is one
 * of the run's own stack files, whose salt and encrypted values stay.
 */
export function stackFileFor(
  example: string,
  edits: readonly ConfigEdit[],
  options: { ownStack?: boolean } = {},
): string {
  const doc: Document = parseDocument(example);
  if (options.ownStack) {
    for (const edit of edits) doc.setIn(["config", ...pathSegments(edit.path)], doc.createNode(edit.value));
    return doc.toString();
  }
  for (const key of ["secretsprovider", "encryptedkey", "encryptionsalt"]) doc.delete(key);
  const dropSecure = (node: unknown): void => {
    if (!isMap(node)) {
      if (node && typeof node === "object" && "items" in node) {
        for (const item of (node as { items: unknown[] }).items) dropSecure(item);
      }
      return;
    }
    for (const pair of [...node.items]) {
      const value = pair.value;
      if (
        isMap(value) &&
        value.items.length === 1 &&
        isScalar(value.items[0].key) &&
        value.items[0].key.value === "secure"
      ) {
        node.delete(pair.key);
      } else dropSecure(value);
    }
  };
  dropSecure(doc.get("config", true));
  for (const edit of edits) doc.setIn(["config", ...pathSegments(edit.path)], doc.createNode(edit.value));
  return doc.toString();
}

/** What one `pulumi` command returned. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** The run's workspace. */
export interface Workspace {
  /** The project folder the CLI runs in. */
  readonly project: string;
  /** Scratch files of the run (configs, saved previews, exports). */
  readonly files: string;
  /** Writes `Pulumi.<stack>.yaml` of the project. */
  writeStackFile(stack: StackName, text: string): void;
  /** Reads it back (after `pulumi stack init` and `config set` have added to it). */
  readStackFile(stack: StackName): string;
  /** Runs `pulumi <args>` in the project; never throws for a non-zero exit. */
  pulumi(args: readonly string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Removes everything. */
  dispose(): void;
}

/** The passphrase of the run's throwaway backend, and of nothing else. */
export const RUN_PASSPHRASE = "foundation-engine-run-throwaway-backend";

/** Opens a workspace over `root`; `env` is added to every command's environment (the doubles' addresses). */
export function openWorkspace(root: string, install: InstallRecord, env: NodeJS.ProcessEnv): Workspace {
  const base = mkdtempSync(join(tmpdir(), "foundation-engine-"));
  const project = join(base, "project");
  const files = join(base, "files");
  const state = join(base, "state");
  for (const dir of [project, files, state]) mkdirSync(dir);
  for (const entry of readdirSync(root)) {
    if (/^Pulumi\..+\.yaml$/.test(entry) || entry === ".git" || entry === ".engine") continue;
    symlinkSync(join(root, entry), join(project, entry));
  }
  const commandEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    PATH: `${install.binDir}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: install.pulumiHome,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: RUN_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    // `--event-log`, the structured record of policy events, is offered only with it (as the Automation API runs).
    PULUMI_DEBUG_COMMANDS: "true",
    NO_COLOR: "1",
  };
  const stackFile = (stack: StackName) => join(project, `Pulumi.${stack}.yaml`);
  return {
    project,
    files,
    writeStackFile: (stack, text) => writeFileSync(stackFile(stack), text),
    readStackFile: (stack) => readFileSync(stackFile(stack), "utf8"),
    pulumi(args, options = {}) {
      const started = Date.now();
      return new Promise((resolve) => {
        const child = spawn(install.cli.path, [...args, "--non-interactive"], {
          cwd: project,
          env: commandEnv,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 15 * 60_000);
        child.on("close", (code, signal) => {
          clearTimeout(timer);
          resolve({
            code: code ?? (signal ? 128 : 1),
            stdout,
            stderr: signal ? `${stderr}\nkilled by ${signal} (timeout)` : stderr,
            seconds: (Date.now() - started) / 1000,
          });
        });
      });
    },
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}
