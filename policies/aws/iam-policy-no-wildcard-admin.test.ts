import { runResourcePolicy, UNKNOWN } from "../testing";
import { iamPolicyNoWildcardAdmin } from "./iam-policy-no-wildcard-admin";

const document = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const READ = { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::mson-state/*" };
const ADMIN = { Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" };
const MESSAGE = (owner: string) =>
  `policy ${owner} statement Everything allows every action on every resource; grant only the actions and resources needed`;

const run = (type: string, props: Record<string, unknown>) =>
  runResourcePolicy(iamPolicyNoWildcardAdmin, { type, name: "ci", props });

describe("iam-policy-no-wildcard-admin", () => {
  it("passes a scoped document, and a wildcard Deny", async () => {
    expect(await run("aws:iam/policy:Policy", { name: "state-read", policy: document(READ) })).toEqual([]);
    expect(await run("aws:iam/rolePolicy:RolePolicy", { policy: document({ ...ADMIN, Effect: "Deny" }) })).toEqual([]);
  });

  it.each([
    ["aws:iam/policy:Policy", { name: "admin", policy: document(ADMIN) }, "admin"],
    [
      "aws:iam/rolePolicy:RolePolicy",
      { name: "inline", role: "r", policy: document({ ...ADMIN, Action: "*:*" }) },
      "inline",
    ],
    ["aws:iam/userPolicy:UserPolicy", { user: "u", policy: document(ADMIN) }, "ci"],
    ["aws:iam/groupPolicy:GroupPolicy", { group: "g", policy: document(ADMIN) }, "ci"],
    [
      "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
      { instanceArn: "i", permissionSetArn: "p", inlinePolicy: document(ADMIN) },
      "ci",
    ],
    ["aws:iam/role:Role", { name: "ci-role", inlinePolicies: [{ name: "x", policy: document(ADMIN) }] }, "ci-role"],
  ])("fails a wildcard Allow on %s", async (type, props, owner) => {
    expect(await run(type, props)).toEqual([MESSAGE(owner)]);
  });

  it("skips a document unknown at preview", async () => {
    expect(await run("aws:iam/rolePolicy:RolePolicy", { policy: UNKNOWN })).toEqual([]);
  });
});
