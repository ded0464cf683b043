/**
 * The runners the pipeline's verify stage proves, read from the stacks' example configs the way the generator reads
 * the OIDC audience: the deploy runner from `Pulumi.group.yaml` (`foundation:runners.deploy`), the pools from
 * `Pulumi.aws.yaml` (`foundation:runnerFleet.pools`), and what the deploy runner's host firewall lets out from
 * `Pulumi.lab.yaml` (the lab's time server, SSH to the fleet). The same values become the runner records and the
 * manager's `config.toml`, so a verify job selects exactly the runner it is named after.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ARCHITECTURES } from "../../components/runner/instance-types";

/** One runner the verify stage proves. */
export interface VerifiedRunner {
  /** The runner's name: the key of its record and token, and the start of its description (`<name>: …`). */
  readonly name: string;
  /** The tags its record accepts; its verify jobs ask for all of them. */
  readonly tags: readonly string[];
  /** Whether its job containers run privileged (docker-in-docker). */
  readonly privileged: boolean;
}

/** An autoscaled pool. */
export interface VerifiedPool extends VerifiedRunner {
  /** The instances' CPU architecture. */
  readonly architecture: (typeof ARCHITECTURES)[number];
}

/** The deploy runner, with the images it accepts. */
export interface VerifiedDeployRunner extends VerifiedRunner {
  /** Its `allowed_images` patterns (doublestar, `!` negates). */
  readonly allowedImages: readonly string[];
}

/** Every runner of the runner model, and what the deploy runner's host may reach. */
export interface RunnerInventory {
  readonly deploy: VerifiedDeployRunner;
  readonly pools: readonly VerifiedPool[];
  /** The deploy runner's host firewall lets these out (components/runner/user-data.ts, `firewallCommands`). */
  readonly egress: {
    /** An NTP server it may query on UDP 123: the lab's first time server. */
    readonly ntpServer: string;
    /** Whether SSH (TCP 22) may go to any address (`fleetSshCidrs` holds `0.0.0.0/0`) or only to the fleet's. */
    readonly sshAnywhere: boolean;
  };
}

const name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, { error: "must be a DNS label" });
const tags = z.array(z.string().min(1)).min(1, { error: "give the runner at least one tag" });

const groupSchema = z.object({
  config: z.object({
    "foundation:runners": z.object({
      deploy: z.object({ name, tags, privileged: z.boolean(), allowedImages: z.array(z.string()).min(1) }),
    }),
  }),
});

const awsSchema = z.object({
  config: z.object({
    "foundation:runnerFleet": z.object({
      pools: z
        .array(z.object({ name, tags, privileged: z.boolean().default(false), architecture: z.enum(ARCHITECTURES) }))
        .min(1),
    }),
  }),
});

const labSchema = z.object({
  config: z.object({
    "foundation:network": z.object({ timeServers: z.array(z.string().min(1)).min(1) }),
    "foundation:runnerManager": z.object({
      vm: z.object({ firewall: z.object({ fleetSshCidrs: z.array(z.string()) }) }).optional(),
    }),
  }),
});

function read<T>(root: string, file: string, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(parse(readFileSync(join(root, file), "utf8")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.slice(1).join(".")}: ${issue.message}`);
    throw new Error(`${file}: the verify stage cannot read the runners:\n  - ${problems.join("\n  - ")}`);
  }
  return parsed.data;
}

/**
 * Problems that would let a verify job prove the wrong runner: a pool whose every tag another runner also has could
 * have its verify job picked by that runner instead. Each names the file and key to fix.
 */
export function inventoryProblems(inventory: RunnerInventory): string[] {
  const runners: { readonly runner: VerifiedRunner; readonly key: string }[] = [
    { runner: inventory.deploy, key: "Pulumi.group.yaml: foundation:runners.deploy" },
    ...inventory.pools.map((pool, i) => ({ runner: pool, key: `Pulumi.aws.yaml: foundation:runnerFleet.pools[${i}]` })),
  ];
  const problems: string[] = [];
  for (const { runner, key } of runners) {
    for (const other of runners) {
      if (other.runner === runner || !runner.tags.every((tag) => other.runner.tags.includes(tag))) continue;
      problems.push(
        `${key}.tags: every tag of "${runner.name}" (${runner.tags.join(", ")}) is also a tag of "${other.runner.name}", ` +
          `so a job asking for "${runner.name}" could run on "${other.runner.name}"; give "${runner.name}" a tag of its own`,
      );
    }
  }
  return problems;
}

/** Reads the runners from the example configs at `root`; throws naming the file and key of any problem. */
export function readRunnerInventory(root: string): RunnerInventory {
  const group = read(root, "Pulumi.group.yaml", groupSchema).config["foundation:runners"].deploy;
  const pools = read(root, "Pulumi.aws.yaml", awsSchema).config["foundation:runnerFleet"].pools;
  const lab = read(root, "Pulumi.lab.yaml", labSchema).config;
  const inventory: RunnerInventory = {
    deploy: { name: group.name, tags: group.tags, privileged: group.privileged, allowedImages: group.allowedImages },
    pools: pools.map((pool) => ({
      name: pool.name,
      tags: pool.tags,
      privileged: pool.privileged,
      architecture: pool.architecture,
    })),
    egress: {
      ntpServer: lab["foundation:network"].timeServers[0],
      sshAnywhere: lab["foundation:runnerManager"].vm?.firewall.fleetSshCidrs.includes("0.0.0.0/0") ?? false,
    },
  };
  const problems = inventoryProblems(inventory);
  if (problems.length > 0)
    throw new Error(`the verify stage cannot tell the runners apart:\n  - ${problems.join("\n  - ")}`);
  return inventory;
}

/** Escapes a doublestar pattern into a regular expression: `**` any characters, `*` any but `/`. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${body}$`);
}

/**
 * Whether a runner with these `allowed_images` accepts `image`: some pattern matches and no `!` pattern excludes it
 * (the runner's doublestar semantics, https://docs.gitlab.com/runner/configuration/advanced-configuration/).
 */
export function imageAllowed(patterns: readonly string[], image: string): boolean {
  const allow = patterns.filter((p) => !p.startsWith("!"));
  const deny = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  return allow.some((p) => patternRegExp(p).test(image)) && !deny.some((p) => patternRegExp(p).test(image));
}
