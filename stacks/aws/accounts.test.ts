import { record } from "../../tools/plan/testing";
import { accountProvider, MEMBER_ROLE_ENV, memberRoleArn } from "./accounts";

const MEMBER = "210987654321";
const session = (role: string) => `arn:aws:sts::123456789012:assumed-role/${role}/gitlab-1-2`;

describe("memberRoleArn", () => {
  it.each([
    ["the preview role", session("foundation-preview"), `arn:aws:iam::${MEMBER}:role/foundation/foundation-previewer`],
    ["the deploy role", session("foundation-deploy"), `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`],
    [
      "a person",
      session("AWSReservedSSO_Administrator_0123"),
      `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`,
    ],
    [
      "an IAM user (the offline plan)",
      "arn:aws:iam::123456789012:user/foundation-plan",
      `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`,
    ],
    [
      "a role named like the preview role's prefix",
      session("foundation-preview-x"),
      `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`,
    ],
  ])("gives %s its role", (_who, caller, expected) => {
    expect(memberRoleArn(MEMBER, caller, "foundation-preview", undefined)).toBe(expected);
  });

  it("gives a person who asks for it OrganizationAccountAccessRole, and nothing else", () => {
    expect(memberRoleArn(MEMBER, session("x"), "foundation-preview", "OrganizationAccountAccessRole")).toBe(
      `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
    );
    expect(memberRoleArn(MEMBER, session("x"), "foundation-preview", "")).toBe(
      `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`,
    );
    expect(() => memberRoleArn(MEMBER, session("x"), "foundation-preview", "Admin")).toThrow(
      `${MEMBER_ROLE_ENV}=Admin: the only role a person may choose is OrganizationAccountAccessRole; unset it to use foundation-deployer`,
    );
  });
});

describe("accountProvider", () => {
  it("pins the account, assumes the role when given one, and tags", async () => {
    const rec = await record(
      () => {
        accountProvider("aws", { region: "eu-central-1", accountId: "123456789012", tags: { Stack: "aws" } });
        accountProvider("aws-ci", {
          region: "eu-central-1",
          accountId: MEMBER,
          roleArn: `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`,
          tags: { Stack: "aws" },
        });
      },
      { stack: "aws" },
    );
    const inputs = (name: string) => rec.inputsOf(name, "pulumi:providers:aws");
    expect(inputs("aws")).toMatchObject({ region: "eu-central-1", allowedAccountIds: '["123456789012"]' });
    expect(inputs("aws")).not.toHaveProperty("assumeRoles");
    expect(inputs("aws-ci")).toMatchObject({
      allowedAccountIds: `["${MEMBER}"]`,
      assumeRoles: JSON.stringify([
        { roleArn: `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`, sessionName: "foundation-aws" },
      ]),
      defaultTags: JSON.stringify({ tags: { Stack: "aws" } }),
    });
  });
});
