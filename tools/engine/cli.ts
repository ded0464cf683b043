/**
 * `npm run engine`: every stack through the real Pulumi engine, in graph order, in a throwaway `file://` backend,
 * with the GitLab double serving the GitLab API and the Talos doubles serving the lab's gates.
 *
 *   npm run -s engine -- [--stack NAME]... [--json] [--keep]
 *
 * `--stack` checks the named stacks; the stacks upstream of them are applied first, without their own checks.
 * `--keep` leaves the throwaway workspace (project, state, saved previews) for a look.
 *
 * Per stack: `pulumi up` with the policy pack and the `--policy-pack-config` CI writes; `pulumi preview
 * --expect-no-changes` (idempotence); the stack's outputs parsed by its contract; the state compared with the
 * offline plan (URNs, types, parents, providers, protect); the pipeline tools fed the real preview; one config edit
 * whose real preview must give the offline plan's verdict; `pulumi destroy` refused by protected resources with
 * nothing deleted; and no secret in plain text in `pulumi stack export`. `--json` prints the report (version 1).
 * Exit status: 0 when every check holds, 1 when one does not, 2 when the run cannot start.
 *
 * Install the engine first with `npm run engine:install` (tools/engine/install.ts).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { GitlabDouble, startGitlabDouble } from "../../components/gitlab/testing/gitlab-double";
import { GRAPH, isStackName, STACK_NAMES, StackName, withUpstream } from "../../stacks/graph";
import { STACKS } from "../../stacks/programs";
import { ChangeOp } from "../plan/diff";
import { toDocument } from "../plan/document";
import { planStacks, StackPlan } from "../plan/engine";
import { renderMarkdownDiff } from "../plan/markdown";
import { packSettingsOf, policyPackConfig } from "../plan/policy-pack";
import { readProjectFile, readStackConfig } from "../plan/stack-files";
import { managerDisruptions } from "../pipeline/runner-guard";
import { driftedResources, parseDigest } from "../pipeline/drift";
import {
  EngineViolation,
  errorDiagnostics,
  modelMismatches,
  plaintextSecrets,
  planVerdicts,
  policyOutcome,
  previewVerdicts,
  secretValues,
  stateResources,
  verdictMismatches,
} from "./checks";
import { EXISTING_ENV, writeExisting } from "./existing";
import { InstallRecord, readInstall, ROOT } from "./install";
import { checkReviewNote } from "./mr-note-check";
import { LAB_NET, SCENARIO } from "./scenario";
import { startTalosDoubles, TalosDoubles } from "./talos-doubles";
import { CommandResult, ConfigEdit, openWorkspace, SecretSetting, stackFileFor, Workspace } from "./workspace";

/** One stack's results. */
export interface StackReport {
  readonly name: StackName;
  readonly up: {
    readonly ok: boolean;
    readonly resources: number;
    readonly seconds: number;
    readonly errors: string[];
  };
  readonly idempotent: boolean;
  readonly outputsValid: boolean;
  readonly outputErrors: string[];
  readonly policies: {
    readonly loaded: string[];
    readonly violations: EngineViolation[];
    readonly planViolations: number;
  };
  readonly model: { readonly matches: boolean; readonly mismatches: string[] };
  readonly edit: {
    readonly description: string;
    readonly matches: boolean;
    readonly verdicts: Record<string, string>;
    readonly mismatches: string[];
  };
  readonly pipeline: Record<string, string>;
  readonly protectedDestroyRefused: boolean;
  readonly plaintextSecretsInState: boolean;
  readonly plaintextSecrets: string[];
  readonly previewJson: string;
  readonly configChanges: readonly (ConfigEdit | Omit<SecretSetting, "value">)[];
}

/** The report `--json` prints. */
export interface EngineReport {
  readonly version: 1;
  readonly cli: InstallRecord["cli"];
  readonly languageHost: InstallRecord["languageHost"];
  readonly plugins: InstallRecord["plugins"];
  readonly stacks: StackReport[];
  /** The exchanges with the GitLab double, and those that broke GitLab's OpenAPI document. */
  readonly gitlab: { readonly requests: number; readonly problems: string[] };
  readonly seconds: number;
  readonly ok: boolean;
}

/** True when every check of a stack holds. */
export function stackHolds(s: StackReport): boolean {
  return (
    s.up.ok &&
    s.idempotent &&
    s.outputsValid &&
    s.policies.loaded.length > 0 &&
    s.model.matches &&
    s.edit.matches &&
    s.protectedDestroyRefused &&
    !s.plaintextSecretsInState &&
    Object.values(s.pipeline).every((v) => v.startsWith("ok"))
  );
}

