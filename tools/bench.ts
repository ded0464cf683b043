/**
 * `npm run bench`: the figures of fast feedback, side by side from one run on this machine. Figures, not
 * assertions: targets live here and in the README, never in timed tests.
 *
 *   npm run bench -- [--runs N] [--skip-tests] [--skip-growth]
 *
 * - the floor (Node, the SDKs the plan loads, the recording runtime registering one resource), the plan of each
 *   stack (with the upstream stacks it needs) and of all four, as median wall time and peak memory, and the
 *   all-stack plan's ratio to the floor;
 * - growth: the plan of `aws` with 1, 4 and 16 runner pools and of `lab` with 3, 5 and 9 Talos nodes, with the
 *   time each added pool or node costs, which stays flat when growth is linear;
 * - `tsc --noEmit` and the test suite as `.ci/run` runs it (`npm test` with `CI=true`), wall time.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";

const root = resolve(__dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "foundation-bench-"));
const planCli = join(__dirname, "plan", "cli.ts");

interface Sample {
  readonly ms: number;
  readonly rssKiB: number;
}

interface Row {
  readonly label: string;
  readonly medianMs: number;
  readonly peakMiB: number;
}

function runOnce(script: string, args: readonly string[], label: string, i: number): Sample {
  const rssFile = join(scratch, `${label.replace(/\W+/g, "-")}-${i}.rss`);
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function measure(label: string, script: string, args: readonly string[], runs: number): Row {
  const samples = Array.from({ length: runs }, (_, i) => runOnce(script, args, label, i));
  return {
    label,
    medianMs: median(samples.map((s) => s.ms)),
    peakMiB: Math.max(...samples.map((s) => s.rssKiB)) / 1024,
  };
}

function line(row: Row): string {
  return `${row.label.padEnd(46)} ${row.medianMs.toFixed(0).padStart(7)} ms  ${row.peakMiB.toFixed(0).padStart(5)} MiB`;
}

/** Writes a copy of `Pulumi.<stack>.yaml` with the value of `key` changed by `edit`, and returns its path. */
function stackFileWith<T>(stack: string, name: string, key: string, edit: (value: T) => void): string {
  const doc = parseDocument(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8"));
  const value = (doc.toJS() as { config: Record<string, T> }).config[key];
  edit(value);
  doc.setIn(["config", key], value);
  const file = join(scratch, `Pulumi.${stack}.${name}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}

/** The `aws` stack file with `count` runner pools, each a copy of the first under its own name and tag. */
function withPools(count: number): string {
  return stackFileWith<{ pools: Record<string, unknown>[] }>(
    "aws",
    `pools-${count}`,
    "foundation:runnerFleet",
    (fleet) => {
      const first = fleet.pools[0];
      fleet.pools = Array.from({ length: count }, (_, i) => ({
        ...first,
        name: `pool-${i + 1}`,
        tags: [`pool-${i + 1}`],
      }));
    },
  );
}

interface TalosNode {
  hostname: string;
  proxmoxNode: string;
  vmId: number;
  address: string;
}

/** The `lab` stack file with `count` Talos nodes: three control planes, the rest workers. */
function withNodes(count: number): string {
  type Talos = { controlPlanes: TalosNode[]; workers: TalosNode[] };
  return stackFileWith<Talos>("lab", `nodes-${count}`, "foundation:talos", (talos) => {
    const controlPlanes = 3;
    const node = (kind: "cp" | "w", i: number): TalosNode => ({
      hostname: `talos-${kind}-${i + 1}`,
      proxmoxNode: i % 2 === 0 ? "pve1" : "pve2",
      vmId: (kind === "cp" ? 9201 : 9211) + i,
      address: `192.168.10.${(kind === "cp" ? 11 : 21) + i}/24`,
    });
    talos.controlPlanes = Array.from({ length: controlPlanes }, (_, i) => node("cp", i));
    talos.workers = Array.from({ length: count - controlPlanes }, (_, i) => node("w", i));
  });
}

/** The growth rows of one dimension, with the cost of each added unit between consecutive rows. */
function growth(unit: string, rows: readonly { n: number; row: Row }[]): string[] {
  return rows.map(({ n, row }, i) => {
    if (i === 0) return line(row);
    const previous = rows[i - 1];
    const each = (row.medianMs - previous.row.medianMs) / (n - previous.n);
    return `${line(row)}  ${each >= 0 ? "+" : ""}${each.toFixed(1)} ms per ${unit}`;
  });
}

function timed(label: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: "ignore" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const verdict = result.status === 0 ? "passed" : `failed (exit ${result.status})`;
  return `${label.padEnd(46)} ${seconds.toFixed(1).padStart(7)} s   ${verdict}`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      "skip-tests": { type: "boolean", default: false },
      "skip-growth": { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);
  const out = (text: string) => process.stdout.write(`${text}\n`);

  out(`runs per figure: ${runs} (median wall time, peak RSS); ${process.version}, ${cpus().length} cores`);
  const floor = measure("floor (node + SDKs + one resource)", join(__dirname, "bench", "floor.ts"), [], runs);
  out(line(floor));
  for (const stack of ["aws", "group", "lab", "eve-skill-farm"]) {
    out(line(measure(`plan --stack ${stack}`, planCli, ["--json", "--stack", stack], runs)));
  }
  const all = measure("plan of all four stacks (--json)", planCli, ["--json"], runs);
  out(line(all));
  out(
    `plan / floor: ${(all.medianMs / floor.medianMs).toFixed(2)}x time, ` +
      `${(all.peakMiB / floor.peakMiB).toFixed(2)}x memory`,
  );

  if (!values["skip-growth"]) {
    out("growth:");
    const pools = [1, 4, 16].map((n) => ({
      n,
      row: measure(
        `  plan --stack aws, ${n} runner pool${n === 1 ? "" : "s"}`,
        planCli,
        ["--json", "--stack", "aws", "--config", `aws=${withPools(n)}`],
        runs,
      ),
    }));
    growth("pool", pools).forEach(out);
    const nodes = [3, 5, 9].map((n) => ({
      n,
      row: measure(
        `  plan --stack lab, ${n} Talos nodes`,
        planCli,
        ["--json", "--stack", "lab", "--config", `lab=${withNodes(n)}`],
        runs,
      ),
    }));
    growth("node", nodes).forEach(out);
  }

  if (!values["skip-tests"]) {
    out(
      timed("tsc --noEmit", process.execPath, [
        require.resolve("typescript/bin/tsc"),
        "--noEmit",
        "-p",
        "tsconfig.json",
      ]),
    );
    out(timed("test suite (npm test, CI=true)", "npm", ["test", "--silent"], { CI: "true" }));
  }
}

main();
