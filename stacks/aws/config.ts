/** Configuration of the `aws` stack: the whole `foundation:` namespace, validated at once. */
import { z } from "zod";
import { ciRoleProblems } from "../../components/aws/gitlab-oidc";
import { assignmentProblems } from "../../components/aws/identity-center";
import { imageComponentProblems } from "../../components/aws/runner-image";
import { isTimeZone } from "../../components/common/validation";
import { instanceTypeArchitecture } from "../../components/runner/instance-types";
import { poolProblems } from "../../components/runner/model";
import { cidrBounds, cidrContains, cidrsOverlap } from "../../components/common/ipv4";
import { isAwsAvailabilityZone } from "../../components/common/validation";
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

/**
 * The fleet's baked image (components/aws/runner-image.ts): the Image Builder pipeline, one variant per architecture
 * of the pools, and optionally a pinned AMI to boot instead of its newest build.
 */
const fleetImageSchema = z
  .object({
    /** Boot this AMI, one the pipeline baked, instead of the newest build; null boots the newest. */
    pinned: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, { error: "must be an AMI id: ami- and 8 to 17 hex digits, e.g. ami-0abc1234" })
      .nullable(),
    bake: z
      .object({
        /** When the pipeline checks for updates, as Image Builder's six-field cron. */
        schedule: z.string().regex(/^cron\((\S+ ){5}\S+\)$/, {
          error: "must be Image Builder's six-field cron, e.g. cron(0 4 ? * mon *)",
        }),
        timezone: z.string().refine(isTimeZone, { error: "must be an IANA time zone, e.g. Europe/Berlin" }),
        nodeExporterVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must be a release X.Y.Z, e.g. 1.9.1" }),
        variants: z
          .array(
            z
              .object({
                architecture: z.enum(["arm64", "amd64"]),
                instanceType: z.string(),
                preloadImages: z.array(z.string()),
                nodeExporterSha256: z.string(),
              })
              .strict(),
          )
          .min(1),
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
        etcdBackupAlias: kmsAliasName().default("foundation-etcd-backup"),
      })
      .strict(),
    runnerFleet: z
      .object({
        vpcCidr: cidr(),
        availabilityZones: z.array(z.string().refine(isAwsAvailabilityZone)).min(1),
        managerSourceCidrs: z.array(cidr()).min(1),
        cacheBucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
          error: "must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens",
        }),
        cacheExpirationDays: z.number().int().min(1).default(14),
        rootVolumeGiB: z.number().int().min(20).max(16384).default(50),
        managerCommonName: hostname(),
        pools: z.array(poolSchema).min(1),
        /** The baked image; without it, stock Amazon Linux 2023 that installs Docker at every boot. */
        image: fleetImageSchema.optional(),
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
        /** The bucket the lab cluster's etcd snapshots go to, and its writer (components/aws/etcd-backup-store.ts). */
        etcdBackup: z
          .object({
            bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
              error: "must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens",
            }),
            keyPrefix: z
              .string()
              .regex(/^([A-Za-z0-9!_.*'()-]+\/)+$/, { error: "must be path segments ending in '/', e.g. etcd/lab/" })
              .default("etcd/lab/"),
            retentionDays: z.number().int().min(1, { error: "must be at least 1 day" }).default(30),
            noncurrentRetentionDays: z.number().int().min(1, { error: "must be at least 1 day" }).default(7),
            /** The writer's access key, under `lab.secretsPrefix`. */
            credentialsSecret: secretPath().default("etcd-backup/credentials"),
            /**
             * The writer key's own rotation mark: External Secrets' key (`lab.credentialRotation`) must keep working
             * while the cluster picks up a new writer key through it, so the two never rotate in the same `up`.
             */
            credentialRotation: z
              .string()
              .regex(/^[A-Za-z0-9._-]+$/, { error: "must be a short label such as 2026-11" }),
          })
          .strict(),
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
    if (fleet.image !== undefined) {
      const image = fleet.image;
      const poolArchitectures = [...new Set(fleet.pools.map((p) => p.architecture))];
      const variantArchitectures = image.bake.variants.map((v) => v.architecture);
      image.bake.variants.forEach((variant, i) => {
        const at = ["runnerFleet", "image", "bake", "variants", i];
        if (variantArchitectures.indexOf(variant.architecture) !== i) {
          issue([...at, "architecture"], `${variant.architecture} is listed twice; bake each architecture once`);
        } else if (!poolArchitectures.includes(variant.architecture)) {
          issue(
            [...at, "architecture"],
            `no pool is ${variant.architecture}, so nothing would boot this image; remove the variant (it is built and stored for nothing)`,
          );
        }
        const typeArchitecture = instanceTypeArchitecture(variant.instanceType);
        if (typeArchitecture !== variant.architecture) {
          issue(
            [...at, "instanceType"],
            `'${variant.instanceType}' ${typeArchitecture ? `is ${typeArchitecture}` : "is not an EC2 instance type"}; ` +
              `build the ${variant.architecture} image on an ${variant.architecture} type, e.g. ${variant.architecture === "arm64" ? "c7g.large" : "c7i.large"}`,
          );
        }
        for (const problem of imageComponentProblems({
          ...variant,
          nodeExporterVersion: image.bake.nodeExporterVersion,
        })) {
          const [, field, index, message] =
            /^(preloadImages|nodeExporterSha256|nodeExporterVersion)(?:\[(\d+)\])? (?:'[^']*' )?(.*)$/.exec(problem) ??
            [];
          if (field === "nodeExporterVersion") continue;
          issue([...at, field ?? "", ...(index === undefined ? [] : [Number(index)])], message ?? problem);
        }
      });
      for (const architecture of poolArchitectures) {
        if (!variantArchitectures.includes(architecture)) {
          issue(
            ["runnerFleet", "image", "bake", "variants"],
            `a pool is ${architecture}, but no variant bakes ${architecture}; add one, or its instances would boot nothing`,
          );
        }
      }
      if (image.pinned !== null && poolArchitectures.length > 1) {
        issue(
          ["runnerFleet", "image", "pinned"],
          `one AMI is one architecture, but the pools use ${poolArchitectures.join(" and ")}; set it to null to boot each architecture's newest build`,
        );
      }
    }
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
    const etcdBucket = config.lab.etcdBackup.bucketName;
    for (const [key, other] of [
      ["stateBackend.bucketName", config.stateBackend.bucketName],
      ["runnerFleet.cacheBucketName", fleet.cacheBucketName],
    ] as const) {
      if (etcdBucket === other) {
        issue(
          ["lab", "etcdBackup", "bucketName"],
          `'${etcdBucket}' is ${key} too; the restore points need a bucket of their own, with their own key and lifecycle`,
        );
      }
    }
    if (config.lab.secrets.includes(config.lab.etcdBackup.credentialsSecret)) {
      issue(
        ["lab", "etcdBackup", "credentialsSecret"],
        `'${config.lab.etcdBackup.credentialsSecret}' is also in lab.secrets, and Secrets Manager holds one secret per name: give the writer's key a name of its own`,
      );
    }
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
      [["kms", "etcdBackupAlias"], config.kms.etcdBackupAlias],
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
