/**
 * Runs a CrossGuard policy pack over planned stacks the way the Pulumi engine does: the pack is started as its own
 * process, prints the port of the analyzer gRPC server it serves (`@pulumi/policy` server.ts), and is then asked
 * to `analyze` every resource and `analyzeStack` the whole stack over the analyzer protocol whose definitions
 * `@pulumi/pulumi` ships. What runs offline is therefore exactly what `pulumi preview --policy-pack` runs.
 */
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import { suggest } from "../../components/common/suggest";
import { StackPlan, Violation } from "./engine";
import { RecordedResource } from "./monitor";
import { encode } from "./values";

/** Enforcement levels a stack may set per policy (`foundation:policyEnforcement`). */
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

const LEVELS: Record<EnforcementLevel, analyzerproto.EnforcementLevel> = {
  advisory: analyzerproto.EnforcementLevel.ADVISORY,
  mandatory: analyzerproto.EnforcementLevel.MANDATORY,
  remediate: analyzerproto.EnforcementLevel.REMEDIATE,
  disabled: analyzerproto.EnforcementLevel.DISABLED,
};

/**
 * What a stack's config says of the pack: enforcement overrides (`foundation:policyEnforcement`) and policy
 * properties, such as a declared exception (`foundation:policyConfig`), both by policy name.
 */
export interface PackSettings {
  readonly enforcement: Readonly<Record<string, EnforcementLevel>>;
  readonly properties: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The declared exceptions that allow lowering a mandatory policy (`foundation:policyExceptions`). */
  readonly exceptions?: Readonly<Record<string, PolicyException>>;
}

/** A declared exception to a mandatory policy. */
export interface PolicyException {
  readonly reason: string;
  /** YYYY-MM-DD; the exception lapses after it. */
  readonly reviewBy: string;
}

/** The pack settings of a stack, from its (already validated) serialized config. */
export function packSettingsOf(config: Readonly<Record<string, string>>): PackSettings {
  const read = (key: string) => {
    const raw = config[`foundation:${key}`];
    return raw ? (JSON.parse(raw) as Record<string, never>) : {};
  };
  return {
    enforcement: read("policyEnforcement"),
    properties: read("policyConfig"),
    exceptions: read("policyExceptions"),
  };
}

/** The longest an exception may run before it is looked at again. */
const MAX_EXCEPTION_DAYS = 366;

/**
 * What is wrong with a stack's enforcement overrides against the pack's defaults: a mandatory policy lowered
 * without a declared exception, an exception that has lapsed or runs too far ahead, and an exception nothing
 * uses. `today` is YYYY-MM-DD (UTC).
 */
export function enforcementProblems(
  settings: PackSettings,
  defaults: ReadonlyMap<string, EnforcementLevel | undefined>,
  today: string,
): string[] {
  const problems: string[] = [];
  const exceptions = settings.exceptions ?? {};
  const lowered = new Set<string>();
  for (const [policy, level] of Object.entries(settings.enforcement)) {
    if (defaults.get(policy) !== "mandatory" || level === "mandatory" || level === "remediate") continue;
    lowered.add(policy);
    if (exceptions[policy] === undefined) {
      problems.push(
        `foundation:policyEnforcement.${policy}: lowers a mandatory policy to ${level} without a declared ` +
          `exception; fix what it reports, or declare foundation:policyExceptions.${policy} with a reason and a ` +
          "reviewBy date",
      );
    }
  }
  const latest = new Date(Date.parse(today) + MAX_EXCEPTION_DAYS * 86_400_000).toISOString().slice(0, 10);
  for (const [policy, exception] of Object.entries(exceptions)) {
    if (!lowered.has(policy)) {
      if (!defaults.has(policy)) continue;
      problems.push(
        `foundation:policyExceptions.${policy}: foundation:policyEnforcement does not lower this mandatory ` +
          "policy, so the exception excuses nothing; remove it",
      );
    } else if (exception.reviewBy < today) {
      problems.push(
        `foundation:policyExceptions.${policy}: lapsed on ${exception.reviewBy}; review it and move reviewBy ` +
          "ahead, or fix what the policy reports and remove the exception and the override",
      );
    } else if (exception.reviewBy > latest) {
      problems.push(
        `foundation:policyExceptions.${policy}: reviewBy ${exception.reviewBy} is more than a year ahead; ` +
          `set it on or before ${latest}`,
      );
    }
  }
  return problems;
}

