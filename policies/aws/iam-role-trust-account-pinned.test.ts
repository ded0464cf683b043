import { runResourcePolicy, UNKNOWN } from "../testing";
import { iamRoleTrustAccountPinned } from "./iam-role-trust-account-pinned";

const MANAGEMENT = "111111111111";
const trust = (statement: Record<string, unknown>) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "FoundationCiRole", Effect: "Allow", Action: "sts:AssumeRole", ...statement }],
  });
const run = (assumeRolePolicy: unknown) =>
  runResourcePolicy(iamRoleTrustAccountPinned, {
    type: "aws:iam/role:Role",
    name: "member-ci-deployer",
    props: { name: "foundation-deployer", assumeRolePolicy },
  });
const ROOT = { AWS: `arn:aws:iam::${MANAGEMENT}:root` };

describe("iam-role-trust-account-pinned", () => {
  it.each([
    [
      "an account pinned to one role",
      {
        Principal: ROOT,
        Condition: {
          ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${MANAGEMENT}:role/foundation/foundation-deploy` },
        },
      },
    ],
    [
      "a third party pinned by external id",
      { Principal: { AWS: "333333333333" }, Condition: { StringEquals: { "sts:ExternalId": "x7" } } },
    ],
    [
      "a role named as principal",
      { Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:role/foundation/foundation-deploy` } },
    ],
    ["a service", { Principal: { Service: "rolesanywhere.amazonaws.com" } }],
  ])("passes %s", async (_case, statement) => {
    expect(await run(trust(statement))).toEqual([]);
  });

  it.each([
    ["the account root", ROOT, `account ${MANAGEMENT} as a whole`],
    ["the bare account id", { AWS: MANAGEMENT }, `account ${MANAGEMENT} as a whole`],
    ["everyone", "*", "every AWS principal"],
  ])("fails a trust of %s without a pinned caller", async (_case, principal, who) => {
    expect(await run(trust({ Principal: principal }))).toEqual([
      `role foundation-deployer statement FoundationCiRole trusts ${who}; pin the caller with ArnEquals "aws:PrincipalArn" (or StringEquals "sts:ExternalId" for a third party)`,
    ]);
  });

  it("fails a pin that still admits every role of the account", async () => {
    const broad = `arn:aws:iam::${MANAGEMENT}:role/*`;
    expect(await run(trust({ Principal: ROOT, Condition: { ArnLike: { "aws:PrincipalArn": broad } } }))).toEqual([
      `role foundation-deployer statement FoundationCiRole pins aws:PrincipalArn to '${broad}', which admits every identity of the account; name the roles that may assume it`,
    ]);
  });

  it("skips a trust policy unknown at preview", async () => {
    expect(await run(UNKNOWN)).toEqual([]);
  });
});
