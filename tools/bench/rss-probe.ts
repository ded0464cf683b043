/**
 * Preloaded into a benchmarked process (`node -r`): on exit, writes the process's peak resident set size in KiB to
 * the file named by BENCH_RSS_FILE, so the parent can read a child's peak memory without GNU time.
 */
import { writeFileSync } from "node:fs";

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
