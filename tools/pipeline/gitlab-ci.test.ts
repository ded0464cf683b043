import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse, YAMLSeq } from "yaml";
import { GRAPH, stackOrder } from "../../stacks/graph";
import {
  Job,
  MANUAL_GATES,
  NODE_IMAGE,
  PIPELINE_FILE,
  pipelineInputs,
  pipelineObject,
  renderPipeline,
  ROOT,
  stackSources,
  STAGES,
  VERIFY_IMAGES,
  verifyJobs,
} from "./gitlab-ci";
import { provenanceProblems } from "../provenance";
import { runnerRecords } from "../../components/runner/model";
import { sampleRunnerModel } from "../../components/runner/testing";
import { isDigestPinnedImage } from "../../components/common/validation";
import {
  imageAllowed,
  inventoryProblems as inventoryProblemsOf,
  readRunnerInventory,
  RunnerInventory,
} from "./runners";

/** GitLab's pipeline schema, copied byte for byte; the README there gives its upstream, version and sha256. */
const SCHEMA_DIR = join(__dirname, "testdata", "schemas");
const SCHEMA = join(SCHEMA_DIR, "ci.json");

/** GitLab's `!reference [job, key]` tag; this pipeline does not use it, but the parser must accept files that do. */
const referenceTag = {
  tag: "!reference",
  collection: "seq" as const,
  resolve: (seq: YAMLSeq) => seq,
};

function load(text: string): Record<string, unknown> {
  return parse(text, { customTags: [referenceTag] }) as Record<string, unknown>;
}

const committed = readFileSync(PIPELINE_FILE, "utf8");
const pipeline = load(committed);
const jobs = Object.fromEntries(
  Object.entries(pipeline).filter(([name]) => !["include", "workflow", "stages", "variables"].includes(name)),
) as Record<string, Job>;
const awsConfig = parse(readFileSync(join(ROOT, "Pulumi.aws.yaml"), "utf8")) as {
  config: Record<string, { audience: string }>;
};
const audience = awsConfig.config["foundation:gitlabOidc"].audience;

let validate: ValidateFunction;
beforeAll(() => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, "utf8")));
});

