import { join } from "node:path";
import { branchSlug } from "../../components/gitlab/project-protection";
import { planStacks } from "../../tools/plan/engine";
import { readProjectFile, readStackConfig } from "../../tools/plan/stack-files";
import { configEditor, record, Recording } from "../../tools/plan/testing";
import { reveal } from "../../tools/plan/values";
import { branchMatches } from "./config";
import { groupProgram } from "./index";
import { groupOutputs } from "./outputs";

const root = join(__dirname, "..", "..");
const sample = readStackConfig(root, readProjectFile(root), "group");
const AWS_REF = "organization/foundation/aws";
const edited = configEditor(sample.config);

const T = {
  component: "foundation:gitlab:ProjectProtection",
  branch: "pulumi-nodejs:dynamic/gitlab:ProtectedBranch",
  pushRule: "pulumi-nodejs:dynamic/gitlab:ProjectPushRule",
  approval: "pulumi-nodejs:dynamic/gitlab:ProjectApprovalRule",
};

/** The sample's `foundation:foundationProject`, as config edits see it. */
interface Project {
  path?: string;
  defaultBranch: string;
  protectedBranches: {
    name: string;
    push: string;
    merge: string;
    unprotect: string;
    allowForcePush: boolean;
  }[];
  pushRule: Record<string, boolean | number>;
  approvalRules: {
    name: string;
    approvalsRequired: number;
    usernames: string[];
    groupIds: number[];
    appliesToAllProtectedBranches: boolean;
    branches: string[];
  }[];
}

let awsExports: Record<string, unknown>;
beforeAll(async () => {
  const [aws] = await planStacks({ root, stacks: ["aws"] });
  awsExports = aws.outputs;
});

function run(config: Record<string, string> = sample.config) {
  return record(() => groupProgram(), {
    stack: "group",
    config,
    secretKeys: sample.secretKeys,
    stackReferences: { [AWS_REF]: awsExports },
  });
}

const project = (edit: (value: Project) => void) => edited<Project>("foundationProject", edit);

async function refused(config: Record<string, string>): Promise<string> {
  try {
    await run(config);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("the program was expected to fail");
}

describe("the Foundation project's protection with the sample config", () => {
  let rec: Recording;
  beforeAll(async () => {
    rec = await run();
  });

  it("protects every branch and main, sets the push rule and the approval rule, each protected from deletion", () => {
    const component = rec.named("foundation", T.component);
    const children = rec.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => `${r.type}::${r.name}`)).toEqual([
      `${T.branch}::foundation-branch-wildcard`,
      `${T.branch}::foundation-branch-main`,
      `${T.pushRule}::foundation-push-rule`,
      `${T.approval}::foundation-approval-foundation-maintainers`,
    ]);
    expect(children.every((r) => r.protect)).toBe(true);
  });

  it("lets only maintainers push, merge and unprotect, and nobody force-push", () => {
    for (const name of ["foundation-branch-wildcard", "foundation-branch-main"]) {
      expect(rec.inputsOf(name, T.branch)).toMatchObject({
        projectPath: "mson/foundation",
        pushAccessLevel: 40,
        mergeAccessLevel: 40,
        unprotectAccessLevel: 40,
        allowForcePush: false,
      });
    }
    expect(rec.inputsOf("foundation-branch-wildcard", T.branch)).toMatchObject({ name: "*" });
  });

  it("turns every push rule check on, and requires a maintainer's approval on every protected branch", () => {
    expect(rec.inputsOf("foundation-push-rule", T.pushRule)).toMatchObject({
      projectPath: "mson/foundation",
      denyDeleteTag: true,
      memberCheck: true,
      preventSecrets: true,
      commitCommitterCheck: true,
      rejectUnsignedCommits: true,
      maxFileSize: 10,
    });
    expect(rec.inputsOf("foundation-approval-foundation-maintainers", T.approval)).toMatchObject({
      name: "Foundation maintainers",
      approvalsRequired: 1,
      ruleType: "regular",
      usernames: ["platform-lead", "platform-oncall"],
      appliesToAllProtectedBranches: true,
      protectedBranchIds: [],
    });
  });

  it("exports nothing of it: no other stack reads it", () => {
    expect(Object.keys(rec.outputs).sort()).toEqual(Object.keys(groupOutputs).sort());
  });
});

