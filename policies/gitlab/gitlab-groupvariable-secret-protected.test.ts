import { runResourcePolicy, UNKNOWN } from "../testing";
import { gitlabGroupVariableSecretProtected } from "./gitlab-groupvariable-secret-protected";

const run = (props: Record<string, unknown>, config = {}) =>
  runResourcePolicy(
    gitlabGroupVariableSecretProtected,
    {
      type: "pulumi-nodejs:dynamic/gitlab:GroupVariable",
      name: "group-var",
      props: { groupPath: "mson", value: "[secret]", raw: true, environmentScope: "*", ...props },
    },
    config,
  );
const NOT_MASKED = (key: string) => `variable ${key} looks secret but is not masked; set masked to true`;
const NOT_PROTECTED = (key: string) =>
  `variable ${key} looks secret but is not protected; set protected to true, or list it under unprotectedKeys in this policy's config for the stack`;

describe("gitlab-groupvariable-secret-protected", () => {
  it("passes a masked, protected credential and leaves other variables alone", async () => {
    expect(await run({ key: "FOUNDATION_GITLAB_OWNER_TOKEN", masked: true, protected: true })).toEqual([]);
    expect(await run({ key: "FOUNDATION_DEPLOY_ROLE_ARN", masked: false, protected: false })).toEqual([]);
    expect(await run({ key: "FOUNDATION_SECRETS_PROVIDER", masked: false, protected: false })).toEqual([]);
  });

  it.each(["FOUNDATION_PROXMOX_SSH_KEY", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "SOME_SECRET", "api_token"])(
    "fails %s when neither masked nor protected",
    async (key) => {
      expect(await run({ key, masked: false, protected: false })).toEqual([NOT_MASKED(key), NOT_PROTECTED(key)]);
    },
  );

  it("fails each missing flag on its own", async () => {
    const key = "FOUNDATION_GITLAB_OWNER_TOKEN";
    expect(await run({ key, masked: false, protected: true })).toEqual([NOT_MASKED(key)]);
    expect(await run({ key, masked: true, protected: false })).toEqual([NOT_PROTECTED(key)]);
  });

  it("accepts an unprotected key the stack lists, still masked", async () => {
    const key = "FOUNDATION_GITLAB_READ_TOKEN";
    const config = { unprotectedKeys: [key] };
    expect(await run({ key, masked: true, protected: false }, config)).toEqual([]);
    expect(await run({ key, masked: false, protected: false }, config)).toEqual([NOT_MASKED(key)]);
  });

  it("skips flags unknown at preview", async () => {
    const key = "FOUNDATION_GITLAB_OWNER_TOKEN";
    expect(await run({ key, masked: UNKNOWN, protected: UNKNOWN })).toEqual([]);
  });
});
