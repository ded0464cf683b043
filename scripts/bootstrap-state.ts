/**
 * `npm run bootstrap-state -- [--dry-run] [--workdir DIR]`: the one-pass cold start of the state backend
 * (docs/runbooks/bootstrap-state.md). The bucket and key that hold every stack's state are themselves resources of
 * the `aws` stack, so the stack starts on a local backend, creates just the state backend (a targeted `up` whose
 * targets come from the offline plan), moves its own state into the bucket under the KMS secrets provider, and
 * verifies that nothing changed on the way.
 *
 * With --dry-run it prints the commands and runs nothing.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { RecordedResource } from "../tools/plan/monitor";
import { planStacks } from "../tools/plan/engine";
import { reveal } from "../tools/plan/values";

/** One step: what it is for, and the command (argv, never a shell string). */
export interface Step {
  readonly why: string;
  readonly argv: readonly string[];
}

/** What the steps are made from. */
export interface BootstrapInputs {
  readonly stack: string;
  readonly stateBackendUrl: string;
  readonly secretsProviderUrl: string;
  /** URNs of the state backend and everything it depends on. */
  readonly targets: readonly string[];
  /** Where the local backend and the state export live during the move. */
  readonly workdir: string;
}

/**
 * The URNs a targeted `up` needs to create `component`: its subtree plus, transitively, every resource those
 * depend on or are parented to, and their providers. A targeted up fails on a dependency it does not create.
 */
export function targetsFor(resources: readonly RecordedResource[], componentType: string): string[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const wanted = new Set<string>();
  const add = (urn: string | null): void => {
    const resource = urn ? byUrn.get(urn) : undefined;
    if (!resource || wanted.has(resource.urn) || resource.type === "pulumi:pulumi:Stack") return;
    wanted.add(resource.urn);
    add(resource.parent);
    add(resource.provider);
    resource.dependencies.forEach(add);
  };
  const roots = resources.filter((r) => r.type === componentType).map((r) => r.urn);
  for (const resource of resources) {
    let ancestor: string | null = resource.urn;
    while (ancestor && !roots.includes(ancestor)) ancestor = byUrn.get(ancestor)?.parent ?? null;
    if (ancestor) add(resource.urn);
  }
  return resources.map((r) => r.urn).filter((urn) => wanted.has(urn));
}

/**
 * The cold start, step by step: state on a local backend until the bucket and key exist, then moved with export and
 * import (https://www.pulumi.com/docs/iac/concepts/state-and-backends/#migrating-between-state-backends) and
 * re-encrypted with `pulumi stack change-secrets-provider` (https://www.pulumi.com/docs/iac/concepts/secrets/).
 */
export function bootstrapSteps(inputs: BootstrapInputs): Step[] {
  const { stack, workdir } = inputs;
  const exportFile = join(workdir, `${stack}.state.json`);
  const targets = inputs.targets.flatMap((urn) => ["--target", urn]);
  return [
    { why: "Start on a local backend: the bucket does not exist yet", argv: ["pulumi", "login", `file://${workdir}`] },
    {
      why: "Create the stack with a passphrase (PULUMI_CONFIG_PASSPHRASE) until the KMS key exists",
      argv: ["pulumi", "stack", "init", stack, "--secrets-provider", "passphrase"],
    },
    {
      why: "Create only the state backend and what it needs",
      argv: ["pulumi", "up", "--stack", stack, "--yes", ...targets],
    },
    {
      why: "Re-encrypt the stack's secrets with the new KMS key",
      argv: ["pulumi", "stack", "change-secrets-provider", "--stack", stack, inputs.secretsProviderUrl],
    },
    {
      why: "Export the state (plaintext secrets: the file is deleted after the import)",
      argv: ["pulumi", "stack", "export", "--stack", stack, "--show-secrets", "--file", exportFile],
    },
    { why: "Switch to the S3 backend", argv: ["pulumi", "login", inputs.stateBackendUrl] },
    {
      why: "Create the stack there with the KMS secrets provider",
      argv: ["pulumi", "stack", "init", stack, "--secrets-provider", inputs.secretsProviderUrl],
    },
    { why: "Import the state", argv: ["pulumi", "stack", "import", "--stack", stack, "--file", exportFile] },
    { why: "Delete the plaintext export", argv: ["rm", "-f", exportFile] },
    {
      why: "Verify: the migrated stack sees no change to what it created",
      argv: ["pulumi", "preview", "--stack", stack, "--expect-no-changes", ...targets],
    },
  ];
}

/** Quotes one argument for display in a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs the script; resolves to the exit status. */
export async function main(argv: readonly string[], out: (text: string) => void, root: string): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      "dry-run": { type: "boolean", default: false },
      workdir: { type: "string", default: join(root, ".pulumi-bootstrap") },
    },
  });
  const [aws] = await planStacks({ root, stacks: ["aws"] });
  const outputs = reveal(aws.outputs) as Record<string, string>;
  const steps = bootstrapSteps({
    stack: "aws",
    stateBackendUrl: outputs.stateBackendUrl,
    secretsProviderUrl: outputs.secretsProviderUrl,
    targets: targetsFor(aws.resources, "foundation:aws:StateBackend"),
    workdir: resolve(values.workdir),
  });
  for (const [i, step] of steps.entries()) {
    out(`# ${i + 1}. ${step.why}\n${step.argv.map(shellQuote).join(" ")}\n`);
    if (values["dry-run"]) continue;
    const result = spawnSync(step.argv[0], step.argv.slice(1), { stdio: "inherit" });
    if (result.status !== 0) {
      out(
        `step ${i + 1} failed (exit ${result.status ?? result.error?.message}); see docs/runbooks/bootstrap-state.md\n`,
      );
      return 1;
    }
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), (t) => process.stdout.write(t), resolve(__dirname, "..")).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
