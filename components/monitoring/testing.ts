/** Test support for the monitoring renderers: the real validators (promtool, amtool, cloud-init) on rendered files. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** What a validator printed and how it exited. */
export interface ToolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Writes `files` (relative path → content) into a scratch directory, runs `command` there with `args`, and removes
 * the directory. Fails with the package to install when the tool is missing, as .ci/run installs it.
 */
export function runTool(
  command: string,
  args: readonly string[],
  files: Readonly<Record<string, string>>,
  debianPackage: string,
): ToolResult {
  const dir = mkdtempSync(join(tmpdir(), `${command}-`));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const result = spawnSync(command, [...args], { cwd: dir, encoding: "utf8" });
    if (result.error !== undefined) {
      throw new Error(
        `${command} is not installed: the monitoring tests need it. Install it with \`apt-get install ${debianPackage}\` (Debian), as .ci/run does.`,
      );
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
