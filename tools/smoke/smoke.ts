/**
 * The exit proof's smoke check: after a deploy, request the application's health endpoint over HTTPS by its public
 * DNS name and fail unless it answers 2xx before a deadline.
 *
 * `node -r ts-node/register tools/smoke/smoke.ts --url https://eve.lab.example.com/healthz [--ca FILE] [--timeout 60s]`, or
 * `--stack eve-skill-farm` instead of `--url` to request the `healthUrl` output of the deployed stack (the pipeline's
 * `smoke:eve-skill-farm` job does that, so the URL is never written twice).
 *
 * Every failure is retried until the deadline, certificate errors included: right after a deploy, DNS may not have
 * propagated yet and Traefik serves its own self-signed certificate until cert-manager has the real one.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import * as https from "node:https";
import { promisify } from "node:util";
import { eveSkillFarmOutputs } from "../../stacks/eve-skill-farm/outputs";

/** Options of {@link smokeCheck}. */
export interface SmokeOptions {
  /** The health endpoint, `https://…`. */
  readonly url: string;
  /** PEM bundle to trust instead of the system's CAs (e.g. Let's Encrypt staging). @default the system's CAs */
  readonly ca?: string;
  /** How long to keep trying, in milliseconds. @default 60000 */
  readonly timeoutMs?: number;
  /** How long one request may take, in milliseconds. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Waits between attempts (injectable so tests need not wait). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The clock the deadline is measured on (injectable with `sleep`). @default Date.now */
  readonly now?: () => number;
}

/** A passed check. */
export interface SmokeResult {
  readonly status: number;
  readonly attempts: number;
}

/** The check failed: the message says what was requested, for how long, and the last answer or error. */
export class SmokeCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SmokeCheckError";
  }
}

type Outcome = { readonly status: number } | { readonly error: string };

function attempt(url: string, ca: string | undefined, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = https.request(
      url,
      {
        method: "GET",
        agent: false,
        timeout: timeoutMs,
        headers: { "user-agent": "foundation-smoke" },
        ...(ca === undefined ? {} : { ca }),
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${seconds(timeoutMs)}`)));
    request.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code === undefined ? error.message : `${error.message} (${error.code})` }),
    );
    request.end();
  });
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

function describe(outcome: Outcome): string {
  return "status" in outcome ? `last answer: HTTP ${outcome.status}` : `last error: ${outcome.error}`;
}

/**
 * Requests `url` until it answers 2xx or `timeoutMs` has passed, pausing 1 s, 2 s, 4 s … (at most 10 s) between
 * attempts; the last attempt starts at the deadline at the latest, so the check ends within `timeoutMs` plus one
 * `requestTimeoutMs`. Resolves with the status; rejects with a {@link SmokeCheckError} naming the last answer or
 * error.
 */
export async function smokeCheck(options: SmokeOptions): Promise<SmokeResult> {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new SmokeCheckError(`smoke check: url '${options.url}' is not a URL; give https://<host>/<health path>`);
  }
  if (parsed.protocol !== "https:") {
    throw new SmokeCheckError(`smoke check: url '${options.url}' must be https://; the check proves TLS works too`);
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + timeoutMs;
  let pause = 1000;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const outcome = await attempt(options.url, options.ca, requestTimeoutMs);
    if ("status" in outcome && outcome.status >= 200 && outcome.status < 300) {
      return { status: outcome.status, attempts };
    }
    const remaining = deadline - now();
    if (remaining <= 0) {
      throw new SmokeCheckError(
        `smoke check failed: ${options.url} did not answer 2xx within ${seconds(timeoutMs)} (${attempts} attempt${attempts === 1 ? "" : "s"}); ${describe(outcome)}`,
      );
    }
    await sleep(Math.min(pause, remaining));
    pause = Math.min(pause * 2, 10_000);
  }
}

/** Parses `90s`, `2m` or `1500ms` into milliseconds; throws naming `--timeout` otherwise. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+)(ms|s|m)$/.exec(text);
  if (!match || Number(match[1]) === 0) {
    throw new SmokeCheckError(`--timeout '${text}' must be a positive duration such as 60s, 2m or 1500ms`);
  }
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as "ms" | "s" | "m"];
}

/** Command-line arguments of the smoke check: the health endpoint itself, or the stack whose output names it. */
export type SmokeCli = ({ readonly url: string } | { readonly stack: string }) & {
  readonly caFile?: string;
  readonly timeoutMs: number;
};

const USAGE = "usage: smoke.ts (--url https://… | --stack eve-skill-farm) [--ca FILE] [--timeout 60s]";

/** Parses the command line; throws a {@link SmokeCheckError} that names the bad flag. */
export function parseArgs(argv: readonly string[]): SmokeCli {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (!["--url", "--stack", "--ca", "--timeout"].includes(flag)) {
      throw new SmokeCheckError(`unknown argument '${flag}'; ${USAGE}`);
    }
    if (argv[i + 1] === undefined) throw new SmokeCheckError(`${flag} needs a value`);
    values[flag] = argv[i + 1];
  }
  const url = values["--url"];
  const stack = values["--stack"];
  if (url !== undefined && stack !== undefined) {
    throw new SmokeCheckError("--url and --stack both name the endpoint; give one of them");
  }
  if (url === undefined && stack === undefined) {
    throw new SmokeCheckError(
      "--url or --stack is required, e.g. --url https://eve.lab.example.com/healthz or --stack eve-skill-farm",
    );
  }
  return {
    ...(url === undefined ? { stack: stack as string } : { url }),
    ...(values["--ca"] === undefined ? {} : { caFile: values["--ca"] }),
    timeoutMs: values["--timeout"] === undefined ? 60_000 : parseDuration(values["--timeout"]),
  };
}

