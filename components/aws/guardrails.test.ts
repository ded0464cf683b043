import {
  boundedIdentityStatements,
  keyGuardDenies,
  permissionsBoundaryPolicy,
  protectedIdentityDenies,
  ROLE_WRITE_ACTIONS,
  WORKLOAD_ACTIONS,
} from "./guardrails";
import { boundaryArn } from "./iam-path";

const ACCOUNT = "111111111111";
const CI_ROLES = [`arn:aws:iam::${ACCOUNT}:role/foundation/foundation-deploy`];

describe("the guardrail statements", () => {
  it("gate every IAM write that grants permissions on the account's boundary", () => {
    const [gated, upkeep, policies] = boundedIdentityStatements({ accountId: ACCOUNT, serviceLinkedRoles: [] });
    expect(gated).toMatchObject({
      Sid: "GrantOnlyWithinBoundary",
      Effect: "Allow",
      Resource: [`arn:aws:iam::${ACCOUNT}:role/foundation/*`, `arn:aws:iam::${ACCOUNT}:user/foundation/*`],
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundaryArn(ACCOUNT) } },
    });
    expect(gated.Action).toEqual(
      expect.arrayContaining([
        "iam:CreateRole",
        "iam:PutRolePermissionsBoundary",
        "iam:CreateUser",
        "iam:PutUserPolicy",
      ]),
    );
    // What does not take the boundary condition grants nothing by itself.
    expect(upkeep.Action).not.toEqual(expect.arrayContaining(["iam:AttachRolePolicy"]));
    expect(upkeep).not.toHaveProperty("Condition");
    expect(policies.Resource).toBe(`arn:aws:iam::${ACCOUNT}:policy/foundation/*`);
  });

  it("deny every write to the CI roles, their policies and the boundary, and any boundary's removal", () => {
    const policy = `arn:aws:iam::${ACCOUNT}:policy/foundation/state-write-abc`;
    expect(protectedIdentityDenies({ accountId: ACCOUNT, roleArns: CI_ROLES, policyArns: [policy] })).toEqual([
      { Sid: "KeepCiRoles", Effect: "Deny", Action: [...ROLE_WRITE_ACTIONS], Resource: CI_ROLES },
      {
        Sid: "KeepCiPoliciesAndBoundary",
        Effect: "Deny",
        Action: [
          "iam:CreatePolicy",
          "iam:CreatePolicyVersion",
          "iam:DeletePolicy",
          "iam:DeletePolicyVersion",
          "iam:SetDefaultPolicyVersion",
          "iam:TagPolicy",
          "iam:UntagPolicy",
        ],
        Resource: [boundaryArn(ACCOUNT), policy],
      },
      {
        Sid: "KeepBoundaries",
        Effect: "Deny",
        Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
        Resource: "*",
      },
    ]);
  });

  it("deny key deletion, disabling, key policies and grants outside the account", () => {
    expect(keyGuardDenies(ACCOUNT)).toEqual([
      { Sid: "KeepKeys", Effect: "Deny", Action: ["kms:DisableKey", "kms:ScheduleKeyDeletion"], Resource: "*" },
      { Sid: "KeepKeyPolicies", Effect: "Deny", Action: "kms:PutKeyPolicy", Resource: "*" },
      {
        Sid: "NoGrantsOutsideAccount",
        Effect: "Deny",
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: {
          StringNotLike: { "kms:GranteePrincipal": [`arn:aws:iam::${ACCOUNT}:*`, `arn:aws:sts::${ACCOUNT}:*`] },
        },
      },
    ]);
  });
});

describe("permissionsBoundaryPolicy", () => {
  it("allows nothing in the management account, and denies changes to itself, to boundaries and to the CI roles", () => {
    expect(
      JSON.parse(permissionsBoundaryPolicy({ accountId: ACCOUNT, allowedActions: [], ciRoleArns: CI_ROLES })),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "NoBoundaryChanges",
          Effect: "Deny",
          Action: [
            "iam:CreatePolicy",
            "iam:CreatePolicyVersion",
            "iam:DeletePolicy",
            "iam:DeletePolicyVersion",
            "iam:SetDefaultPolicyVersion",
            "iam:TagPolicy",
            "iam:UntagPolicy",
          ],
          Resource: boundaryArn(ACCOUNT),
        },
        {
          Sid: "NoBoundaryRemoval",
          Effect: "Deny",
          Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
          Resource: "*",
        },
        { Sid: "NoCiRoleChanges", Effect: "Deny", Action: [...ROLE_WRITE_ACTIONS], Resource: CI_ROLES },
      ],
    });
  });

  it("caps a member account's identities at the workloads' data plane, with no wildcard service", () => {
    const statements = JSON.parse(
      permissionsBoundaryPolicy({ accountId: ACCOUNT, allowedActions: [...WORKLOAD_ACTIONS], ciRoleArns: CI_ROLES }),
    ).Statement as { Sid: string; Action: string[] }[];
    expect(statements[0]).toEqual({
      Sid: "WorkloadCeiling",
      Effect: "Allow",
      Action: [...WORKLOAD_ACTIONS],
      Resource: "*",
    });
    expect(
      ([...WORKLOAD_ACTIONS] as string[]).filter(
        (a) => a === "*" || a.endsWith(":*") || /^(iam|sts|organizations|sso):/.test(a),
      ),
    ).toEqual([]);
  });
});