/** The settings that name a policy the pack does not have, with the closest name it does have. */
export function unknownPolicyProblems(settings: PackSettings, policyNames: readonly string[]): string[] {
  const byKey = {
    policyEnforcement: settings.enforcement,
    policyConfig: settings.properties,
    policyExceptions: settings.exceptions ?? {},
  };
  return Object.entries(byKey).flatMap(([key, entries]) =>
    Object.keys(entries)
      .filter((name) => !policyNames.includes(name))
      .map((name) => {
        const hint = suggest(name, policyNames);
        return `foundation:${key}.${name}: no such policy in the pack${hint ? `; did you mean '${hint}'?` : ""}`;
      }),
  );
}

/** Today's date in UTC, YYYY-MM-DD, which exceptions lapse against. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * The same settings as the file `pulumi preview --policy-pack-config FILE` reads, so a real preview applies what
 * the offline plan applies: `{ "<policy>": { "enforcementLevel": "...", "<property>": ... } }`.
 */
export function policyPackConfig(settings: PackSettings): Record<string, Record<string, unknown>> {
  const names = [...new Set([...Object.keys(settings.enforcement), ...Object.keys(settings.properties)])].sort();
  return Object.fromEntries(
    names.map((name) => {
      const level = settings.enforcement[name];
      return [name, { ...(level ? { enforcementLevel: level } : {}), ...(settings.properties[name] ?? {}) }];
    }),
  );
}

/** A started policy pack. */
export interface PolicyPackSession {
  /** The names of the pack's policies, as the pack reports them. */
  readonly policyNames: readonly string[];
  /** Evaluates the pack over one planned stack, with that stack's pack settings. */
  evaluate(plan: Omit<StackPlan, "violations">, settings?: PackSettings): Promise<Violation[]>;
  /** Stops the pack's process. */
  close(): void;
}

function struct(value: Record<string, unknown>): structproto.Struct {
  return structproto.Struct.fromJavaScript(encode(value) as Record<string, never>);
}

function unary<Req, Res>(
  call: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => call(req, (err, res) => (err ? reject(err) : resolve(res))));
}

function options(resource: RecordedResource): analyzerproto.AnalyzerResourceOptions {
  const opts = new analyzerproto.AnalyzerResourceOptions();
  opts.setProtect(resource.protect);
  opts.setIgnorechangesList(resource.ignoreChanges);
  opts.setDeletebeforereplace(resource.deleteBeforeReplace);
  opts.setAdditionalsecretoutputsList(resource.additionalSecretOutputs);
  opts.setParent(resource.parent ?? "");
  return opts;
}

function providerOf(
  resource: RecordedResource,
  byUrn: ReadonlyMap<string, RecordedResource>,
): analyzerproto.AnalyzerProviderResource | undefined {
  const provider = resource.provider ? byUrn.get(resource.provider) : undefined;
  if (!provider) return undefined;
  const out = new analyzerproto.AnalyzerProviderResource();
  out.setType(provider.type);
  out.setName(provider.name);
  out.setUrn(provider.urn);
  out.setProperties(struct(provider.inputs));
  return out;
}

/** Diagnostics as violations; a resource's diagnostics carry no URN of their own, the engine adds the resource's. */
function violationsOf(response: analyzerproto.AnalyzeResponse, resourceUrn: string | null): Violation[] {
  return response.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    enforcementLevel: d.getEnforcementlevel() === analyzerproto.EnforcementLevel.MANDATORY ? "mandatory" : "advisory",
    urn: d.getUrn() || resourceUrn,
    message: d.getMessage(),
  }));
}

