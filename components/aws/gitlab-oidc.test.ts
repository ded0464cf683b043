import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { Conditions } from "./policy-document";
import { ciRoleProblems, CiRoleSpec, conditionsAllow, GitlabOidc, subjects, trustPolicy } from "./gitlab-oidc";

const URL = "https://gitlab.example.com";
const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/gitlab.example.com";
const preview: CiRoleSpec = { name: "foundation-preview", kind: "preview", projects: ["mson/foundation"] };
const deploy: CiRoleSpec = { name: "foundation-deploy", kind: "deploy", projects: ["mson/foundation"], refs: ["main"] };

function conditionsOf(role: CiRoleSpec): Conditions {
  return JSON.parse(trustPolicy(role, PROVIDER, URL, URL)).Statement[0].Condition;
}

function claims(sub: string, aud = URL): Record<string, string> {
  return { "gitlab.example.com:sub": sub, "gitlab.example.com:aud": aud };
}

describe("CI role trust policies", () => {
  it("pins aud and sub, with exact matching for deploy roles", () => {
    expect(JSON.parse(trustPolicy(deploy, PROVIDER, URL, URL))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitLabCiWebIdentity",
          Effect: "Allow",
          Principal: { Federated: PROVIDER },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "gitlab.example.com:aud": URL,
              "gitlab.example.com:sub": ["project_path:mson/foundation:ref_type:branch:ref:main"],
            },
          },
        },
      ],
    });
  });

  it("admits any branch of the named projects, and only them, for preview roles", () => {
    expect(conditionsOf(preview)).toEqual({
      StringEquals: { "gitlab.example.com:aud": URL },
      StringLike: { "gitlab.example.com:sub": ["project_path:mson/foundation:ref_type:branch:ref:*"] },
    });
  });

  it("turns tag refs into tag subjects", () => {
    expect(subjects({ ...deploy, refs: ["main", "tags/v1.2.3"] })).toEqual([
      "project_path:mson/foundation:ref_type:branch:ref:main",
      "project_path:mson/foundation:ref_type:tag:ref:v1.2.3",
    ]);
  });

  // Who may assume which role, claim by claim: the intended pipelines and the near misses that must not.
  it.each([
    ["the intended project on main", claims("project_path:mson/foundation:ref_type:branch:ref:main"), true, true],
    ["another group", claims("project_path:acme/foundation:ref_type:branch:ref:main"), false, false],
    ["a look-alike group", claims("project_path:mson-evil/foundation:ref_type:branch:ref:main"), false, false],
    ["a subgroup look-alike", claims("project_path:mson/foundation-evil:ref_type:branch:ref:main"), false, false],
    ["another project of the group", claims("project_path:mson/other:ref_type:branch:ref:main"), false, false],
    ["a feature branch", claims("project_path:mson/foundation:ref_type:branch:ref:feature/x"), true, false],
    ["a tag named main", claims("project_path:mson/foundation:ref_type:tag:ref:main"), false, false],
    [
      "a wrong audience",
      claims("project_path:mson/foundation:ref_type:branch:ref:main", "sts.amazonaws.com"),
      false,
      false,
    ],
    [
      "no audience",
      { "gitlab.example.com:sub": "project_path:mson/foundation:ref_type:branch:ref:main" },
      false,
      false,
    ],
  ])("%s", (_label, claimSet, previewAllowed, deployAllowed) => {
    expect(conditionsAllow(conditionsOf(preview), claimSet)).toBe(previewAllowed);
    expect(conditionsAllow(conditionsOf(deploy), claimSet)).toBe(deployAllowed);
  });

  it("fails closed on an operator it does not evaluate", () => {
    expect(conditionsAllow({ ForAnyValueStringLike: { k: "*" } }, { k: "v" })).toBe(false);
  });
});

