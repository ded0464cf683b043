import { join } from "node:path";
import { readProjectFile, readStackConfig } from "../../tools/plan/stack-files";
import { loadConfig } from "../configuration";
import { awsConfigSchema } from "./config";
import { configEditor } from "../../tools/plan/testing";

const root = join(__dirname, "..", "..");
const sample = readStackConfig(root, readProjectFile(root), "aws").config;

interface Organization {
  accounts: { name: string; email: string; ou: string }[];
  organizationalUnits: { name: string; parent: string }[];
}
interface IdentityCenter {
  assignments: { group: string; permissionSet: string; accounts: string[] }[];
}
interface RunnerFleet {
  pools: { name: string; instanceTypes: string[]; spot: boolean }[];
}
interface Workloads {
  runnerFleet: string;
  lab: string;
}
interface GitlabOidc {
  url: string;
  roles: { kind: string; projects: string[]; refs?: string[] }[];
}

/** The sample config with one key's JSON value edited. */
const edited = configEditor(sample);

function problemsOf(config: Record<string, string>): string[] {
  try {
    loadConfig("aws", awsConfigSchema, config);
    return [];
  } catch (err) {
    return (err as Error).message.split("\n").slice(1);
  }
}

describe("aws config: landing zone topology", () => {
  it("accepts the sample", () => {
    expect(problemsOf(sample)).toEqual([]);
  });

  it.each([
    [
      "duplicate account names",
      edited<Organization>("organization", (o) => (o.accounts[1].name = "ci")),
      [
        "  - foundation:organization.accounts[1].name: duplicate account name 'ci' ('management' is the management account)",
        // The lab's workloads now name an account that no longer exists.
        "  - foundation:workloads.lab: 'lab' is not a member account of organization.accounts (workloads never run in the management account, where no SCP applies); known: ci",
        // The renamed account's assignments now point at nothing, and say so.
        "  - foundation:identityCenter.assignments[0]: unknown account 'lab'; known: management, ci",
        "  - foundation:identityCenter.assignments[1]: unknown account 'lab'; known: management, ci",
      ],
    ],
    [
      "an account named like the management account",
      edited<Organization>("organization", (o) => (o.accounts[1].name = "management")),
      [
        "  - foundation:organization.accounts[1].name: duplicate account name 'management' ('management' is the management account)",
        "  - foundation:workloads.lab: 'lab' is not a member account of organization.accounts (workloads never run in the management account, where no SCP applies); known: ci",
        "  - foundation:identityCenter.assignments[0]: unknown account 'lab'; known: management, ci",
        "  - foundation:identityCenter.assignments[1]: unknown account 'lab'; known: management, ci",
      ],
    ],
    [
      "duplicate account emails, case-insensitively",
      edited<Organization>("organization", (o) => (o.accounts[1].email = "AWS-CI@example.com")),
      ["  - foundation:organization.accounts[1].email: duplicate account email 'AWS-CI@example.com'"],
    ],
    [
      "an account in an OU that does not exist",
      edited<Organization>("organization", (o) => (o.accounts[0].ou = "platform")),
      [
        "  - foundation:organization.accounts[0].ou: unknown OU 'platform'; known OUs: infrastructure, workloads, sandbox",
      ],
    ],
    [
      "an OU under an OU that does not exist",
      edited<Organization>("organization", (o) => (o.organizationalUnits[2].parent = "apps")),
      [
        "  - foundation:organization.organizationalUnits[2].parent: unknown OU 'apps'; use root or one of: infrastructure, workloads, sandbox",
      ],
    ],
    [
      "an assignment to an unknown permission set",
      edited<IdentityCenter>("identityCenter", (ic) => (ic.assignments[1].permissionSet = "PowerUser")),
      [
        "  - foundation:identityCenter.assignments[1]: unknown permission set 'PowerUser'; known: Administrator, ReadOnly",
      ],
    ],
    [
      "an assignment to an unknown group and account",
      edited<IdentityCenter>("identityCenter", (ic) => {
        ic.assignments[0].group = "ops";
        ic.assignments[0].accounts = ["prod"];
      }),
      [
        "  - foundation:identityCenter.assignments[0]: unknown group 'ops'; known: platform-admins, developers",
        "  - foundation:identityCenter.assignments[0]: unknown account 'prod'; known: management, ci, lab",
      ],
    ],
    [
      "workloads in the management account",
      edited<Workloads>("workloads", (w) => (w.runnerFleet = "management")),
      [
        "  - foundation:workloads.runnerFleet: 'management' is not a member account of organization.accounts (workloads never run in the management account, where no SCP applies); known: ci, lab",
      ],
    ],
    [
      "workloads in an account the organization does not have",
      edited<Workloads>("workloads", (w) => (w.lab = "prod")),
      [
        "  - foundation:workloads.lab: 'prod' is not a member account of organization.accounts (workloads never run in the management account, where no SCP applies); known: ci, lab",
      ],
    ],
    [
      "a GitLab URL that is not https",
      edited<GitlabOidc>("gitlabOidc", (g) => (g.url = "http://gitlab.example.com")),
      [
        '  - foundation:gitlabOidc.url: must be an https:// URL without a trailing slash, query or credentials, e.g. https://gitlab.example.com; got the string "http://gitlab.example.com"',
      ],
    ],
    [
      "a role open to a look-alike group prefix",
      edited<GitlabOidc>("gitlabOidc", (g) => (g.roles[0].projects = ["mson*"])),
      [
        "  - foundation:gitlabOidc.roles[0]: role 'foundation-preview': project 'mson*' must be an explicit path such as mson/foundation (no wildcards)",
      ],
    ],
    [
      "a deploy role for any branch",
      edited<GitlabOidc>("gitlabOidc", (g) => (g.roles[1].refs = ["*"])),
      [
        "  - foundation:gitlabOidc.roles[1]: role 'foundation-deploy': ref '*' must be an exact branch (main) or tag (tags/v1.0.0), without wildcards",
      ],
    ],
    [
      "two deploy roles",
      edited<GitlabOidc>("gitlabOidc", (g) => (g.roles[0].kind = "deploy")),
      [
        "  - foundation:gitlabOidc.roles[0]: role 'foundation-preview': a deploy role must name its protected refs, e.g. [main]",
        "  - foundation:gitlabOidc.roles: define exactly one preview role; the pipeline assumes it by kind",
        "  - foundation:gitlabOidc.roles: define exactly one deploy role; the pipeline assumes it by kind",
      ],
    ],
    [
      "an x86 instance type in an arm64 pool",
      edited<RunnerFleet>("runnerFleet", (f) => (f.pools[0].instanceTypes = ["c7g.large", "c7i.large"])),
      [
        '  - foundation:runnerFleet.pools[0].instanceTypes: "c7i.large" is an amd64 (x86) type but the pool is arm64; use a Graviton type (a1, or a family ending in g, gd, gn or gen, e.g. c7g.large)',
      ],
    ],
    [
      "a name that is not an instance type",
      edited<RunnerFleet>("runnerFleet", (f) => (f.pools[0].instanceTypes = ["c7g.large", "graviton"])),
      [
        '  - foundation:runnerFleet.pools[0].instanceTypes: "graviton" is not an EC2 instance type; use <family>.<size>, e.g. c7g.large',
      ],
    ],
    [
      "a spot pool with one instance type",
      edited<RunnerFleet>("runnerFleet", (f) => (f.pools[1].instanceTypes = ["c7g.2xlarge"])),
      [
        "  - foundation:runnerFleet.pools[1].instanceTypes: a spot pool needs at least two instance types so one type's capacity shortage does not stop the pool; add another arm64 type",
      ],
    ],
    [
      "two pools with one name",
      edited<RunnerFleet>("runnerFleet", (f) => (f.pools[1].name = "arm64")),
      ["  - foundation:runnerFleet.pools[1].name: duplicate pool 'arm64'"],
    ],
  ])("refuses %s, naming the key", (_label, config, expected) => {
    expect(problemsOf(config)).toEqual(expected);
  });
});