describe("the Foundation project's config", () => {
  it("defaults the path to the group's foundation project", async () => {
    const rec = await run(project((p) => delete p.path));
    expect(reveal(rec.named("foundation-push-rule").inputs.projectPath)).toBe("mson/foundation");
    const elsewhere = await run({
      ...project((p) => delete p.path),
      "foundation:gitlab": JSON.stringify({ url: "https://gitlab.example.com", groupPath: "acme" }),
    });
    expect(reveal(elsewhere.named("foundation-push-rule").inputs.projectPath)).toBe("acme/foundation");
  });

  it("names approval rule branches by their protected branch, whose ID the rule then takes", async () => {
    const rec = await run(
      project((p) => {
        p.approvalRules[0].appliesToAllProtectedBranches = false;
        p.approvalRules[0].branches = ["main"];
      }),
    );
    const rule = rec.named("foundation-approval-foundation-maintainers");
    expect(rule.dependencies).toEqual([rec.named("foundation-branch-main").urn]);
  });

  it("matches wildcards the way GitLab does", () => {
    expect(branchMatches("*", "main")).toBe(true);
    expect(branchMatches("ma*", "main")).toBe(true);
    expect(branchMatches("release/*", "release/1.0")).toBe(true);
    expect(branchMatches("release/*", "main")).toBe(false);
    expect(branchMatches("m.in", "main")).toBe(false);
  });
});