function log(message: string): void {
  process.stderr.write(`engine: ${message}\n`);
}

function failure(result: CommandResult): string[] {
  const lines = `${result.stderr}\n${result.stdout}`.split("\n").filter((l) => /error|failed/i.test(l));
  return lines.slice(0, 20).map((l) => l.trim());
}

interface RunContext {
  readonly root: string;
  readonly workspace: Workspace;
  readonly plans: Map<StackName, StackPlan>;
  readonly configFiles: Partial<Record<StackName, string>>;
  readonly doubles: { talos?: TalosDoubles };
  readonly gitlab: GitlabDouble;
}

/** The plain-text config of a stack as the run uses it, for the offline plan's `--config STACK=FILE`. */
function planConfigFile(ctx: RunContext, stack: StackName, edits: readonly ConfigEdit[]): string {
  const example = readFileSync(join(ctx.root, `Pulumi.${stack}.yaml`), "utf8");
  const file = join(ctx.workspace.files, `plan-${stack}-${edits.length ? "edited" : "base"}.yaml`);
  const secrets = SCENARIO[stack].secrets.map((s) => ({
    path: s.path,
    value: { secure: "set-by-the-engine-run" },
    reason: s.reason,
  }));
  writeFileSync(file, stackFileFor(example, [...SCENARIO[stack].edits, ...secrets, ...edits]));
  return file;
}

async function planOf(ctx: RunContext, stack: StackName, configFiles: Partial<Record<StackName, string>>) {
  const plans = await planStacks({ root: ctx.root, stacks: [stack], configFiles });
  return toDocument(plans, false);
}

/** The lab's OS and Kubernetes CAs and their keys (components/talos/secrets.ts names them `<cluster>-...`). */
const LAB_CA_NAMES = ["lab-os-ca", "lab-os-ca-key", "lab-kubernetes-ca", "lab-kubernetes-ca-key"] as const;

/** Reads the lab's two CAs from its state, once the first, targeted `up` has made them. */
async function labCas(ctx: RunContext) {
  const shown = await ctx.workspace.pulumi(["stack", "export", "--stack", "lab", "--show-secrets"]);
  const resources = stateResources(JSON.parse(shown.stdout)) as (ReturnType<typeof stateResources>[number] & {
    outputs?: Record<string, unknown>;
  })[];
  const output = (suffix: string, key: string): string => {
    const found = resources.find((r) => r.urn.endsWith(suffix));
    let value = found?.outputs?.[key] as unknown;
    if (value && typeof value === "object" && "plaintext" in (value as object)) {
      value = JSON.parse((value as { plaintext: string }).plaintext);
    }
    if (typeof value !== "string") throw new Error(`the lab state has no ${key} on ${suffix}`);
    return value;
  };
  const [osCa, osCaKey, kubernetesCa, kubernetesCaKey] = LAB_CA_NAMES;
  return {
    osCa: { certPem: output(`::${osCa}`, "certPem"), keyPem: output(`::${osCaKey}`, "privateKeyPem") },
    kubernetesCa: {
      certPem: output(`::${kubernetesCa}`, "certPem"),
      keyPem: output(`::${kubernetesCaKey}`, "privateKeyPem"),
    },
  };
}