interface Fleet {
  vpcCidr: string;
  availabilityZones: string[];
  managerSourceCidrs: string[];
  cacheBucketName: string;
}

describe("aws config: values AWS would refuse halfway through an up", () => {
  it.each([
    [
      "zones of another region, and a zone twice",
      edited<Fleet>("runnerFleet", (f) => (f.availabilityZones = ["eu-west-1a", "eu-central-1b", "eu-central-1b"])),
      [
        "  - foundation:runnerFleet.availabilityZones[0]: 'eu-west-1a' is not a zone of region eu-central-1; use zones like eu-central-1a",
        "  - foundation:runnerFleet.availabilityZones[2]: 'eu-central-1b' is listed twice; list each zone once",
      ],
    ],
    [
      "a VPC of every address",
      edited<Fleet>("runnerFleet", (f) => (f.vpcCidr = "0.0.0.0/0")),
      [
        "  - foundation:runnerFleet.vpcCidr: 0.0.0.0/0 is a /0; a VPC takes a /16 to /28 and the fleet carves a /4 per zone from it: give a private /16 to /24, e.g. 10.40.0.0/16",
      ],
    ],
    [
      "a public VPC block, and the manager's address inside the VPC",
      edited<Fleet>("runnerFleet", (f) => {
        f.vpcCidr = "203.0.113.0/24";
        f.managerSourceCidrs = ["10.40.0.7/32"];
      }),
      [
        "  - foundation:runnerFleet.vpcCidr: 203.0.113.0/24 is not a private range (RFC 1918); use a block of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
      ],
    ],
    [
      "SSH to the fleet from anywhere, and from the fleet's own VPC",
      edited<Fleet>("runnerFleet", (f) => (f.managerSourceCidrs = ["0.0.0.0/0", "10.40.3.0/24"])),
      [
        "  - foundation:runnerFleet.managerSourceCidrs[0]: 0.0.0.0/0 lets every address reach SSH on the fleet's instances; give the lab's egress address, e.g. 198.51.100.7/32",
        "  - foundation:runnerFleet.managerSourceCidrs[1]: 10.40.3.0/24 overlaps the fleet's own VPC 10.40.0.0/16; give the manager's public egress address",
      ],
    ],
    [
      "the cache bucket named like the state bucket",
      edited<Fleet>("runnerFleet", (f) => (f.cacheBucketName = "mson-foundation-state-example")),
      [
        "  - foundation:runnerFleet.cacheBucketName: 'mson-foundation-state-example' is the state bucket's name too; jobs write the cache, so it must be a bucket of its own",
      ],
    ],
    [
      "two keys under one alias, one of them the state key's",
      edited<{ runnerCacheAlias: string; appSecretsAlias: string }>("kms", (k) => {
        k.runnerCacheAlias = "foundation-state";
        k.appSecretsAlias = "foundation-state";
      }),
      [
        "  - foundation:kms.runnerCacheAlias: 'foundation-state' is also stateBackend.keyAlias; give every key its own alias, so a policy or a runbook that names one names only that key",
        "  - foundation:kms.appSecretsAlias: 'foundation-state' is also stateBackend.keyAlias; give every key its own alias, so a policy or a runbook that names one names only that key",
      ],
    ],
    [
      "an alias in AWS's reserved namespace",
      edited<{ appSecretsAlias: string }>("kms", (k) => (k.appSecretsAlias = "aws/secretsmanager")),
      [
        '  - foundation:kms.appSecretsAlias: aws/ is reserved for AWS managed keys; got the string "aws/secretsmanager"',
      ],
    ],
    [
      "a tag value with emoji, and a tag key in AWS's namespace",
      edited<{ accounts: { tags: Record<string, string> }[] }>(
        "organization",
        (o) => (o.accounts[0].tags = { Purpose: "ci 🚀", "aws:team": "platform" }),
      ),
      [
        '  - foundation:organization.accounts[0].tags.Purpose: must be at most 256 letters, digits, spaces and _ . : / = + - @ (what AWS accepts in a tag); got the string "ci 🚀"',
        "  - foundation:organization.accounts[0].tags.aws:team: the aws: prefix is reserved for AWS; rename the tag",
      ],
    ],
    [
      "a secret that climbs out of the lab's prefix, and one listed twice",
      edited<{ secrets: string[] }>(
        "lab",
        (l) => (l.secrets = ["../prod/db", "eve-skill-farm/credentials", "eve-skill-farm/credentials"]),
      ),
      [
        "  - foundation:lab.secrets[0]: must be names of letters, digits and _ + = . @ - separated by single '/', without '.' or '..' segments; got the string \"../prod/db\"",
        "  - foundation:lab.secrets[2]: 'eve-skill-farm/credentials' is listed twice; list each secret once",
      ],
    ],
    [
      "the etcd backups in the state bucket, their writer's key named like a generated secret, their key under another's alias",
      {
        ...edited<{ secrets: string[]; etcdBackup: { bucketName: string; credentialsSecret: string } }>("lab", (l) => {
          l.etcdBackup.bucketName = "mson-foundation-state-example";
          l.etcdBackup.credentialsSecret = "eve-skill-farm/credentials";
        }),
        "foundation:kms": JSON.stringify({
          runnerCacheAlias: "foundation-runner-cache",
          appSecretsAlias: "foundation-app-secrets",
          etcdBackupAlias: "foundation-app-secrets",
        }),
      },
      [
        "  - foundation:lab.etcdBackup.bucketName: 'mson-foundation-state-example' is stateBackend.bucketName too; the restore points need a bucket of their own, with their own key and lifecycle",
        "  - foundation:lab.etcdBackup.credentialsSecret: 'eve-skill-farm/credentials' is also in lab.secrets, and Secrets Manager holds one secret per name: give the writer's key a name of its own",
        "  - foundation:kms.etcdBackupAlias: 'foundation-app-secrets' is also kms.appSecretsAlias; give every key its own alias, so a policy or a runbook that names one names only that key",
      ],
    ],
    [
      "an etcd backup prefix without its slash, and a retention of no days",
      edited<{ etcdBackup: { keyPrefix: string; retentionDays: number } }>("lab", (l) => {
        l.etcdBackup.keyPrefix = "etcd";
        l.etcdBackup.retentionDays = 0;
      }),
      [
        "  - foundation:lab.etcdBackup.keyPrefix: must be path segments ending in '/', e.g. etcd/lab/; got the string \"etcd\"",
        "  - foundation:lab.etcdBackup.retentionDays: must be at least 1 day; got number 0",
      ],
    ],
    [
      "a baked image on the wrong instance type, with an unpinned preload, a short checksum and an amd64 variant no pool needs",
      edited<{
        image: {
          pinned: string | null;
          bake: {
            variants: {
              architecture: string;
              instanceType: string;
              preloadImages: string[];
              nodeExporterSha256: string;
            }[];
          };
        };
      }>("runnerFleet", (f) => {
        f.image.bake.variants[0].instanceType = "c7i.large";
        f.image.bake.variants[0].preloadImages = [
          "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:latest",
        ];
        f.image.bake.variants[0].nodeExporterSha256 = "abc";
        f.image.bake.variants.push({ ...f.image.bake.variants[0], architecture: "amd64", preloadImages: [] });
      }),
      [
        "  - foundation:runnerFleet.image.bake.variants[0].instanceType: 'c7i.large' is amd64; build the arm64 image on an arm64 type, e.g. c7g.large",
        "  - foundation:runnerFleet.image.bake.variants[0].preloadImages[0]: must be name:tag@sha256:<64 hex>, pinned by digest and tagged",
        "  - foundation:runnerFleet.image.bake.variants[0].nodeExporterSha256: must be the 64 hex digits of the release tarball's SHA-256",
        "  - foundation:runnerFleet.image.bake.variants[1].architecture: no pool is amd64, so nothing would boot this image; remove the variant (it is built and stored for nothing)",
        "  - foundation:runnerFleet.image.bake.variants[1].nodeExporterSha256: must be the 64 hex digits of the release tarball's SHA-256",
      ],
    ],
    [
      "an amd64 pool without its image, a pinned AMI for two architectures, and an AMI id that is not one",
      edited<{
        pools: { name: string; architecture: string; instanceTypes: string[]; tags: string[] }[];
        image: { pinned: string | null };
      }>("runnerFleet", (f) => {
        f.pools.push({
          ...f.pools[1],
          name: "amd64",
          architecture: "amd64",
          instanceTypes: ["c7i.large", "m7i.large"],
          tags: ["amd64"],
        });
        f.image.pinned = "ami-0123456789abcdef0";
      }),
      [
        "  - foundation:runnerFleet.image.bake.variants: a pool is amd64, but no variant bakes amd64; add one, or its instances would boot nothing",
        "  - foundation:runnerFleet.image.pinned: one AMI is one architecture, but the pools use arm64 and amd64; set it to null to boot each architecture's newest build",
      ],
    ],
    [
      "a pinned AMI id that is not one",
      edited<{ image: { pinned: string | null } }>("runnerFleet", (f) => (f.image.pinned = "ami-XYZ")),
      [
        '  - foundation:runnerFleet.image.pinned: must be an AMI id: ami- and 8 to 17 hex digits, e.g. ami-0abc1234; got the string "ami-XYZ"',
      ],
    ],
    [
      "an Identity Center group and a permission set defined twice",
      edited<{ groups: { name: string }[]; permissionSets: { name: string }[] }>("identityCenter", (ic) => {
        ic.groups.push({ ...ic.groups[0] });
        ic.permissionSets.push({ ...ic.permissionSets[0] });
      }),
      [
        "  - foundation:identityCenter.groups[2].name: 'platform-admins' is defined twice; give each its own name",
        "  - foundation:identityCenter.permissionSets[2].name: 'Administrator' is defined twice; give each its own name",
      ],
    ],
  ])("refuses %s, naming the key and the fix", (_label, config, expected) => {
    expect(problemsOf(config)).toEqual(expected);
  });

  it("refuses an owner that cannot be a tag value on every resource", () => {
    expect(problemsOf({ ...sample, "foundation:owner": "platform ✨" })).toEqual([
      "  - foundation:owner: is a tag value on every AWS resource: at most 256 letters, digits, spaces and _ . : / = + - @",
    ]);
  });
});