/** Reads a deployed stack's outputs: the parsed JSON of `pulumi stack output --json`. */
export type StackOutputsReader = (stack: string) => Promise<unknown>;

/**
 * Reads the outputs with the Pulumi CLI, as the pipeline's smoke job is logged in to the state backend. Without
 * `--show-secrets`, so no secret output is ever printed or held here
 * (https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_output/).
 */
export const pulumiStackOutputs: StackOutputsReader = async (stack) => {
  const { stdout } = await promisify(execFile)("pulumi", ["stack", "output", "--json", "--stack", stack], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as unknown;
};

/**
 * The health endpoint the `eve-skill-farm` contract's `healthUrl` output names, read from `outputs` (the stack's
 * outputs as {@link StackOutputsReader} returns them); throws a {@link SmokeCheckError} naming the stack and the fix
 * when the output is missing or not an https URL.
 */
export function healthUrlOf(stack: string, outputs: unknown): string {
  const value = (outputs as Record<string, unknown> | null)?.healthUrl;
  if (!eveSkillFarmOutputs.healthUrl.schema.safeParse(value).success) {
    throw new SmokeCheckError(
      `stack '${stack}' has no https healthUrl output (got ${JSON.stringify(value) ?? "nothing"}); ` +
        `deploy it with this version of Foundation first (pulumi up --stack ${stack})`,
    );
  }
  return value as string;
}

/** What {@link main} talks to; injectable so tests need no Pulumi CLI. */
export interface SmokeDependencies {
  /** @default {@link pulumiStackOutputs} */
  readonly readOutputs?: StackOutputsReader;
}

/** Runs the CLI: exit 0 when the endpoint answered 2xx, 1 when it did not, 2 for bad arguments or no endpoint. */
export async function main(argv: readonly string[], deps: SmokeDependencies = {}): Promise<number> {
  let cli: SmokeCli;
  let url: string;
  let ca: string | undefined;
  try {
    cli = parseArgs(argv);
    ca = cli.caFile === undefined ? undefined : readFileSync(cli.caFile, "utf8");
    url = "url" in cli ? cli.url : healthUrlOf(cli.stack, await (deps.readOutputs ?? pulumiStackOutputs)(cli.stack));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  try {
    const result = await smokeCheck({ url, timeoutMs: cli.timeoutMs, ...(ca === undefined ? {} : { ca }) });
    process.stdout.write(`smoke check passed: ${url} answered ${result.status} (attempt ${result.attempts})\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return error instanceof SmokeCheckError ? 1 : 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
