import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { assignmentProblems, IdentityCenter, IdentityCenterArgs } from "./identity-center";

const args: IdentityCenterArgs = {
  instanceArn: "arn:aws:sso:::instance/ssoins-1",
  identityStoreId: "d-1",
  groups: [
    { name: "platform-admins", description: "admins" },
    { name: "developers", description: "devs" },
  ],
  permissionSets: [
    {
      name: "Administrator",
      description: "all",
      sessionDuration: "PT4H",
      relayState: "https://console.aws.amazon.com/console/home",
      managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
    },
    {
      name: "ReadOnly",
      description: "read",
      sessionDuration: "PT8H",
      managedPolicyArns: [],
      inlinePolicy: '{"Version":"2012-10-17"}',
    },
  ],
  assignments: [
    { group: "platform-admins", permissionSet: "Administrator", accounts: ["management", "ci"] },
    { group: "developers", permissionSet: "ReadOnly", accounts: ["ci"] },
  ],
  accountIds: { management: "123456789012", ci: "210987654321" },
};

describe("IdentityCenter", () => {
  it("makes the groups, permission sets with their policies, and one assignment per group, set and account", async () => {
    const rec = await record(() => {
      const ic = new IdentityCenter("ic", args, { providers: { aws: new aws.Provider("aws", {}) } });
      return { groupIds: ic.groupIds };
    });
    // The deploy role may update and delete these groups, and no other.
    expect(rec.outputs.groupIds).toEqual({
      "platform-admins": rec.named("ic-group-platform-admins").outputs.groupId,
      developers: rec.named("ic-group-developers").outputs.groupId,
    });
    expect(rec.ofType("aws:identitystore/group:Group").map((r) => r.inputs.displayName)).toEqual([
      "platform-admins",
      "developers",
    ]);
    expect(rec.inputsOf("ic-ps-administrator")).toEqual({
      instanceArn: "arn:aws:sso:::instance/ssoins-1",
      name: "Administrator",
      description: "all",
      sessionDuration: "PT4H",
      relayState: "https://console.aws.amazon.com/console/home",
    });
    expect(rec.inputsOf("ic-ps-administrator-administratoraccess").managedPolicyArn).toBe(
      "arn:aws:iam::aws:policy/AdministratorAccess",
    );
    expect(rec.inputsOf("ic-ps-readonly-inline").inlinePolicy).toBe('{"Version":"2012-10-17"}');
    const assignments = rec.ofType("aws:ssoadmin/accountAssignment:AccountAssignment");
    expect(assignments.map((a) => [a.name, a.inputs.targetId]).sort()).toEqual([
      ["ic-developers-readonly-ci", "210987654321"],
      ["ic-platform-admins-administrator-ci", "210987654321"],
      ["ic-platform-admins-administrator-management", "123456789012"],
    ]);
    expect(rec.inputsOf("ic-developers-readonly-ci")).toMatchObject({
      principalType: "GROUP",
      principalId: rec.named("ic-group-developers").outputs.groupId,
      targetType: "AWS_ACCOUNT",
      permissionSetArn: rec.named("ic-ps-readonly").outputs.arn,
    });
  });

  it("names the unknown group, permission set and account, listing the known ones", () => {
    expect(
      assignmentProblems([{ group: "ops", permissionSet: "Admin", accounts: ["prod"] }], {
        groups: ["developers"],
        permissionSets: ["ReadOnly"],
        accounts: ["management", "ci"],
      }),
    ).toEqual([
      "assignment 0: unknown group 'ops'; known: developers",
      "assignment 0: unknown permission set 'Admin'; known: ReadOnly",
      "assignment 0: unknown account 'prod'; known: management, ci",
    ]);
  });
});
