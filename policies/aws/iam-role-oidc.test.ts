import { runResourcePolicy, UNKNOWN } from "../testing";
import { iamRoleOidcAudiencePinned } from "./iam-role-oidc-audience-pinned";
import { iamRoleOidcDeployRefPinned } from "./iam-role-oidc-deploy-ref-pinned";
import { iamRoleOidcNoCrossSegmentWildcard } from "./iam-role-oidc-no-cross-segment-wildcard";
import { iamRoleOidcSubjectPinned } from "./iam-role-oidc-subject-pinned";
import { FoundationResourcePolicy } from "../policy";

const HOST = "gitlab.example.com";
const PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${HOST}`;
const DEPLOY_SUB = "project_path:mson/foundation:ref_type:branch:ref:main";
const PREVIEW_SUB = "project_path:mson/foundation:ref_type:branch:ref:*";

function trust(condition: Record<string, unknown>, federated = PROVIDER): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitLabCiWebIdentity",
        Effect: "Allow",
        Principal: { Federated: federated },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: condition,
      },
    ],
  });
}

const deploy = trust({ StringEquals: { [`${HOST}:aud`]: `https://${HOST}`, [`${HOST}:sub`]: [DEPLOY_SUB] } });
const preview = trust({
  StringEquals: { [`${HOST}:aud`]: `https://${HOST}` },
  StringLike: { [`${HOST}:sub`]: [PREVIEW_SUB] },
});

const run = (policy: FoundationResourcePolicy, name: string, assumeRolePolicy: unknown) =>
  runResourcePolicy(policy, { type: "aws:iam/role:Role", name: `oidc-${name}`, props: { name, assumeRolePolicy } });

const ALL = [
  iamRoleOidcAudiencePinned,
  iamRoleOidcSubjectPinned,
  iamRoleOidcNoCrossSegmentWildcard,
  iamRoleOidcDeployRefPinned,
];

describe("GitLab OIDC trust policies", () => {
  it.each(ALL.map((p) => [p.name, p] as const))(
    "%s passes the deploy and preview roles GitlabOidc renders",
    async (_n, policy) => {
      expect(await run(policy, "foundation-deploy", deploy)).toEqual([]);
      expect(await run(policy, "foundation-preview", preview)).toEqual([]);
    },
  );

  it.each(ALL.map((p) => [p.name, p] as const))(
    "%s leaves other trusts and other identity providers alone",
    async (_n, policy) => {
      const service = JSON.stringify({
        Statement: { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      });
      expect(await run(policy, "instance", service)).toEqual([]);
      const eks = trust({}, "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC");
      expect(await run(policy, "irsa", eks)).toEqual([]);
    },
  );

  it.each(ALL.map((p) => [p.name, p] as const))("%s skips a trust policy unknown at preview", async (_n, policy) => {
    expect(await run(policy, "foundation-deploy", UNKNOWN)).toEqual([]);
  });

  describe("iam-role-oidc-audience-pinned", () => {
    it.each([
      ["no aud", trust({ StringEquals: { [`${HOST}:sub`]: DEPLOY_SUB } })],
      [
        "aud only by StringLike",
        trust({ StringLike: { [`${HOST}:aud`]: "*" }, StringEquals: { [`${HOST}:sub`]: DEPLOY_SUB } }),
      ],
    ])("fails %s", async (_case, document) => {
      expect(await run(iamRoleOidcAudiencePinned, "foundation-deploy", document)).toEqual([
        `role foundation-deploy statement GitLabCiWebIdentity does not pin the audience; add StringEquals "${HOST}:aud" with the audience jobs request`,
      ]);
    });
  });

  describe("iam-role-oidc-subject-pinned", () => {
    it("fails a trust without sub", async () => {
      expect(
        await run(iamRoleOidcSubjectPinned, "foundation-deploy", trust({ StringEquals: { [`${HOST}:aud`]: "a" } })),
      ).toEqual([
        `role foundation-deploy statement GitLabCiWebIdentity does not pin the subject; add "${HOST}:sub" with project_path:<group>/<project>:ref_type:branch:ref:<branch>`,
      ]);
    });

    it.each([
      "*",
      "project_path:*",
      "project_path:mson/*:ref_type:branch:ref:main",
      "project_path:mson:ref_type:branch:ref:main",
    ])("fails sub %s, which names no explicit project", async (subject) => {
      const document = trust({ StringEquals: { [`${HOST}:aud`]: "a" }, StringLike: { [`${HOST}:sub`]: subject } });
      expect(await run(iamRoleOidcSubjectPinned, "foundation-preview", document)).toEqual([
        `role foundation-preview admits sub '${subject}', which names no explicit project; use project_path:<group>/<project>:… with the full path and no wildcard`,
      ]);
    });
  });

  describe("iam-role-oidc-no-cross-segment-wildcard", () => {
    it.each([
      "project_path:mson/foundation:ref_type:*",
      "project_path:mson/foundation:*",
      "project_path:mson*:ref_type:branch:ref:main",
    ])("fails sub %s", async (subject) => {
      const document = trust({ StringEquals: { [`${HOST}:aud`]: "a" }, StringLike: { [`${HOST}:sub`]: subject } });
      expect(await run(iamRoleOidcNoCrossSegmentWildcard, "foundation-preview", document)).toEqual([
        `role foundation-preview admits sub '${subject}' with a wildcard outside the ref; fix project_path and ref_type and keep wildcards in the ref`,
      ]);
    });
  });

  describe("iam-role-oidc-deploy-ref-pinned", () => {
    it("fails a role not named preview that admits any branch", async () => {
      expect(await run(iamRoleOidcDeployRefPinned, "foundation-deploy", preview)).toEqual([
        `role foundation-deploy is a deploy role but admits sub '${PREVIEW_SUB}' by wildcard; pin exact protected refs, or name the role *-preview and keep it read-only`,
      ]);
    });
  });
});