describe("CI role validation", () => {
  it.each([
    [
      { ...preview, projects: ["mson*"] },
      "role 'foundation-preview': project 'mson*' must be an explicit path such as mson/foundation (no wildcards)",
    ],
    [
      { ...preview, projects: ["mson/*"] },
      "role 'foundation-preview': project 'mson/*' must be an explicit path such as mson/foundation (no wildcards)",
    ],
    [{ ...deploy, refs: [] }, "role 'foundation-deploy': a deploy role must name its protected refs, e.g. [main]"],
    [
      { ...deploy, refs: ["release/*"] },
      "role 'foundation-deploy': ref 'release/*' must be an exact branch (main) or tag (tags/v1.0.0), without wildcards",
    ],
    [
      { ...deploy, maxSessionDuration: 60 },
      "role 'foundation-deploy': maxSessionDuration must be from 3600 to 43200 seconds",
    ],
  ])("refuses role %# with its message", (role, message) => {
    expect(ciRoleProblems(role)).toEqual([message]);
  });

  it("accepts the shipped roles", () => {
    expect([...ciRoleProblems(preview), ...ciRoleProblems(deploy)]).toEqual([]);
  });
});

describe("GitlabOidc", () => {
  async function recordOidc(roles: CiRoleSpec[]) {
    return record(() => {
      const provider = new aws.Provider("aws", {});
      new GitlabOidc("oidc", { gitlabUrl: URL, roles }, { providers: { aws: provider } });
    });
  }

  it("makes one provider for the GitLab URL, audience pinned, and one role per spec", async () => {
    const rec = await recordOidc([
      { ...preview, managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
      deploy,
    ]);
    expect(rec.inputsOf("oidc-provider")).toEqual({ url: URL, clientIdLists: [URL] });
    expect(rec.ofType("aws:iam/role:Role").map((r) => r.inputs.name)).toEqual([
      "foundation-preview",
      "foundation-deploy",
    ]);
    const trust = JSON.parse(rec.inputsOf("oidc-foundation-deploy").assumeRolePolicy as string);
    expect(trust.Statement[0].Principal).toEqual({ Federated: rec.named("oidc-provider").outputs.arn });
    expect(rec.inputsOf("oidc-foundation-preview-managed-0").policyArn).toBe("arn:aws:iam::aws:policy/ReadOnlyAccess");
    expect(rec.inputsOf("oidc-foundation-deploy").maxSessionDuration).toBe(3600);
  });

  it("adds inline policies at construction and afterwards under one naming scheme, with no boundary on the roles", async () => {
    const rec = await record(() => {
      const provider = new aws.Provider("aws", {});
      const oidc = new GitlabOidc(
        "oidc",
        { gitlabUrl: URL, roles: [{ ...preview, inlinePolicies: { early: "{}" } }, deploy] },
        { providers: { aws: provider } },
      );
      oidc.addInlinePolicy("foundation-deploy", "late", '{"Statement":[]}');
    });
    expect(rec.inputsOf("oidc-foundation-preview-early")).toEqual({
      role: "foundation-preview",
      name: "early",
      policy: "{}",
    });
    expect(rec.inputsOf("oidc-foundation-deploy-late")).toEqual({
      role: "foundation-deploy",
      name: "late",
      policy: '{"Statement":[]}',
    });
    expect(rec.ofType("aws:iam/role:Role").map((r) => r.inputs.permissionsBoundary)).toEqual([undefined, undefined]);
  });

  it("refuses an inline policy for a role it does not have", async () => {
    await expect(
      record(() => {
        const oidc = new GitlabOidc(
          "oidc",
          { gitlabUrl: URL, roles: [deploy] },
          { providers: { aws: new aws.Provider("aws", {}) } },
        );
        oidc.addInlinePolicy("foundation-admin", "x", "{}");
      }),
    ).rejects.toThrow("GitlabOidc 'oidc': no role 'foundation-admin'");
  });

  it("refuses a role open to any project of a look-alike prefix", async () => {
    await expect(recordOidc([{ ...preview, projects: ["mson*"] }])).rejects.toThrow(
      "GitlabOidc 'oidc': role 'foundation-preview': project 'mson*' must be an explicit path such as mson/foundation (no wildcards)",
    );
  });

  it("refuses duplicate role names", async () => {
    await expect(recordOidc([deploy, deploy])).rejects.toThrow(
      "GitlabOidc 'oidc': role 'foundation-deploy' is defined twice; role names must be unique",
    );
  });
});