/** Reads the port the pack prints on its first line of output, or fails with what it wrote to stderr. */
function portOf(child: ChildProcess, packDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line.trim()));
    });
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (err) => reject(new Error(`policy pack ${packDir} could not start: ${err.message}`)));
    child.on("exit", (code) =>
      reject(new Error(`policy pack ${packDir} exited (${code}) before serving: ${stderr.trim() || stdout.trim()}`)),
    );
  });
}

/**
 * Starts the pack in `packDir` (its `index.ts`, with the pack's directory as working directory, as the Pulumi
 * CLI does) and connects to it.
 */
export async function startPolicyPack(packDir: string): Promise<PolicyPackSession> {
  const child = spawn(process.execPath, ["-r", join(__dirname, "..", "register.js"), join(packDir, "index.ts")], {
    cwd: packDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let client: analyzerrpc.AnalyzerClient;
  try {
    const port = await portOf(child, packDir);
    client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  } catch (err) {
    child.kill();
    throw err;
  }
  const info = await unary<emptyproto.Empty, analyzerproto.AnalyzerInfo>(
    client.getAnalyzerInfo.bind(client),
    new emptyproto.Empty(),
  ).catch((err) => {
    client.close();
    child.kill();
    throw err;
  });
  const policyNames = info.getPoliciesList().map((p) => p.getName());
  const levelNames = new Map(Object.entries(LEVELS).map(([name, level]) => [level, name as EnforcementLevel]));
  const defaults = new Map(info.getPoliciesList().map((p) => [p.getName(), levelNames.get(p.getEnforcementlevel())]));
  const analyze = client.analyze.bind(client);
  const analyzeStack = client.analyzeStack.bind(client);
  const configure = client.configure.bind(client);

  return {
    policyNames,
    async evaluate(plan, settings = { enforcement: {}, properties: {} }) {
      const problems = [
        ...unknownPolicyProblems(settings, policyNames),
        ...enforcementProblems(settings, defaults, todayUtc()),
      ];
      if (problems.length > 0) throw new Error(problems.join("\n"));
      const config = new analyzerproto.ConfigureAnalyzerRequest();
      for (const [policy, { enforcementLevel, ...properties }] of Object.entries(policyPackConfig(settings))) {
        const entry = new analyzerproto.PolicyConfig();
        // The engine sends every configured policy with a level; the pack's own default stands where none is set.
        const level = (enforcementLevel as EnforcementLevel | undefined) ?? defaults.get(policy);
        if (level) entry.setEnforcementlevel(LEVELS[level]);
        entry.setProperties(struct(properties));
        config.getPolicyconfigMap().set(policy, entry);
      }
      await unary<analyzerproto.ConfigureAnalyzerRequest, emptyproto.Empty>(configure, config);

      const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
      const violations: Violation[] = [];
      // The engine asks about each resource as it is registered, with its inputs ...
      for (const resource of plan.resources) {
        if (resource.type === "pulumi:pulumi:Stack") continue;
        const req = new analyzerproto.AnalyzeRequest();
        req.setType(resource.type);
        req.setName(resource.name);
        req.setUrn(resource.urn);
        req.setProperties(struct(resource.inputs));
        req.setOptions(options(resource));
        const provider = providerOf(resource, byUrn);
        if (provider) req.setProvider(provider);
        violations.push(...violationsOf(await unary(analyze, req), resource.urn));
      }
      // ... and about the whole stack at the end, with every resource's resulting state.
      const stackReq = new analyzerproto.AnalyzeStackRequest();
      stackReq.setResourcesList(
        plan.resources.map((resource) => {
          const r = new analyzerproto.AnalyzerResource();
          r.setType(resource.type);
          r.setName(resource.name);
          r.setUrn(resource.urn);
          r.setProperties(struct(resource.custom ? resource.outputs : resource.inputs));
          r.setOptions(options(resource));
          r.setParent(resource.parent ?? "");
          r.setDependenciesList(resource.dependencies);
          const provider = providerOf(resource, byUrn);
          if (provider) r.setProvider(provider);
          return r;
        }),
      );
      violations.push(...violationsOf(await unary(analyzeStack, stackReq), null));
      return violations;
    },
    close() {
      client.close();
      child.kill();
    },
  };
}
