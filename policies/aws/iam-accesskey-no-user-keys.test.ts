import { runResourcePolicy, UNKNOWN } from "../testing";
import { iamAccessKeyNoUserKeys } from "./iam-accesskey-no-user-keys";

const run = (props: Record<string, unknown>, config = {}) =>
  runResourcePolicy(
    iamAccessKeyNoUserKeys,
    { type: "aws:iam/accessKey:AccessKey", name: "lab-dns-2026-11", props },
    config,
  );

describe("iam-accesskey-no-user-keys", () => {
  it("passes a key whose user the stack declares as an exception", async () => {
    expect(await run({ user: "lab-access-dns" }, { allowedUsers: ["lab-access-dns", "lab-access-secrets"] })).toEqual(
      [],
    );
  });

  it.each([
    ["no exception", {}],
    ["an exception for another user", { allowedUsers: ["lab-access-secrets"] }],
  ])("fails with %s", async (_case, config) => {
    expect(await run({ user: "lab-access-dns" }, config)).toEqual([
      "access key lab-dns-2026-11 gives IAM user 'lab-access-dns' a long-lived credential; use a role, or declare the exception with allowedUsers: ['lab-access-dns'] in this policy's config for the stack",
    ]);
  });

  it("skips a user unknown at preview", async () => {
    expect(await run({ user: UNKNOWN })).toEqual([]);
  });
});
