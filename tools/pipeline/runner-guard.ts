/**
 * The guard of the `lab` deploy job. `deploy:lab` runs on the deploy runner, and the runner manager that serves it
 * (the runner VM, or the in-cluster Deployment after the Phase 4 move) is a resource of the `lab` stack. An update
 * that replaces or deletes that manager would end its own job half-way, leaving the stack locked and the update
 * half-applied. So the job previews first, and this refuses such an update, naming the resources; it is applied
 * from a workstation instead (docs/runbooks/runner.md "Reprovision", docs/runbooks/runner-migration.md).
 *
 *   node -r ./tools/register.js tools/pipeline/runner-guard.ts --file preview-lab.json
 *
 * Exit status: 0 when the manager stays; 1 when the update would replace or delete it, or the preview is not a
 * preview digest; 2 for bad arguments.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { driftedResources, DriftedResource, Io, parseDigest, PreviewDigest } from "./drift";

/** Component types whose resources host the runner manager (components/proxmox, components/runner). */
export const MANAGER_HOSTS: readonly string[] = ["foundation:proxmox:RunnerVm", "foundation:runner:ManagerDeployment"];

/** The type chain of a URN: `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`. */
function typeChain(urn: string): string[] {
  return (urn.split("::")[2] ?? "").split("$");
}

/** The steps of a preview that replace or delete a resource of a manager host, one per resource. */
export function managerDisruptions(digest: PreviewDigest): DriftedResource[] {
  return driftedResources(digest).filter(
    (change) =>
      (change.kind === "replace" || change.kind === "delete") &&
      typeChain(change.urn).some((type) => MANAGER_HOSTS.includes(type)),
  );
}

/** Runs the CLI; resolves to the exit status. */
export function main(argv: readonly string[], io: Io): number {
  let text: string;
  try {
    const { values } = parseArgs({ args: [...argv], options: { file: { type: "string" } }, strict: true });
    if (!values.file) throw new Error("--file PREVIEW.json is required");
    text = readFileSync(values.file, "utf8");
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n`);
    return 2;
  }
  const digest = parseDigest(text);
  if (digest === undefined) {
    io.stderr("error: the preview is not a `pulumi preview --json` digest; see the preview's own output\n");
    return 1;
  }
  const disruptions = managerDisruptions(digest);
  if (disruptions.length === 0) {
    io.stdout("the runner manager this job runs on stays as it is\n");
    return 0;
  }
  io.stderr(
    [
      "this update would replace or delete the runner manager this job runs on:",
      ...disruptions.map((d) => `  ${d.kind} ${d.urn}`),
      "Apply it from a workstation after draining the runners (docs/runbooks/runner.md, Reprovision).",
      "",
    ].join("\n"),
  );
  return 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