describe(".gitlab-ci.yml", () => {
  it("is checked against the schema its README names: the copy's sha256 matches its row", () => {
    expect(provenanceProblems(SCHEMA_DIR)).toEqual([]);
  });

  it("validates against GitLab's own pipeline schema", () => {
    const valid = validate(pipeline);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("is what `npm run pipeline` generates (run it after changing the graph, a stack's imports or the generator)", () => {
    expect(committed).toBe(renderPipeline(pipelineInputs(ROOT)));
  });

  it("has exactly the check, plan, per-stack and drift jobs, stack jobs in graph order", () => {
    const order = stackOrder();
    expect(Object.keys(jobs)).toEqual([
      "install",
      "lint",
      "typecheck",
      "unit-tests",
      "plan",
      "plan:diff",
      ...order.map((s) => `preview:${s}`),
      ...order.map((s) => `deploy:${s}`),
      "smoke:eve-skill-farm",
      "verify:proxmox-deploy",
      "verify:proxmox-deploy:cache",
      "verify:arm64",
      "verify:arm64:cache",
      "verify:arm64-large",
      "verify:arm64-large:cache",
      "verify:arm64-dind",
      "verify:arm64-dind:dind",
      "verify:arm64-dind:cache",
      ...order.map((s) => `drift:${s}`),
    ]);
    expect(pipeline.stages).toEqual([...STAGES]);
    for (const [name, job] of Object.entries(jobs))
      expect([name, STAGES.includes(job.stage as never)]).toEqual([name, true]);
  });

  it("includes GitLab's SAST and Secret Detection templates and runs them in merge request pipelines", () => {
    expect(pipeline.include).toEqual([
      { template: "Jobs/SAST.gitlab-ci.yml" },
      { template: "Jobs/Secret-Detection.gitlab-ci.yml" },
    ]);
    expect((pipeline.variables as Record<string, string>).AST_ENABLE_MR_PIPELINES).toBe("true");
  });

  it("chains deploys along the graph: each after its own preview and the deploys of the stacks it reads", () => {
    expect(jobs["deploy:aws"].needs).toEqual(["preview:aws"]);
    expect(jobs["deploy:group"].needs).toEqual(["preview:group", "deploy:aws"]);
    expect(jobs["deploy:lab"].needs).toEqual(["preview:lab", "deploy:aws", "deploy:group"]);
    expect(jobs["deploy:eve-skill-farm"].needs).toEqual(["preview:eve-skill-farm", "deploy:lab"]);
    expect(jobs["smoke:eve-skill-farm"].needs).toEqual(["deploy:eve-skill-farm"]);
    for (const stack of stackOrder()) {
      expect(jobs[`deploy:${stack}`].needs.slice(1)).toEqual(GRAPH[stack].needs.map((n) => `deploy:${n}`));
    }
  });

  it("runs previews after the checks and after the previews of upstream stacks when those run", () => {
    expect(jobs["preview:aws"].needs).toEqual(["plan", "lint", "typecheck", "unit-tests"]);
    expect(jobs["preview:lab"].needs).toEqual([
      "plan",
      "lint",
      "typecheck",
      "unit-tests",
      { job: "preview:aws", optional: true },
      { job: "preview:group", optional: true },
    ]);
  });

  it("never applies one stack twice at once: one resource group per stack, shared by its deploy and drift jobs", () => {
    for (const stack of stackOrder()) {
      expect(jobs[`deploy:${stack}`].resource_group).toBe(`foundation-${stack}`);
      expect(jobs[`drift:${stack}`].resource_group).toBe(`foundation-${stack}`);
    }
    const groups = stackOrder().map((s) => jobs[`deploy:${s}`].resource_group);
    expect(new Set(groups).size).toBe(groups.length);
  });

  it("refuses, before the lab's apply, an update that would replace the runner manager the job runs on", () => {
    const script = jobs["deploy:lab"].script as string[];
    const guard = script.indexOf("node -r ./tools/register.js tools/pipeline/runner-guard.ts --file preview-lab.json");
    expect(script[guard - 1]).toBe("pulumi preview --stack lab --json --non-interactive > preview-lab.json");
    expect(guard).toBeLessThan(script.findIndex((line) => line.startsWith("pulumi up --stack lab")));
    for (const stack of ["aws", "group", "eve-skill-farm"]) {
      expect(jobs[`deploy:${stack}`].script.some((line: string) => line.includes("runner-guard"))).toBe(false);
    }
  });

  it("applies with the pack and the stack's own pack settings, written just before", () => {
    for (const stack of stackOrder()) {
      const script = jobs[`deploy:${stack}`].script as string[];
      expect(script.slice(-2)).toEqual([
        `npm run -s policies -- config --stack ${stack} > policy-pack-config.json`,
        `pulumi up --stack ${stack} --yes --diff --policy-pack policies --policy-pack-config policy-pack-config.json ` +
          "--non-interactive --color never",
      ]);
    }
  });

  it("deploys each stack to its own environment", () => {
    expect(stackOrder().map((s) => jobs[`deploy:${s}`].environment)).toEqual(
      stackOrder().map((s) => ({ name: `foundation/${s}`, deployment_tier: "production" })),
    );
  });

  it("gates aws and lab behind a blocking manual action and applies group and eve-skill-farm on success", () => {
    expect([...MANUAL_GATES].sort()).toEqual(["aws", "lab"]);
    const defaultBranch = '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"';
    for (const stack of stackOrder()) {
      const manual = MANUAL_GATES.has(stack);
      expect(jobs[`deploy:${stack}`].rules).toEqual([
        manual ? { if: defaultBranch, when: "manual", allow_failure: false } : { if: defaultBranch },
      ]);
    }
  });

  it("previews in merge requests only when the stack's files changed, always on the default branch", () => {
    for (const stack of stackOrder()) {
      const [mr, main] = jobs[`preview:${stack}`].rules;
      expect(mr.if).toBe('$CI_PIPELINE_SOURCE == "merge_request_event"');
      expect(mr.changes).toEqual(
        expect.arrayContaining([`Pulumi.${stack}.yaml`, `stacks/${stack}/*`, "policies/**/*"]),
      );
      expect(main).toEqual({ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"' });
    }
    expect(jobs["preview:aws"].rules[0].changes).not.toContain("Pulumi.lab.yaml");
  });

  it("runs drift detection only on schedules of the default branch, and nothing else on schedules", () => {
    const schedule = '$CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH';
    for (const [name, job] of Object.entries(jobs)) {
      const onSchedule = job.rules.some((r) => r.if === schedule);
      expect([name, onSchedule]).toEqual([name, name.startsWith("drift:")]);
    }
    expect(jobs["drift:lab"].script.slice(-4)).toEqual([
      "pulumi refresh --stack lab --preview-only --diff --non-interactive --color never",
      "status=0",
      "pulumi preview --stack lab --refresh --expect-no-changes --json --non-interactive > drift-lab.json || status=$?",
      'node -r ./tools/register.js tools/pipeline/drift.ts --stack lab --file drift-lab.json --exit-code "$status"',
    ]);
  });

  it("pins the OIDC audience and gives the deploy role only to deploy jobs", () => {
    const withToken = Object.entries(jobs).filter(([, job]) => job.id_tokens !== undefined);
    expect(withToken.map(([name]) => name).sort()).toEqual(
      Object.keys(jobs)
        .filter((n) => /^(preview|deploy|smoke|drift):/.test(n))
        .sort(),
    );
    for (const [name, job] of withToken) {
      expect([name, job.id_tokens]).toEqual([name, { FOUNDATION_OIDC_TOKEN: { aud: audience } }]);
      const role = name.startsWith("deploy:") ? "FOUNDATION_DEPLOY_ROLE_ARN" : "FOUNDATION_PREVIEW_ROLE_ARN";
      expect([name, job.script]).toEqual([name, expect.arrayContaining([`export AWS_ROLE_ARN="$${role}"`])]);
      expect(job.script).toContain('printf \'%s\' "$FOUNDATION_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"');
    }
    expect(committed.match(/FOUNDATION_DEPLOY_ROLE_ARN/g)).toHaveLength(stackOrder().length);
  });

  it("runs every apply on the protected deploy runner with the protected deploy credentials", () => {
    for (const stack of stackOrder()) expect(jobs[`deploy:${stack}`].tags).toEqual(["deploy"]);
    expect(jobs["deploy:group"].variables?.GITLAB_TOKEN).toBe("$FOUNDATION_GITLAB_OWNER_TOKEN");
    expect(jobs["preview:group"].variables?.GITLAB_TOKEN).toBe("$FOUNDATION_GITLAB_READ_TOKEN");
    expect(jobs["deploy:lab"].variables?.PROXMOX_VE_API_TOKEN).toBe("$FOUNDATION_PROXMOX_DEPLOY_TOKEN");
    expect(jobs["preview:lab"].variables?.PROXMOX_VE_API_TOKEN).toBe("$FOUNDATION_PROXMOX_AUDIT_TOKEN");
  });

  it("pins every job image by digest and the Pulumi CLI to the SDK's version", () => {
    expect(NODE_IMAGE).toMatch(/^node:20-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(Object.values(VERIFY_IMAGES).filter((image) => !isDigestPinnedImage(image))).toEqual([]);
    // Every job runs the Node image but the privileged pool's docker-in-docker job, which runs the Docker CLI with
    // the dind service, both pinned in VERIFY_IMAGES.
    for (const [name, job] of Object.entries(jobs)) {
      expect([name, job.image]).toEqual([
        name,
        name === "verify:arm64-dind:dind" ? VERIFY_IMAGES.dockerCli : NODE_IMAGE,
      ]);
    }
    expect(committed).not.toMatch(/:latest\b/);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect((pipeline.variables as Record<string, string>).PULUMI_VERSION).toBe(pkg.dependencies["@pulumi/pulumi"]);
  });

  it("reports JUnit, Code Quality and the saved previews as artifacts", () => {
    expect(jobs["unit-tests"].artifacts).toEqual({
      when: "always",
      reports: { junit: "reports/junit.xml" },
      expire_in: "30 days",
    });
    expect((jobs.plan.artifacts as { reports: unknown }).reports).toEqual({
      codequality: "gl-code-quality-report.json",
    });
    expect(jobs.plan.script).toContain("npm run -s policies -- --codequality gl-code-quality-report.json");
    for (const stack of stackOrder()) {
      expect((jobs[`preview:${stack}`].artifacts as { paths: string[] }).paths).toEqual([`preview-${stack}.txt`]);
      const script = jobs[`preview:${stack}`].script as string[];
      const preview =
        `pulumi preview --stack ${stack} --diff --policy-pack policies --policy-pack-config ` +
        `policy-pack-config.json --non-interactive --color never 2>&1 | tee preview-${stack}.txt`;
      // The stack's own enforcement and exceptions are written before the preview that reads them.
      const configured = script.indexOf(`npm run -s policies -- config --stack ${stack} > policy-pack-config.json`);
      expect(configured).toBeGreaterThanOrEqual(0);
      expect(script.indexOf(preview)).toBeGreaterThan(configured);
    }
  });

  it("posts the plan diff only in merge requests", () => {
    expect(jobs["plan:diff"].rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(jobs["plan:diff"].script).toContain(
      "node -r ./tools/register.js tools/pipeline/mr-note.ts --file plan-diff.md",
    );
  });
});

describe("the schema check", () => {
  it("rejects a pipeline GitLab would reject", () => {
    const broken = load("build:\n  script: [make]\n  when: sometimes\n");
    expect(validate(broken)).toBe(false);
  });

  it("reads !reference tags as the sequence GitLab resolves, which the schema accepts", () => {
    const text = ".setup:\n  script: [echo hi]\nbuild:\n  script:\n    - !reference [.setup, script]\n    - make\n";
    const doc = load(text) as { build: { script: unknown[] } };
    expect(doc.build.script).toEqual([[".setup", "script"], "make"]);
    expect(validate(doc)).toBe(true);
  });
});

describe("stackSources", () => {
  const scratch = mkdtempSync(join(tmpdir(), "foundation-sources-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), text);
  };

  it("lists the directories a stack's program reaches through relative imports, and the shared files", () => {
    write(
      "stacks/aws/index.ts",
      'import * as pulumi from "@pulumi/pulumi";\nimport { A } from "../../components/a";\n',
    );
    write("stacks/aws/config.ts", 'import { z } from "zod";\nimport { C } from "../contract";\n');
    write("stacks/aws/outputs.ts", "export const x = 1;\n");
    write("stacks/contract.ts", "export const C = 1;\n");
    write("components/a/index.ts", 'export { B } from "./b";\nimport "../../components/c/deep/d";\n');
    write("components/a/b.ts", "export const B = 1;\n");
    write("components/c/deep/d.ts", "export const D = 1;\n");
    write("components/unused/e.ts", "export const E = 1;\n");
    expect(stackSources(scratch, "aws")).toEqual([
      ".gitlab-ci.yml",
      "Pulumi.yaml",
      "package.json",
      "package-lock.json",
      "policies/**/*",
      "Pulumi.aws.yaml",
      "components/a/*",
      "components/c/deep/*",
      "stacks/*",
      "stacks/aws/*",
    ]);
  });

  it("counts every file below a directory the program reads data from at run time", () => {
    write("stacks/lab/index.ts", 'import { ruleFiles } from "../../monitoring/files";\n');
    write("stacks/lab/config.ts", "export const c = 1;\n");
    write("stacks/lab/outputs.ts", "export const o = 1;\n");
    write("monitoring/files.ts", "export const ruleFiles = () => [];\n");
    expect(stackSources(scratch, "lab").slice(-2)).toEqual(["monitoring/**/*", "stacks/lab/*"]);
    expect(stackSources(ROOT, "lab")).toContain("monitoring/**/*");
    expect(stackSources(ROOT, "aws")).not.toContain("monitoring/**/*");
  });
});

/** The runners of the example configs, as the generator reads them. */
const inventory = readRunnerInventory(ROOT);

/** An inventory with the runner model's sample pools: one privileged arm64 pool, one unprivileged amd64 pool. */
const withDind: RunnerInventory = {
  ...inventory,
  pools: sampleRunnerModel().pools.map((pool) => ({
    name: pool.name,
    tags: pool.tags,
    privileged: pool.privileged ?? false,
    architecture: pool.architecture,
  })),
};

describe("the verify stage", () => {
  const DEFAULT_BRANCH = [{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"' }];
  const verify = Object.entries(jobs).filter(([name]) => name.startsWith("verify:"));

  it("reads the deploy runner from the group config and the pools from the aws config", () => {
    expect(inventory).toEqual({
      deploy: {
        name: "proxmox-deploy",
        tags: ["deploy"],
        privileged: false,
        allowedImages: ["node:20-bookworm-slim@sha256:*"],
      },
      pools: [
        { name: "arm64", tags: ["arm64", "docker"], privileged: false, architecture: "arm64" },
        { name: "arm64-large", tags: ["arm64", "large"], privileged: false, architecture: "arm64" },
        { name: "arm64-dind", tags: ["arm64", "dind"], privileged: true, architecture: "arm64" },
      ],
      egress: { ntpServer: "192.168.10.1", sshAnywhere: true },
    });
  });

  it("runs one tagged job per runner and pool after the lab's deploy, and reads the cache back in a later job", () => {
    expect(verify.map(([name, job]) => [name, job.tags, job.needs])).toEqual([
      ["verify:proxmox-deploy", ["deploy"], ["deploy:lab"]],
      ["verify:proxmox-deploy:cache", ["deploy"], ["verify:proxmox-deploy"]],
      ["verify:arm64", ["arm64", "docker"], ["deploy:lab"]],
      ["verify:arm64:cache", ["arm64", "docker"], ["verify:arm64"]],
      ["verify:arm64-large", ["arm64", "large"], ["deploy:lab"]],
      ["verify:arm64-large:cache", ["arm64", "large"], ["verify:arm64-large"]],
      ["verify:arm64-dind", ["arm64", "dind"], ["deploy:lab"]],
      ["verify:arm64-dind:dind", ["arm64", "dind"], ["deploy:lab"]],
      ["verify:arm64-dind:cache", ["arm64", "dind"], ["verify:arm64-dind"]],
    ]);
    for (const [name, job] of verify) {
      expect([name, job.stage, job.rules, job.timeout]).toEqual([name, "verify", DEFAULT_BRANCH, "20 minutes"]);
      // No verify job holds a credential: no ID token, no protected variable.
      expect([name, job.id_tokens, JSON.stringify(job.variables ?? {})]).toEqual([
        name,
        undefined,
        expect.not.stringMatching(/FOUNDATION_/),
      ]);
    }
  });

  it("writes one file per runner to the S3 cache and reads the same key back, failing when it does not come back", () => {
    for (const runner of ["proxmox-deploy", "arm64", "arm64-large"]) {
      const key = `verify-${runner}-$CI_PIPELINE_ID`;
      const write = jobs[`verify:${runner}`];
      const read = jobs[`verify:${runner}:cache`];
      expect(write.cache).toContainEqual({ key, paths: ["verify-cache/"], policy: "push" });
      expect(read.cache).toEqual([{ key, paths: ["verify-cache/"], policy: "pull" }]);
      expect(write.script).toContain(`echo "$CI_PIPELINE_ID ${runner}" > verify-cache/${runner}`);
      expect(read.script).toContain(
        `test "$(cat verify-cache/${runner} 2>/dev/null)" = "$CI_PIPELINE_ID ${runner}" || { echo "runner ${runner}: ` +
          `the file verify:${runner} wrote to the S3 cache did not come back" >&2; exit 1; }`,
      );
    }
  });

  it("proves each job ran on the runner it names, whose description the runner record starts with its name", () => {
    for (const [name, job] of verify) {
      const runner = name.split(":")[1];
      expect([name, job.script]).toEqual([
        name,
        expect.arrayContaining([
          `case "$CI_RUNNER_DESCRIPTION" in "${runner}: "*) true ;; *) false ;; esac || { echo "runner ${runner}: this job ran on another runner" >&2; exit 1; }`,
        ]),
      ]);
    }
    for (const record of runnerRecords(sampleRunnerModel())) {
      expect(record.description.startsWith(`${record.name}: `)).toBe(true);
    }
  });

  it("checks the arm64 pools run on aarch64 instances", () => {
    for (const pool of ["arm64", "arm64-large"]) {
      expect(jobs[`verify:${pool}`].script).toContain(
        `test "$(uname -m)" = aarch64 || { echo "runner ${pool}: expected an aarch64 instance, got $(uname -m)" >&2; exit 1; }`,
      );
    }
  });

  it("dry-runs the deploy runner's egress: DNS, HTTPS to GitLab, NTP to the lab's time server, SSH out", () => {
    expect(jobs["verify:proxmox-deploy"].script).toContain(
      'node -r ./tools/register.js tools/pipeline/egress-check.ts --runner proxmox-deploy --dns "$CI_SERVER_HOST" ' +
        '--https "$CI_SERVER_URL" --ntp 192.168.10.1 --tcp "$CI_SERVER_HOST:22"',
    );
    const onlyToFleet = verifyJobs({ ...inventory, egress: { ntpServer: "192.0.2.123", sshAnywhere: false } });
    expect(onlyToFleet["verify:proxmox-deploy"].script).toContain(
      'node -r ./tools/register.js tools/pipeline/egress-check.ts --runner proxmox-deploy --dns "$CI_SERVER_HOST" ' +
        '--https "$CI_SERVER_URL" --ntp 192.0.2.123',
    );
  });

  it("uses on the deploy runner only an image its allowed_images accept, pinned by digest", () => {
    for (const [name, job] of verify.filter(([, job]) => job.tags?.includes("deploy"))) {
      expect([name, imageAllowed(inventory.deploy.allowedImages, job.image), job.services]).toEqual([
        name,
        true,
        undefined,
      ]);
    }
    expect(imageAllowed(["node:20-bookworm-slim@sha256:*"], "node:20-bookworm-slim")).toBe(false);
    expect(imageAllowed(["node:20-bookworm-slim@sha256:*"], "node:20-bookworm-slim@sha256:abc/def")).toBe(false);
    expect(imageAllowed(["**", "!*/kali*"], "docker.io/kalilinux")).toBe(false);
    expect(() =>
      verifyJobs({ ...inventory, deploy: { ...inventory.deploy, allowedImages: ["alpine@sha256:*"] } }),
    ).toThrow(
      `Pulumi.group.yaml: foundation:runners.deploy.allowedImages does not allow the job image ${NODE_IMAGE}; allow it by digest, e.g. "node:20-bookworm-slim@sha256:*"`,
    );
  });

  it("builds with docker-in-docker on a privileged pool, for the pool's own platform, and gives an unprivileged pool no such job", () => {
    const generated = verifyJobs(withDind);
    expect(Object.keys(generated)).toEqual([
      "verify:proxmox-deploy",
      "verify:proxmox-deploy:cache",
      "verify:arm64-spot",
      "verify:arm64-spot:dind",
      "verify:arm64-spot:cache",
      "verify:amd64-ondemand",
      "verify:amd64-ondemand:cache",
    ]);
    const dind = generated["verify:arm64-spot:dind"];
    expect([dind.image, dind.services, dind.tags, dind.needs]).toEqual([
      VERIFY_IMAGES.dockerCli,
      [{ name: VERIFY_IMAGES.dind, alias: "docker" }],
      ["aws-arm64"],
      ["deploy:lab"],
    ]);
    expect(dind.script.slice(2)).toEqual([
      'docker info || { echo "runner arm64-spot: docker info failed: the docker-in-docker service is not reachable" >&2; exit 1; }',
      `printf 'FROM %s\\nRUN test "$(uname -m)" = %s\\n' "${VERIFY_IMAGES.alpine}" "aarch64" > Dockerfile`,
      'docker build --platform linux/arm64 --tag verify-arm64-spot:$CI_PIPELINE_ID . || { echo "runner arm64-spot: docker build for linux/arm64 failed" >&2; exit 1; }',
      `test "$(docker image inspect --format "{{.Architecture}}" verify-arm64-spot:$CI_PIPELINE_ID)" = arm64 || { echo "runner arm64-spot: the built image is not linux/arm64" >&2; exit 1; }`,
      'echo "runner arm64-spot: docker-in-docker builds linux/arm64 images"',
    ]);
    expect(generated["verify:amd64-ondemand"].script).toContain(
      'test "$(uname -m)" = x86_64 || { echo "runner amd64-ondemand: expected an x86_64 instance, got $(uname -m)" >&2; exit 1; }',
    );
  });

  it("a pipeline with a docker-in-docker job still validates against GitLab's schema", () => {
    const document = JSON.parse(JSON.stringify(pipelineObject({ ...pipelineInputs(ROOT), runners: withDind })));
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("refuses runners a verify job could not tell apart, and a deploy runner without the deploy tag", () => {
    const shadowed: RunnerInventory = {
      ...inventory,
      pools: [
        { name: "arm64", tags: ["arm64"], privileged: false, architecture: "arm64" },
        { name: "arm64-large", tags: ["arm64", "large"], privileged: false, architecture: "arm64" },
      ],
    };
    expect(() => verifyJobs({ ...inventory, deploy: { ...inventory.deploy, tags: ["lab"] } })).toThrow(
      'Pulumi.group.yaml: foundation:runners.deploy.tags has no "deploy", the tag every deploy job asks for; add it',
    );
    expect(inventoryProblemsOf(shadowed)).toEqual([
      'Pulumi.aws.yaml: foundation:runnerFleet.pools[0].tags: every tag of "arm64" (arm64) is also a tag of ' +
        '"arm64-large", so a job asking for "arm64" could run on "arm64-large"; give "arm64" a tag of its own',
    ]);
  });
});
