import { fixtureUrn, runStackPolicy, StackResourceFixture, UNKNOWN } from "../testing";
import { iamRolePermissionsBoundary } from "./iam-role-permissions-boundary";

const MANAGEMENT = "111111111111";
const MEMBER = "222222222222";
const BOUNDARY = `arn:aws:iam::${MEMBER}:policy/foundation/foundation-boundary`;
const HOST = "gitlab.example.com";
const DEPLOY_ARN = `arn:aws:iam::${MANAGEMENT}:role/foundation/foundation-deploy`;
const trust = (statement: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const memberProvider = { type: "pulumi:providers:aws", name: "aws-ci", props: { allowedAccountIds: `["${MEMBER}"]` } };

const DEPLOY: StackResourceFixture = {
  type: "aws:iam/role:Role",
  name: "gitlab-oidc-foundation-deploy",
  props: {
    name: "foundation-deploy",
    path: "/foundation/",
    arn: DEPLOY_ARN,
    assumeRolePolicy: trust({
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${MANAGEMENT}:oidc-provider/${HOST}` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringEquals: { [`${HOST}:aud`]: `https://${HOST}` } },
    }),
  },
};
const memberRole = (name: string, principalArn: string): StackResourceFixture => ({
  type: "aws:iam/role:Role",
  name,
  provider: memberProvider,
  props: {
    name,
    path: "/foundation/",
    assumeRolePolicy: trust({
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` },
      Action: "sts:AssumeRole",
      Condition: { ArnEquals: { "aws:PrincipalArn": principalArn } },
    }),
  },
});
const MANAGER: StackResourceFixture = {
  type: "aws:iam/role:Role",
  name: "ci-manager",
  provider: memberProvider,
  props: {
    name: "ci-runner-manager",
    path: "/foundation/",
    permissionsBoundary: BOUNDARY,
    assumeRolePolicy: trust({
      Effect: "Allow",
      Principal: { Service: "rolesanywhere.amazonaws.com" },
      Action: "sts:AssumeRole",
    }),
  },
};
const USER: StackResourceFixture = {
  type: "aws:iam/user:User",
  name: "lab-dns",
  provider: memberProvider,
  props: { name: "lab-dns", path: "/foundation/lab/", permissionsBoundary: BOUNDARY },
};
const run = (...resources: StackResourceFixture[]) => runStackPolicy(iamRolePermissionsBoundary, resources);

describe("iam-role-permissions-boundary", () => {
  it("passes bounded roles and users, the CI roles and their member-account halves, and identities off the path", async () => {
    const outside = {
      ...MANAGER,
      name: "legacy",
      props: { ...MANAGER.props, name: "legacy", path: "/", permissionsBoundary: undefined },
    };
    expect(await run(DEPLOY, memberRole("foundation-deployer", DEPLOY_ARN), MANAGER, USER, outside)).toEqual([]);
  });

  it.each([
    ["a role", { ...MANAGER, props: { ...MANAGER.props, permissionsBoundary: undefined } }, "role ci-runner-manager"],
    ["a user", { ...USER, props: { ...USER.props, permissionsBoundary: undefined } }, "user lab-dns"],
  ])("fails %s without a boundary", async (_case, identity, label) => {
    expect(await run(DEPLOY, identity)).toEqual([
      `${label} under /foundation/ has no permissions boundary; set permissionsBoundary to its account's foundation-boundary policy (${BOUNDARY}) (${fixtureUrn(identity)})`,
    ]);
  });

  it.each([
    ["another policy", `arn:aws:iam::${MEMBER}:policy/foundation/wide-open`],
    ["another account's boundary", `arn:aws:iam::${MANAGEMENT}:policy/foundation/foundation-boundary`],
  ])("fails a boundary that is %s", async (_case, boundary) => {
    const role = { ...MANAGER, props: { ...MANAGER.props, permissionsBoundary: boundary } };
    expect(await run(DEPLOY, role)).toEqual([
      `role ci-runner-manager has permissions boundary ${boundary}, not its account's foundation-boundary policy; set permissionsBoundary to ${BOUNDARY} (${fixtureUrn(role)})`,
    ]);
  });

  it("fails a role that trusts a CI role and anyone else, which is no CI role", async () => {
    const role = memberRole("foundation-deployer", "*");
    expect(await run(DEPLOY, role)).toEqual([
      `role foundation-deployer under /foundation/ has no permissions boundary; set permissionsBoundary to its account's foundation-boundary policy (${BOUNDARY}) (${fixtureUrn(role)})`,
    ]);
  });

  it("skips a boundary unknown at preview", async () => {
    expect(await run(DEPLOY, { ...MANAGER, props: { ...MANAGER.props, permissionsBoundary: UNKNOWN } })).toEqual([]);
  });
});