async function runStack(ctx: RunContext, stack: StackName, checked: boolean): Promise<StackReport | undefined> {
  const { workspace } = ctx;
  const scenario = SCENARIO[stack];
  const started = Date.now();
  const example = readFileSync(join(ctx.root, `Pulumi.${stack}.yaml`), "utf8");
  workspace.writeStackFile(stack, stackFileFor(example, scenario.edits));
  const must = async (args: string[]) => {
    const result = await workspace.pulumi(args);
    if (result.code !== 0)
      throw new Error(`pulumi ${args.join(" ")}: ${failure(result).join("; ") || result.stderr.trim()}`);
    return result;
  };
  await must(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  for (const secret of scenario.secrets) {
    await must(["config", "set", "--stack", stack, "--secret", "--path", secret.path, secret.value]);
  }

  // The policy pack config as CI writes it for the stack (`npm run policies -- config --stack`).
  const project = readProjectFile(ctx.root);
  const planConfig = planConfigFile(ctx, stack, []);
  ctx.configFiles[stack] = planConfig;
  const settings = packSettingsOf(readStackConfig(ctx.root, project, stack, planConfig).config);
  const packConfig = join(workspace.files, `policy-pack-config-${stack}.json`);
  writeFileSync(packConfig, `${JSON.stringify(policyPackConfig(settings), null, 2)}\n`);
  const policyFlags = ["--policy-pack", join(ctx.root, "policies"), "--policy-pack-config", packConfig];

  const plan = (await planStacks({ root: ctx.root, stacks: [stack], configFiles: ctx.configFiles }))[0];
  ctx.plans.set(stack, plan);

  // The lab's gates call the Talos doubles, which need the CAs the same `up` makes: serve them once the state has
  // them. (Not a targeted `up` of the CAs first: a targeted update leaves every other new resource's outputs empty,
  // and the lab's renderers cannot render a machine config from nothing.)
  let upDone = false;
  const serving =
    stack === "lab"
      ? (async () => {
          for (;;) {
            if (upDone) return;
            const found = await labCas(ctx).catch(() => undefined);
            if (found) {
              ctx.doubles.talos = await startTalosDoubles({
                node: LAB_NET.controlPlanes[0],
                vip: LAB_NET.vip,
                ...found,
              });
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 2000));
          }
        })()
      : Promise.resolve();

  const upLog = join(workspace.files, `up-${stack}.events.jsonl`);
  const up = await workspace.pulumi([
    "up",
    "--stack",
    stack,
    "--yes",
    "--skip-preview",
    "--event-log",
    upLog,
    ...policyFlags,
  ]);
  upDone = true;
  await serving;
  const upEvents = readFileSync(upLog, "utf8");
  if (!checked) {
    if (up.code !== 0) throw new Error(`pulumi up --stack ${stack}: ${errorDiagnostics(upEvents).join("; ")}`);
    log(`${stack}: up ok (upstream of the stacks asked for, not checked)`);
    return undefined;
  }
  const policies = policyOutcome(upEvents);
  const exportPlain = await workspace.pulumi(["stack", "export", "--stack", stack]);
  const state = exportPlain.code === 0 ? stateResources(JSON.parse(exportPlain.stdout)) : [];
  const upReport = {
    ok: up.code === 0,
    resources: state.length,
    seconds: up.seconds,
    errors: up.code === 0 ? [] : [...errorDiagnostics(upEvents), ...failure(up)].slice(0, 20),
  };
  log(`${stack}: up ${upReport.ok ? "ok" : "FAILED"} (${state.length} resources, ${up.seconds.toFixed(0)} s)`);

  const previewJson = join(workspace.files, `preview-${stack}.json`);
  const preview = await workspace.pulumi([
    "preview",
    "--stack",
    stack,
    "--expect-no-changes",
    "--json",
    "--show-sames",
    ...policyFlags,
  ]);
  writeFileSync(previewJson, preview.stdout);

  const outputs = await workspace.pulumi(["stack", "output", "--stack", stack, "--json", "--show-secrets"]);
  const outputErrors: string[] = [];
  try {
    const values = JSON.parse(outputs.stdout) as Record<string, unknown>;
    const contract = STACKS[stack].contract;
    for (const key of Object.keys(contract)) {
      const parsed = contract[key].schema.safeParse(values[key]);
      if (!parsed.success) outputErrors.push(`${key}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
    }
    for (const key of Object.keys(values)) if (!(key in contract)) outputErrors.push(`${key}: not in the contract`);
  } catch (err) {
    outputErrors.push(`stack output: ${(err as Error).message}`);
  }

  const pipeline: Record<string, string> = {};
  const digest = parseDigest(preview.stdout);
  if (digest) {
    const drifted = driftedResources(digest);
    pipeline.drift =
      drifted.length === 0 ? "ok: no drift" : `drift: ${drifted.map((d) => `${d.kind} ${d.urn}`).join(", ")}`;
    if (stack === "lab") {
      const disruptions = managerDisruptions(digest);
      pipeline.runnerGuard = disruptions.length === 0 ? "ok: the manager stays" : `refused: ${disruptions.length}`;
    }
  } else pipeline.drift = "not a preview digest";

  // The verdict edit: the real preview against the offline plan's diff of the same two configs.
  const verdict = scenario.verdict;
  const editedFile = join(workspace.files, `Pulumi.${stack}.edited.yaml`);
  writeFileSync(editedFile, stackFileFor(workspace.readStackFile(stack), verdict.edits, { ownStack: true }));
  const editPreview = await workspace.pulumi(["preview", "--stack", stack, "--json", "--config-file", editedFile]);
  writeFileSync(join(workspace.files, `preview-${stack}-edited.json`), editPreview.stdout);
  const editDigest = parseDigest(editPreview.stdout);
  const real = editDigest ? previewVerdicts(editDigest) : new Map();
  let modelled = new Map<string, ChangeOp>();
  const planProblems: string[] = [];
  try {
    const before = await planOf(ctx, stack, ctx.configFiles);
    const after = await planOf(ctx, stack, { ...ctx.configFiles, [stack]: planConfigFile(ctx, stack, verdict.edits) });
    modelled = planVerdicts(before, after, stack);
    // The review note a merge request with this edit gets, posted as the pipeline posts it.
    pipeline.mrNote = await checkReviewNote(ctx.gitlab, renderMarkdownDiff(before, after));
  } catch (err) {
    planProblems.push(`the offline plan of the edit failed: ${(err as Error).message}`);
  }
  const editMismatches = [...planProblems, ...verdictMismatches(real, modelled)];
  const expected = [...real].some(([urn, op]) => urn.endsWith(verdict.expect.urnSuffix) && op === verdict.expect.op);
  if (!expected)
    editMismatches.push(`expected ${verdict.expect.op} of *${verdict.expect.urnSuffix}, the engine says otherwise`);
  if (editPreview.code !== 0) editMismatches.push(...failure(editPreview));
  if (editDigest && stack === "lab") {
    const disruptions = managerDisruptions(editDigest);
    pipeline.runnerGuardOnEdit = disruptions.length === 0 ? "ok: the manager stays" : `refused: ${disruptions.length}`;
  }

  const exportShown = await workspace.pulumi(["stack", "export", "--stack", stack, "--show-secrets"]);
  const secrets = [
    ...(exportShown.code === 0 ? secretValues(JSON.parse(exportShown.stdout)) : []),
    ...scenario.secrets.map((s) => s.value),
  ];
  const leaked = plaintextSecrets(exportPlain.stdout, secrets);

  const mismatches = modelMismatches(state, plan);
  log(`${stack}: checks done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return {
    name: stack,
    up: upReport,
    idempotent: preview.code === 0,
    outputsValid: outputs.code === 0 && outputErrors.length === 0,
    outputErrors,
    policies: { ...policies, planViolations: plan.violations.length },
    model: { matches: mismatches.length === 0, mismatches },
    edit: {
      description: verdict.description,
      matches: editMismatches.length === 0,
      verdicts: Object.fromEntries(real),
      mismatches: editMismatches,
    },
    pipeline,
    protectedDestroyRefused: false,
    plaintextSecretsInState: leaked.length > 0 || exportPlain.code !== 0,
    plaintextSecrets: leaked,
    previewJson,
    configChanges: [...scenario.edits, ...scenario.secrets.map(({ path, reason }) => ({ path, reason }))],
  };
}

/**
 * `pulumi destroy` of a stack must be refused by its protected resources with nothing deleted. Run last, in reverse
 * graph order, so that a destroy that does delete cannot take the outputs of a stack downstream with it.
 */
async function destroyRefused(workspace: Workspace, report: StackReport): Promise<StackReport> {
  const destroy = await workspace.pulumi(["destroy", "--stack", report.name, "--yes", "--skip-preview"]);
  const after = await workspace.pulumi(["stack", "export", "--stack", report.name]);
  const remaining = after.code === 0 ? stateResources(JSON.parse(after.stdout)).length : -1;
  const refused = destroy.code !== 0 && /protect/i.test(destroy.stdout + destroy.stderr);
  log(
    `${report.name}: destroy ${refused ? "refused" : "NOT refused"}, ${remaining} of ${report.up.resources} resources left`,
  );
  return { ...report, protectedDestroyRefused: refused && remaining === report.up.resources };
}

/**
 * What the `group` stack expects to exist on its GitLab before its first `up`, as its sample config names it: the
 * group, the Foundation project, and the people its approval rules list. The GitOps project is left out: the stack
 * creates and seeds it.
 */
function seedGitlab(gitlab: GitlabDouble, config: Readonly<Record<string, string>>): void {
  const value = <T>(key: string) => JSON.parse(config[`foundation:${key}`]) as T;
  const { groupPath } = value<{ groupPath: string }>("gitlab");
  const project = value<{ path?: string; approvalRules: { usernames?: string[] }[] }>("foundationProject");
  gitlab.addGroup(groupPath);
  // Not the GitOps project (foundation:gitops.projectPath): the group stack creates and seeds it.
  const path = project.path ?? `${groupPath}/foundation`;
  const at = path.lastIndexOf("/");
  gitlab.addProject(path.slice(0, at), path.slice(at + 1));
  for (const username of new Set(project.approvalRules.flatMap((rule) => rule.usernames ?? []))) {
    gitlab.addUser(username);
  }
}

/** Runs everything; resolves to the report. */
export async function runEngine(
  root: string,
  options: { keep: boolean; stacks?: readonly StackName[] },
): Promise<EngineReport> {
  const selected = new Set(options.stacks?.length ? options.stacks : STACK_NAMES);
  const started = Date.now();
  const install = readInstall();
  const gitlab = await startGitlabDouble();
  seedGitlab(gitlab, readStackConfig(root, readProjectFile(root), "group").config);
  const files = join(root, ".engine", "run");
  mkdirSync(files, { recursive: true });
  const existing = join(files, "existing.json");
  writeExisting(existing, await planStacks({ root }));
  const workspace = openWorkspace(root, install, {
    [EXISTING_ENV]: existing,
    GITLAB_URL: gitlab.url,
    GITLAB_TOKEN: gitlab.token,
  });
  const ctx: RunContext = { root, workspace, plans: new Map(), configFiles: {}, doubles: {}, gitlab };
  let stacks: StackReport[] = [];
  let gitlabProblems: string[] = [];
  try {
    for (const stack of withUpstream([...selected])) {
      const report = await runStack(ctx, stack, selected.has(stack));
      if (report) stacks.push(report);
    }
    const refused: StackReport[] = [];
    for (const report of [...stacks].reverse()) refused.unshift(await destroyRefused(workspace, report));
    stacks = refused;
  } finally {
    await ctx.doubles.talos?.close();
    // Every exchange with the GitLab double was checked against GitLab's OpenAPI document; close reports what broke it.
    gitlabProblems = await gitlab.close().then(
      () => [],
      (err: Error) => err.message.split("\n"),
    );
    if (!options.keep) workspace.dispose();
    else log(`kept the workspace: ${workspace.project}`);
  }
  const report: EngineReport = {
    version: 1,
    cli: install.cli,
    languageHost: install.languageHost,
    plugins: install.plugins,
    stacks,
    gitlab: { requests: gitlab.requests.length, problems: gitlabProblems },
    seconds: Math.round((Date.now() - started) / 100) / 10,
    ok: stacks.length === selected.size && stacks.every(stackHolds) && gitlabProblems.length === 0,
  };
  return report;
}

function summary(report: EngineReport): string {
  const lines = [
    `Pulumi CLI v${report.cli.version} (${report.cli.source}: ${report.cli.path}), language host: ${report.languageHost}`,
    `plugins: ${report.plugins.map((p) => `${p.name} v${p.version} ${p.real ? "real" : "stand-in"}`).join(", ")}`,
  ];
  for (const s of report.stacks) {
    const mark = (ok: boolean) => (ok ? "ok" : "FAIL");
    lines.push(
      `${stackHolds(s) ? "✔" : "✘"} ${s.name} (${GRAPH[s.name].phases.join(", ")}): up ${mark(s.up.ok)} ${s.up.resources} resources; ` +
        `idempotent ${mark(s.idempotent)}; outputs ${mark(s.outputsValid)}; policies ${s.policies.loaded.join(", ") || "none"} ` +
        `(${s.policies.violations.length} violations, the plan ${s.policies.planViolations}); model ${mark(s.model.matches)}; ` +
        `edit ${mark(s.edit.matches)}; destroy refused ${mark(s.protectedDestroyRefused)}; ` +
        `secrets ${mark(!s.plaintextSecretsInState)}; pipeline ${Object.entries(s.pipeline)
          .map(([k, v]) => `${k}: ${v}`)
          .join(", ")}`,
    );
    for (const problem of [...s.up.errors, ...s.outputErrors, ...s.model.mismatches, ...s.edit.mismatches]) {
      lines.push(`    ${problem}`);
    }
  }
  lines.push(
    `GitLab double: ${report.gitlab.requests} requests, ${report.gitlab.problems.length} off the OpenAPI document`,
  );
  for (const problem of report.gitlab.problems) lines.push(`    ${problem}`);
  lines.push(`${report.ok ? "every check holds" : "some checks do not hold"} (${report.seconds} s)`);
  return `${lines.join("\n")}\n`;
}

if (require.main === module) {
  let values: { json: boolean; keep: boolean; stack: string[] };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        json: { type: "boolean", default: false },
        keep: { type: "boolean", default: false },
        stack: { type: "string", multiple: true, default: [] },
      },
      strict: true,
    }));
    for (const name of values.stack) {
      if (!isStackName(name)) throw new Error(`--stack ${name}: Foundation's stacks are ${STACK_NAMES.join(", ")}`);
    }
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  }
  runEngine(resolve(ROOT), { keep: values.keep, stacks: values.stack as StackName[] }).then(
    (report) => {
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
      process.exitCode = report.ok ? 0 : 1;
    },
    (err: Error) => {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
    },
  );
}
