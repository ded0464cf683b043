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
