/**
 * `npm run bench`: prints the offline plan's median wall time and peak memory over several runs, beside the same
 * figures for a floor (Node, the SDKs, the mock runtime registering one resource) measured in the same run, their
 * ratio, and the test suite's wall time. Figures, not assertions: targets live here, not in timed tests.
 *
 *   npm run bench -- [--runs N] [--skip-tests]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-bench-"));

interface Sample {
  readonly ms: number;
  readonly rssKiB: number;
}

function runOnce(script: string, args: string[], label: string, i: number): Sample {
  const rssFile = join(scratch, `${label}-${i}.rss`);
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    ["-r", join(__dirname, "register.js"), "-r", join(__dirname, "bench", "rss-probe.ts"), script, ...args],
    { cwd: root, env: { ...process.env, BENCH_RSS_FILE: rssFile }, stdio: ["ignore", "ignore", "pipe"] },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status}): ${result.stderr.toString()}`);
  return { ms, rssKiB: Number(readFileSync(rssFile, "utf8")) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function measure(label: string, script: string, args: string[], runs: number) {
  const samples = Array.from({ length: runs }, (_, i) => runOnce(script, args, label, i));
  return {
    label,
    medianMs: median(samples.map((s) => s.ms)),
    peakMiB: Math.max(...samples.map((s) => s.rssKiB)) / 1024,
  };
}

function main(): void {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "5" }, "skip-tests": { type: "boolean", default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);

  const floor = measure("floor (node + SDKs + one resource)", join(__dirname, "bench", "floor.ts"), [], runs);
  const plan = measure("plan of all four stacks (--json)", join(__dirname, "plan", "cli.ts"), ["--json"], runs);
  const rows = [floor, plan].map(
    (r) => `${r.label.padEnd(40)} ${r.medianMs.toFixed(0).padStart(7)} ms  ${r.peakMiB.toFixed(0).padStart(5)} MiB`,
  );
  process.stdout.write(`runs per figure: ${runs} (median wall time, peak RSS)\n`);
  process.stdout.write(`${rows.join("\n")}\n`);
  process.stdout.write(
    `plan / floor: ${(plan.medianMs / floor.medianMs).toFixed(2)}x time, ${(plan.peakMiB / floor.peakMiB).toFixed(2)}x memory\n`,
  );

  if (!values["skip-tests"]) {
    const started = process.hrtime.bigint();
    const tests = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "--silent"], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const verdict = tests.status === 0 ? "passed" : `failed (exit ${tests.status})`;
    process.stdout.write(`test suite: ${seconds.toFixed(1)} s wall, ${verdict}\n`);
  }
}

main();
