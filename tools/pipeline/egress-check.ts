/**
 * The deploy runner's dry run in the pipeline's verify stage (docs/pipeline.md): from a job container on the runner
 * manager, resolve GitLab's name, fetch GitLab over HTTPS, query an NTP server over UDP 123 and open the TCP ports the
 * host firewall lets out (SSH, 22), each with a deadline. Every check prints one line that names the runner; any
 * failure fails the job.
 *
 * `node -r ./tools/register.js tools/pipeline/egress-check.ts --runner NAME [--dns HOST]... [--https URL]...
 * [--ntp HOST[:PORT]]... [--tcp HOST:PORT]...` (NTP on port 123 unless given).
 */
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { connect } from "node:net";

/** How long one check may take. */
export const CHECK_TIMEOUT_MS = 10_000;

/** One check to make. */
export type EgressCheck =
  | { readonly kind: "dns"; readonly host: string }
  | { readonly kind: "https"; readonly url: string }
  | { readonly kind: "ntp"; readonly host: string; readonly port: number }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number };

/** What one check found. */
export interface EgressResult {
  readonly check: EgressCheck;
  readonly ok: boolean;
  readonly detail: string;
}

function label(check: EgressCheck): string {
  switch (check.kind) {
    case "dns":
      return `dns ${check.host}`;
    case "https":
      return `https ${check.url}`;
    case "ntp":
      return `ntp ${check.host}:${check.port}/udp`;
    case "tcp":
      return `tcp ${check.host}:${check.port}`;
  }
}

/** The error a check that got no answer in time fails with. */
function noAnswer(timeoutMs: number): Error {
  return new Error(`no answer within ${timeoutMs / 1000} s`);
}

function dns(host: string, timeoutMs: number): Promise<string> {
  // A lookup cannot be cancelled; the deadline only stops waiting for it.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(noAnswer(timeoutMs)), timeoutMs);
  });
  const answer = lookup(host, { all: true }).then((addresses) => addresses.map((a) => a.address).join(", "));
  return Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
}

async function https(url: string, timeoutMs: number): Promise<string> {
  // Any answer below 500 proves name, route, port and TLS; GitLab's sign-in page answers without a token.
  let response: Response;
  try {
    response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    // The abort is a DOMException, which is not an Error in every realm: match it by name.
    if ((error as { name?: unknown }).name === "TimeoutError") throw noAnswer(timeoutMs);
    throw error;
  }
  await response.body?.cancel();
  if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
  return `HTTP ${response.status}`;
}

function tcp(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(noAnswer(timeoutMs));
    });
    socket.once("error", (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * An SNTP client request (RFC 4330, section 4): 48 bytes, the first one LI 0, version 4, mode 3 (client). A server
 * answers with mode 4 in the low three bits of its first byte.
 */
function ntp(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    const done = (settle: () => void) => {
      clearTimeout(timer);
      socket.close();
      settle();
    };
    const timer = setTimeout(() => done(() => reject(noAnswer(timeoutMs))), timeoutMs);
    const request = Buffer.alloc(48);
    request[0] = 0x23;
    socket.once("message", (reply) =>
      done(() =>
        reply.length >= 48 && (reply[0] & 0x07) === 4
          ? resolve(`server answered (stratum ${reply[1]})`)
          : reject(new Error("the answer is not an NTP server reply")),
      ),
    );
    socket.once("error", (error) => done(() => reject(error)));
    socket.send(request, port, host);
  });
}

/** Runs one check; a check that gets no answer within `timeoutMs` fails. */
export async function runCheck(check: EgressCheck, timeoutMs = CHECK_TIMEOUT_MS): Promise<EgressResult> {
  try {
    const detail =
      check.kind === "dns"
        ? await dns(check.host, timeoutMs)
        : check.kind === "https"
          ? await https(check.url, timeoutMs)
          : check.kind === "ntp"
            ? await ntp(check.host, check.port, timeoutMs)
            : await tcp(check.host, check.port, timeoutMs);
    return { check, ok: true, detail };
  } catch (error) {
    return { check, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Parses the command line; throws naming the bad argument. */
export function parseArguments(argv: readonly string[]): { runner: string; checks: EgressCheck[] } {
  let runner: string | undefined;
  const checks: EgressCheck[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined || value === "") throw new Error(`egress-check: ${flag} needs a value`);
    if (flag === "--runner") runner = value;
    else if (flag === "--dns") checks.push({ kind: "dns", host: value });
    else if (flag === "--https") checks.push({ kind: "https", url: value });
    else if (flag === "--ntp") {
      const match = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(value);
      if (!match) throw new Error(`egress-check: --ntp ${value} must be HOST or HOST:PORT`);
      checks.push({ kind: "ntp", host: match[1], port: Number(match[2] ?? 123) });
    } else if (flag === "--tcp") {
      const match = /^(.+):([0-9]{1,5})$/.exec(value);
      if (!match) throw new Error(`egress-check: --tcp ${value} must be HOST:PORT`);
      checks.push({ kind: "tcp", host: match[1], port: Number(match[2]) });
    } else throw new Error(`egress-check: unknown argument ${flag}; use --runner, --dns, --https, --ntp or --tcp`);
  }
  if (runner === undefined) throw new Error("egress-check: --runner NAME is required, so the output names the runner");
  if (checks.length === 0) throw new Error("egress-check: give at least one check");
  return { runner, checks };
}

/** Runs every check in order and returns the lines to print and whether all passed. */
export async function egressReport(
  runner: string,
  checks: readonly EgressCheck[],
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<{ lines: string[]; ok: boolean }> {
  const results: EgressResult[] = [];
  for (const check of checks) results.push(await runCheck(check, timeoutMs));
  const lines = results.map((r) => `runner ${runner}: ${label(r.check)}: ${r.ok ? "ok" : "FAILED"} (${r.detail})`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    failed === 0
      ? `runner ${runner}: every egress check passed`
      : `runner ${runner}: ${failed} of ${results.length} egress checks failed`,
  );
  return { lines, ok: failed === 0 };
}

if (require.main === module) {
  (async () => {
    const { runner, checks } = parseArguments(process.argv.slice(2));
    const { lines, ok } = await egressReport(runner, checks);
    for (const line of lines) console.log(line);
    process.exitCode = ok ? 0 : 1;
  })().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  });
}
