/** Configuration of the `aws` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { ciRoleProblems } from "../../components/aws/gitlab-oidc";
import { assignmentProblems } from "../../components/aws/identity-center";
import { poolProblems } from "../../components/runner/model";
import { cidrBounds, cidrContains, cidrsOverlap } from "../../components/common/ipv4";
import {
  awsRegion,
  awsTagKey,
  awsTagValue,
  cidr,
  commonShape,
  email,
  hostname,
  httpsUrl,
  loadConfig,
  secretPath,
} from "../configuration";
import { GRAPH } from "../graph";

/** A KMS alias without its `alias/` prefix (https://docs.aws.amazon.com/kms/latest/developerguide/alias-about.html). */
const kmsAliasName = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9/_-]{1,250}$/, { error: "must be 1-250 letters, digits and / _ -, without the alias/ prefix" })
    .refine((v) => !v.startsWith("aws/"), { error: "aws/ is reserved for AWS managed keys" });

/** The private address ranges (RFC 1918) a VPC block comes from. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * Why a block cannot be the fleet's VPC: AWS takes /16 to /28 blocks, the fleet carves a subnet four bits smaller
 * per zone, and a VPC's block should be private (RFC 1918)
 * (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
 */
function vpcCidrProblem(block: string): string | undefined {
  const bits = Number(block.split("/")[1]);
  if (bits < 16 || bits > 24) {
    return (
      `${block} is a /${bits}; a VPC takes a /16 to /28 and the fleet carves a /${Math.min(bits + 4, 32)} per zone ` +
      "from it: give a private /16 to /24, e.g. 10.40.0.0/16"
    );
  }
  const [first, last] = cidrBounds(block);
  if (!PRIVATE_RANGES.some((range) => cidrContains(range, first) && cidrContains(range, last))) {
    return `${block} is not a private range (RFC 1918); use a block of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`;
  }
  return undefined;
}

/** The name assignments use for the management account itself, which is not a member account resource. */
export const MANAGEMENT_ACCOUNT = "management";

const name = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+=,.@_-]{0,63}$/, {
    error: `must be a ${what} name: letters, digits and +=,.@_- (at most 64)`,
  });

const accountSchema = z
  .object({
    name: name("account"),
    email: email(),
    ou: z.string(),
    tags: z.record(z.string(), awsTagValue()).default({}),
    adoptId: z
      .string()
      .regex(/^\d{12}$/, { error: "must be the 12-digit id of the existing account to adopt" })
      .optional(),
  })
  .strict();

const permissionSetSchema = z
  .object({
    name: z.string().regex(/^[\w+=,.@-]{1,32}$/, { error: "must be 1-32 characters of letters, digits and +=,.@_-" }),
    description: z.string().max(700),
    sessionDuration: z
      .string()
      .regex(/^PT([1-9]|1[0-2])H$/, { error: "must be an ISO 8601 duration from PT1H to PT12H" })
      .default("PT4H"),
    relayState: httpsUrl().optional(),
    managedPolicyArns: z
      .array(z.string().regex(/^arn:aws:iam::aws:policy\/.+$/, { error: "must be an AWS managed policy ARN" }))
      .default([]),
    inlinePolicy: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const ciRoleSchema = z
  .object({
    name: name("role"),
    kind: z.enum(["preview", "deploy"]),
    projects: z.array(z.string()),
    refs: z.array(z.string()).optional(),
    maxSessionDuration: z.number().int().default(3600),
  })
  .strict();

/** One runner pool as config declares it; the same shape travels in the `aws` contract to `group` and `lab`. */
export const poolSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, { error: "must be a DNS label of at most 32" }),
    tags: z.array(z.string().min(1)).min(1),
    architecture: z.enum(["arm64", "amd64"]),
    instanceTypes: z.array(z.string()).min(1),
    capacityPerInstance: z.number().int().min(1),
    maxInstances: z.number().int().min(1),
    maxUseCount: z.number().int().min(0),
    spot: z.boolean(),
    runUntagged: z.boolean(),
    protectedOnly: z.boolean(),
    privileged: z.boolean().default(false),
    image: z.string().default("alpine:3"),
    idle: z
      .object({
        periods: z.array(z.string()).min(1),
        timezone: z.string(),
        idleCount: z.number().int().min(0),
        idleTime: z.string(),
      })
      .strict(),
  })
  .strict();

