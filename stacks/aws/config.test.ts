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