describe("the group stack refuses a Foundation project protection that", () => {
  const key = "  - foundation:foundationProject";

  it("lets developers push to every branch, with the reason and the fix", async () => {
    expect(await refused(project((p) => (p.protectedBranches[0].push = "developer")))).toBe(
      'stack "group" has 1 configuration problem; no resource was registered:\n' +
        `${key}.protectedBranches[0].push: '*': developer lets developers push to every branch of mson/foundation, ` +
        "and the merge request pipelines of any of its branches can assume the preview role, which decrypts every " +
        "stack secret; set push: maintainer (developers propose changes from forks, whose pipelines run in the fork " +
        "and can assume no Foundation role)",
    );
  });

  it("lets developers merge into branches matching a wildcard, or remove a protection", async () => {
    const message = await refused(
      project((p) => {
        p.protectedBranches.push({
          name: "release/*",
          push: "maintainer",
          merge: "developer",
          unprotect: "developer",
          allowForcePush: false,
        });
      }),
    );
    expect(message).toContain(
      `${key}.protectedBranches[2].merge: 'release/*': developer lets developers merge into every branch matching ` +
        "'release/*' of mson/foundation, whose pipelines can assume a Foundation role; set merge: maintainer",
    );
    expect(message).toContain(
      `${key}.protectedBranches[2].unprotect: 'release/*': developer lets developers remove this protection ` +
        "altogether; set unprotect: maintainer",
    );
  });

  it("allows force push on main, directly or through a wildcard", async () => {
    const message = await refused(
      project((p) => {
        p.protectedBranches[0].allowForcePush = true;
        p.protectedBranches[1].allowForcePush = true;
      }),
    );
    expect(message).toContain(
      `${key}.protectedBranches[1].allowForcePush: 'main': true lets whoever may push rewrite the history of ` +
        "'main', the branch deploys run from (GitLab applies the most permissive of the rules that match a branch, " +
        "so a wildcard's setting reaches 'main' too); set allowForcePush: false",
    );
    expect(message).toContain(`${key}.protectedBranches[0].allowForcePush: '*': true lets whoever may push`);
  });

  it("allows force push on branches that are not main", async () => {
    const config = project((p) =>
      p.protectedBranches.push({
        name: "sandbox/*",
        push: "maintainer",
        merge: "maintainer",
        unprotect: "maintainer",
        allowForcePush: true,
      }),
    );
    const rec = await run(config);
    expect(rec.inputsOf(`foundation-branch-${branchSlug("sandbox/*")}`, T.branch)).toMatchObject({
      name: "sandbox/*",
      allowForcePush: true,
    });
  });

  it("has no wildcard rule, and no rule for the default branch", async () => {
    const message = await refused(project((p) => (p.protectedBranches = [])));
    expect(message).toContain(
      `${key}.protectedBranches: no rule protects every branch: add { name: "*", push: maintainer, merge: ` +
        "maintainer, unprotect: maintainer }, so that only maintainers push branches to mson/foundation, whose " +
        "merge request pipelines can assume the preview role",
    );
    expect(message).toContain(
      `${key}.protectedBranches: no rule names the default branch 'main': add { name: main, push: maintainer, ` +
        "merge: maintainer, unprotect: maintainer, allowForcePush: false }",
    );
  });

  it("names a branch twice", async () => {
    const message = await refused(project((p) => p.protectedBranches.push({ ...p.protectedBranches[1] })));
    expect(message).toContain(`${key}.protectedBranches[2].name: 'main' is also protectedBranches[1]; keep one`);
  });

  it("switches off a push rule check", async () => {
    const message = await refused(
      project((p) => {
        p.pushRule.preventSecrets = false;
        p.pushRule.rejectUnsignedCommits = false;
        p.pushRule.commitCommitterCheck = false;
        p.pushRule.memberCheck = false;
      }),
    );
    expect(message).toContain(
      `${key}.pushRule.preventSecrets: false lets a push add files that are likely to contain secrets (keys, ` +
        "tokens, credentials); set it to true",
    );
    expect(message).toContain(
      `${key}.pushRule.rejectUnsignedCommits: false accepts unsigned commits, whose author nothing proves; set it ` +
        "to true",
    );
    expect(message).toContain(
      `${key}.pushRule.commitCommitterCheck: false accepts commits that the pusher did not commit (a committer ` +
        "email not their own); set it to true",
    );
    expect(message).toContain(
      `${key}.pushRule.memberCheck: false accepts commits whose author is not a GitLab user; set it to true`,
    );
  });

  it("requires no approval, or names no approver", async () => {
    expect(await refused(project((p) => (p.approvalRules = [])))).toContain(
      `${key}.approvalRules: no rule requires an approval for merges into 'main': add { name: Foundation ` +
        "maintainers, approvalsRequired: 1, usernames: [<the project's maintainers>], " +
        "appliesToAllProtectedBranches: true }",
    );
    const message = await refused(project((p) => (p.approvalRules[0].usernames = [])));
    expect(message).toContain(
      `${key}.approvalRules[0]: 'Foundation maintainers' names no approver: list the project's maintainers under ` +
        "usernames, or a group of them under groupIds (GitLab's approval rules take people and groups, not roles)",
    );
    expect(await refused(project((p) => (p.approvalRules[0].approvalsRequired = 0)))).toContain(
      `${key}.approvalRules[0].approvalsRequired: must be at least 1: a rule that requires no approval protects ` +
        "nothing",
    );
  });

  it("points an approval rule at no branch, at both kinds, or at a branch that is not protected", async () => {
    expect(await refused(project((p) => (p.approvalRules[0].appliesToAllProtectedBranches = false)))).toContain(
      `${key}.approvalRules[0].branches: 'Foundation maintainers' covers no branch: set ` +
        "appliesToAllProtectedBranches: true, or list protected branches here",
    );
    const message = await refused(project((p) => (p.approvalRules[0].branches = ["develop"])));
    expect(message).toContain(
      `${key}.approvalRules[0].branches: 'Foundation maintainers': branches and appliesToAllProtectedBranches ` +
        "exclude each other; keep one",
    );
    expect(message).toContain(
      `${key}.approvalRules[0].branches[0]: 'develop' is not one of protectedBranches; an approval rule covers ` +
        "protected branches only",
    );
  });

  it("uses an access level GitLab does not know", async () => {
    expect(await refused(project((p) => (p.protectedBranches[1].unprotect = "no-one")))).toContain(
      `${key}.protectedBranches[1].unprotect: must be one of "developer", "maintainer", "admin"; got the string "no-one"`,
    );
  });
});
