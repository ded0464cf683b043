import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { iamPolicyNoSelfEscalation } from "./iam-policy-no-self-escalation";

const ACCOUNT = "111111111111";
const ARN = `arn:aws:iam::${ACCOUNT}:role/foundation/foundation-deploy`;
const STATE_WRITE = `arn:aws:iam::${ACCOUNT}:policy/foundation/state-write-1a2b3c`;
const document = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });

const ROLE: StackResourceFixture = {
  type: "aws:iam/role:Role",
  name: "gitlab-oidc-foundation-deploy",
  props: { name: "foundation-deploy", path: "/foundation/", arn: ARN },
};
const inline = (policy: string): StackResourceFixture => ({
  type: "aws:iam/rolePolicy:RolePolicy",
  name: "gitlab-oidc-foundation-deploy-foundation-deploy",
  props: { role: "foundation-deploy", name: "foundation-deploy", policy },
});
const WRITE_PATH = {
  Sid: "ManageFoundationIdentities",
  Effect: "Allow",
  Action: "iam:*",
  Resource: `arn:aws:iam::${ACCOUNT}:role/foundation/*`,
};
const KEEP_SELF = {
  Sid: "KeepCiRoles",
  Effect: "Deny",
  Action: [
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DetachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateRole",
    "iam:DeleteRole",
    "iam:TagRole",
  ],
  Resource: [ARN],
};
const URN = fixtureUrn(ROLE);
const run = (...resources: StackResourceFixture[]) => runStackPolicy(iamPolicyNoSelfEscalation, resources);

describe("iam-policy-no-self-escalation", () => {
  it("passes a role whose IAM writes on its path exclude itself, and writes gated on the boundary", async () => {
    expect(await run(ROLE, inline(document(WRITE_PATH, KEEP_SELF)))).toEqual([]);
    const gated = {
      Effect: "Allow",
      Action: ["iam:AttachRolePolicy", "iam:PutRolePolicy"],
      Resource: `arn:aws:iam::${ACCOUNT}:role/foundation/*`,
      Condition: {
        StringEquals: { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/foundation/foundation-boundary` },
      },
    };
    expect(await run(ROLE, inline(document(gated)))).toEqual([]);
  });

  it("fails a role allowed IAM writes on role/* of its own path", async () => {
    expect(await run(ROLE, inline(document(WRITE_PATH)))).toEqual([
      `role foundation-deploy can change itself: its policies allow iam:AttachRolePolicy, iam:PutRolePolicy, iam:DetachRolePolicy, iam:DeleteRolePolicy, iam:UpdateAssumeRolePolicy, iam:PutRolePermissionsBoundary, iam:DeleteRolePermissionsBoundary, iam:UpdateRole, iam:DeleteRole, iam:TagRole on its own ARN ${ARN} without an iam:PermissionsBoundary condition; deny IAM writes on the role, or allow them only with iam:PermissionsBoundary (${URN})`,
    ]);
  });

  it("fails a role allowed to rewrite its trust by its own ARN, through a policy inlined in the role", async () => {
    const role = {
      ...ROLE,
      props: {
        ...ROLE.props,
        inlinePolicies: [
          { name: "x", policy: document({ Effect: "Allow", Action: "iam:UpdateAssumeRolePolicy", Resource: ARN }) },
        ],
      },
    };
    expect(await run(role)).toEqual([
      `role foundation-deploy can change itself: its policies allow iam:UpdateAssumeRolePolicy on its own ARN ${ARN} without an iam:PermissionsBoundary condition; deny IAM writes on the role, or allow them only with iam:PermissionsBoundary (${URN})`,
    ]);
  });

  it("fails a role allowed to write a managed policy attached to it, and passes once that is denied", async () => {
    const attachment: StackResourceFixture = {
      type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      name: "state-write-0",
      props: { role: "foundation-deploy", policyArn: STATE_WRITE },
    };
    const managed: StackResourceFixture = {
      type: "aws:iam/policy:Policy",
      name: "state-write",
      props: { arn: STATE_WRITE, policy: document({ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }) },
    };
    const policies = {
      Effect: "Allow",
      Action: "iam:CreatePolicyVersion",
      Resource: `arn:aws:iam::${ACCOUNT}:policy/foundation/*`,
    };
    expect(await run(ROLE, inline(document(policies, KEEP_SELF)), attachment, managed)).toEqual([
      `role foundation-deploy can rewrite its own managed policy ${STATE_WRITE}: its policies allow iam:CreatePolicyVersion on it; deny policy writes on the managed policies attached to the role (${URN})`,
    ]);
    const denied = { Effect: "Deny", Action: "iam:CreatePolicyVersion", Resource: STATE_WRITE };
    expect(await run(ROLE, inline(document(policies, KEEP_SELF, denied)), attachment, managed)).toEqual([]);
  });

  it("matches a role's policies within its own account, not another account's role of the same name", async () => {
    const provider = (account: string) => ({
      type: "pulumi:providers:aws",
      name: `aws-${account}`,
      props: { allowedAccountIds: `["${account}"]` },
    });
    const member = {
      ...ROLE,
      name: "member",
      props: { name: "foundation-deploy", path: "/foundation/" },
      provider: provider("222222222222"),
    };
    const other = { ...inline(document(WRITE_PATH)), provider: provider(ACCOUNT) };
    expect(await run(member, other)).toEqual([]);
  });

  it("skips a role or a policy unknown at preview", async () => {
    expect(await run({ ...ROLE, props: { ...ROLE.props, arn: UNKNOWN } }, inline(document(WRITE_PATH)))).toEqual([]);
    expect(await run(ROLE, inline(UNKNOWN))).toEqual([]);
  });
});