/** The `aws` stack's config schema; `Pulumi.aws.yaml` documents every key. */
export const awsConfigSchema = z
  .object({
    ...commonShape(GRAPH.aws.needs),
    /** Region of the landing zone's regional resources and of the state backend. */
    region: awsRegion(),
    /** The organization management account the stack deploys into; the provider refuses any other account. */
    accountId: z.string().regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" }),
    stateBackend: z
      .object({
        bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
          error: "must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens",
        }),
        keyAlias: z
          .string()
          .regex(/^alias\/[A-Za-z0-9/_-]+$/, { error: "must start with alias/, e.g. alias/foundation-state" })
          .refine((v) => !v.startsWith("alias/aws/"), { error: "alias/aws/ is reserved for AWS managed keys" })
          .default("alias/foundation-state"),
        keyDeletionWindowDays: z
          .number()
          .int()
          .min(30, { error: "must be 30: the standard keeps the longest window KMS allows" })
          .max(30, { error: "must be 30: KMS allows at most 30 days" })
          .default(30),
        noncurrentVersionExpirationDays: z
          .number()
          .int()
          .min(30, { error: "must be at least 30 days, so a bad update can still be rolled back" })
          .default(90),
      })
      .strict(),
    organization: z
      .object({
        adoptId: z
          .string()
          .regex(/^o-[a-z0-9]{10,32}$/, { error: "must be the id (o-...) of the existing organization" })
          .optional(),
        awsServiceAccessPrincipals: z.array(z.string()).default(["sso.amazonaws.com"]),
        enabledPolicyTypes: z.array(z.enum(["SERVICE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY"])).default([]),
        organizationalUnits: z.array(z.object({ name: name("OU"), parent: z.string().default("root") }).strict()),
        accounts: z.array(accountSchema),
      })
      .strict(),
    /**
     * The member accounts (names from `organization.accounts`) the workloads live in, each reached through its own
     * provider and `foundation-deployer` role; the management account keeps only the organization, Identity Center,
     * the state backend and the CI roles (docs/runbooks/landing-zone.md, "Member accounts").
     */
    workloads: z
      .object({
        /** The runner fleet, its cache bucket and key, and Roles Anywhere. */
        runnerFleet: name("account"),
        /** The lab's DNS zone, its secrets and their key, and the IAM users of its controllers. */
        lab: name("account"),
      })
      .strict(),
    identityCenter: z
      .object({
        groups: z.array(z.object({ name: name("group"), description: z.string() }).strict()),
        permissionSets: z.array(permissionSetSchema),
        assignments: z.array(
          z.object({ group: z.string(), permissionSet: z.string(), accounts: z.array(z.string()).min(1) }).strict(),
        ),
      })
      .strict(),
    gitlabOidc: z
      .object({
        /** The GitLab instance that issues job tokens (the `iss` claim). */
        url: httpsUrl(),
        /** The `aud` jobs request in `id_tokens`; defaults to the URL. */
        audience: z.string().min(1).optional(),
        roles: z.array(ciRoleSchema),
      })
      .strict(),
    kms: z
      .object({
        runnerCacheAlias: kmsAliasName().default("foundation-runner-cache"),
        appSecretsAlias: kmsAliasName().default("foundation-app-secrets"),
      })
      .strict(),
    runnerFleet: z
      .object({
        vpcCidr: cidr(),
        availabilityZones: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/)).min(1),
        managerSourceCidrs: z.array(cidr()).min(1),
        cacheBucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
          error: "must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens",
        }),
        cacheExpirationDays: z.number().int().min(1).default(14),
        rootVolumeGiB: z.number().int().min(20).max(16384).default(50),
        managerCommonName: hostname(),
        pools: z.array(poolSchema).min(1),
      })
      .strict(),
    lab: z
      .object({
        /** The lab's DNS domain; its hosted zone lives here. */
        domain: hostname(),
        secretsPrefix: z
          .string()
          .regex(/\/$/, { error: "must end in '/', e.g. lab/" })
          .refine((v) => secretPath().safeParse(v.slice(0, -1)).success, {
            error: "must be names of letters, digits and _ + = . @ - separated by '/', ending in '/', e.g. lab/",
          }),
        secrets: z.array(secretPath()),
        credentialRotation: z.string().regex(/^[A-Za-z0-9._-]+$/, { error: "must be a short label such as 2026-11" }),
      })
      .strict(),
  })
  .superRefine((config, ctx) => {
    const { organization: org, identityCenter: ic, gitlabOidc } = config;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });

    const ouNames = org.organizationalUnits.map((u) => u.name);
    org.organizationalUnits.forEach((u, i) => {
      if (ouNames.indexOf(u.name) !== i)
        issue(["organization", "organizationalUnits", i, "name"], `duplicate OU '${u.name}'`);
      if (u.parent !== "root" && !ouNames.includes(u.parent)) {
        issue(
          ["organization", "organizationalUnits", i, "parent"],
          `unknown OU '${u.parent}'; use root or one of: ${ouNames.join(", ")}`,
        );
      }
    });
    const accountNames = org.accounts.map((a) => a.name);
    const emails = org.accounts.map((a) => a.email.toLowerCase());
    org.accounts.forEach((a, i) => {
      const at = ["organization", "accounts", i];
      if (accountNames.indexOf(a.name) !== i || a.name === MANAGEMENT_ACCOUNT) {
        issue(
          [...at, "name"],
          `duplicate account name '${a.name}' ('${MANAGEMENT_ACCOUNT}' is the management account)`,
        );
      }
      if (emails.indexOf(a.email.toLowerCase()) !== i) issue([...at, "email"], `duplicate account email '${a.email}'`);
      for (const key of Object.keys(a.tags)) {
        const parsed = awsTagKey().safeParse(key);
        if (!parsed.success) issue([...at, "tags", key], `${parsed.error.issues[0].message}; rename the tag`);
      }
      if (!ouNames.includes(a.ou)) issue([...at, "ou"], `unknown OU '${a.ou}'; known OUs: ${ouNames.join(", ")}`);
    });

    const members = [...new Set(accountNames)].filter((n) => n !== MANAGEMENT_ACCOUNT);
    for (const placement of ["runnerFleet", "lab"] as const) {
      const account = config.workloads[placement];
      if (!members.includes(account)) {
        issue(
          ["workloads", placement],
          `'${account}' is not a member account of organization.accounts (workloads never run in the ` +
            `management account, where no SCP applies); known: ${members.join(", ") || "none"}`,
        );
      }
    }

    const problems = assignmentProblems(ic.assignments, {
      groups: ic.groups.map((g) => g.name),
      permissionSets: ic.permissionSets.map((p) => p.name),
      accounts: [...new Set([MANAGEMENT_ACCOUNT, ...accountNames])],
    });
    for (const problem of problems) {
      const index = Number(/^assignment (\d+):/.exec(problem)?.[1]);
      issue(["identityCenter", "assignments", index], problem.replace(/^assignment \d+: /, ""));
    }

    gitlabOidc.roles.forEach((role, i) => {
      for (const problem of ciRoleProblems(role)) issue(["gitlabOidc", "roles", i], problem);
    });
    const poolNames = config.runnerFleet.pools.map((p) => p.name);
    config.runnerFleet.pools.forEach((pool, i) => {
      const at = ["runnerFleet", "pools", i];
      if (poolNames.indexOf(pool.name) !== i) issue([...at, "name"], `duplicate pool '${pool.name}'`);
      // The runner model's own pool rules (instance types against the architecture, Spot fallbacks, idle policy),
      // reported at the config key they name.
      for (const problem of poolProblems("", pool)) {
        const [, field, message] = /^\.([\w.]+): (.*)$/s.exec(problem) ?? [];
        issue([...at, ...(field ? field.split(".") : [])], message ?? problem);
      }
    });

    const fleet = config.runnerFleet;
    fleet.availabilityZones.forEach((zone, i) => {
      const at = ["runnerFleet", "availabilityZones", i];
      if (!zone.startsWith(config.region) || !/^[a-z]$/.test(zone.slice(config.region.length))) {
        issue(at, `'${zone}' is not a zone of region ${config.region}; use zones like ${config.region}a`);
      } else if (fleet.availabilityZones.indexOf(zone) !== i) {
        issue(at, `'${zone}' is listed twice; list each zone once`);
      }
    });
    const vpcProblem = vpcCidrProblem(fleet.vpcCidr);
    if (vpcProblem) issue(["runnerFleet", "vpcCidr"], vpcProblem);
    fleet.managerSourceCidrs.forEach((block, i) => {
      if (block.endsWith("/0")) {
        issue(
          ["runnerFleet", "managerSourceCidrs", i],
          `${block} lets every address reach SSH on the fleet's instances; give the lab's egress address, e.g. 198.51.100.7/32`,
        );
      } else if (!vpcProblem && cidrsOverlap(block, fleet.vpcCidr)) {
        issue(
          ["runnerFleet", "managerSourceCidrs", i],
          `${block} overlaps the fleet's own VPC ${fleet.vpcCidr}; give the manager's public egress address`,
        );
      }
    });
    if (fleet.cacheBucketName === config.stateBackend.bucketName) {
      issue(
        ["runnerFleet", "cacheBucketName"],
        `'${fleet.cacheBucketName}' is the state bucket's name too; jobs write the cache, so it must be a bucket of its own`,
      );
    }
    const aliases: [string[], string][] = [
      [["stateBackend", "keyAlias"], config.stateBackend.keyAlias.replace(/^alias\//, "")],
      [["kms", "runnerCacheAlias"], config.kms.runnerCacheAlias],
      [["kms", "appSecretsAlias"], config.kms.appSecretsAlias],
    ];
    aliases.forEach(([path, alias], i) => {
      const first = aliases.findIndex(([, other]) => other === alias);
      if (first !== i) {
        issue(
          path,
          `'${alias}' is also ${aliases[first][0].join(".")}; give every key its own alias, so a policy or a runbook that names one names only that key`,
        );
      }
    });
    config.lab.secrets.forEach((secret, i) => {
      if (config.lab.secrets.indexOf(secret) !== i)
        issue(["lab", "secrets", i], `'${secret}' is listed twice; list each secret once`);
    });
    for (const [key, list] of [
      ["groups", ic.groups.map((g) => g.name)],
      ["permissionSets", ic.permissionSets.map((p) => p.name)],
    ] as const) {
      list.forEach((item, i) => {
        if (list.indexOf(item) !== i)
          issue(["identityCenter", key, i, "name"], `'${item}' is defined twice; give each its own name`);
      });
    }
    for (const key of ["owner", "costCenter"] as const) {
      if (!awsTagValue().safeParse(config[key]).success) {
        issue([key], "is a tag value on every AWS resource: at most 256 letters, digits, spaces and _ . : / = + - @");
      }
    }

    const kinds = gitlabOidc.roles.map((r) => r.kind);
    for (const kind of ["preview", "deploy"] as const) {
      if (kinds.filter((k) => k === kind).length !== 1) {
        issue(["gitlabOidc", "roles"], `define exactly one ${kind} role; the pipeline assumes it by kind`);
      }
    }
  });

/** The validated `aws` config. */
export type AwsConfig = z.infer<typeof awsConfigSchema>;

/** Loads and validates the running stack's config. */
export function awsConfig(): AwsConfig {
  return loadConfig("aws", awsConfigSchema);
}
