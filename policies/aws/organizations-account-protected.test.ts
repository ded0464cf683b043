import { runResourcePolicy, UNKNOWN } from "../testing";
import { organizationsAccountProtected } from "./organizations-account-protected";

const ACCOUNT = { name: "ci", email: "aws-ci@example.com", parentId: "ou-1" };
const run = (props: Record<string, unknown>, protect: boolean) =>
  runResourcePolicy(organizationsAccountProtected, {
    type: "aws:organizations/account:Account",
    name: "org-ci",
    props,
    opts: { protect },
  });

describe("organizations-account-protected", () => {
  it("passes a protected account that is not closed on deletion", async () => {
    expect(await run(ACCOUNT, true)).toEqual([]);
    expect(await run({ ...ACCOUNT, closeOnDeletion: false }, true)).toEqual([]);
  });

  it("fails an unprotected account", async () => {
    expect(await run(ACCOUNT, false)).toEqual(["account ci is not protected; set the resource option protect: true"]);
  });

  it("fails closeOnDeletion", async () => {
    expect(await run({ ...ACCOUNT, closeOnDeletion: true }, true)).toEqual([
      "account ci sets closeOnDeletion; remove it so deleting the resource never closes the account",
    ]);
  });

  it("checks protection even when closeOnDeletion is unknown at preview", async () => {
    expect(await run({ ...ACCOUNT, closeOnDeletion: UNKNOWN }, true)).toEqual([]);
    expect(await run({ ...ACCOUNT, closeOnDeletion: UNKNOWN }, false)).toEqual([
      "account ci is not protected; set the resource option protect: true",
    ]);
  });
});
