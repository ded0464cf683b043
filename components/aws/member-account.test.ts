import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { permissionsBoundaryPolicy, WORKLOAD_ACTIONS } from "./guardrails";
import { decide, evaluate, isAllowed, Principal } from "./iam-evaluator";
import { MEMBER_DEPLOY_SERVICES, MemberAccountAccess, memberDeployerPolicy, memberTrustPolicy } from "./member-account";

const MANAGEMENT = "123456789012";
const MEMBER = "210987654321";
const DEPLOY = `arn:aws:iam::${MANAGEMENT}:role/foundation/foundation-deploy`;
const PREVIEW = `arn:aws:iam::${MANAGEMENT}:role/foundation/foundation-preview`;
const DEPLOYER = `arn:aws:iam::${MEMBER}:role/foundation/foundation-deployer`;
const PREVIEWER = `arn:aws:iam::${MEMBER}:role/foundation/foundation-previewer`;
const BOUNDARY = `arn:aws:iam::${MEMBER}:policy/foundation/foundation-boundary`;
const MANAGER = `arn:aws:iam::${MEMBER}:role/foundation/ci-runner-manager`;

async function recordAccess() {
  return record(() => {
    const access = new MemberAccountAccess(
      "member-ci",
      { accountId: MEMBER, managementAccountId: MANAGEMENT, deployRoleArn: DEPLOY, previewRoleArn: PREVIEW },
      { providers: { aws: new aws.Provider("aws-ci", { allowedAccountIds: [MEMBER] }) } },
    );
    return { deployer: access.deployerRoleArn, previewer: access.previewerRoleArn, boundary: access.boundaryArn };
  });
}

describe("MemberAccountAccess", () => {
  it("makes the boundary, the deployer with its policy and the read-only previewer, both trusting one CI role", async () => {
    const rec = await recordAccess();
    expect(
      rec
        .summary()
        .filter((s) => !s.startsWith("pulumi:"))
        .sort(),
    ).toEqual([
      "aws:iam/policy:Policy::member-ci-boundary",
      "aws:iam/role:Role::member-ci-deployer",
      "aws:iam/role:Role::member-ci-previewer",
      "aws:iam/rolePolicy:RolePolicy::member-ci-deployer",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::member-ci-previewer-readonly",
      "foundation:aws:MemberAccountAccess::member-ci",
      "foundation:aws:PermissionsBoundary::member-ci-boundary",
    ]);
    expect(rec.inputsOf("member-ci-boundary", "aws:iam/policy:Policy")).toMatchObject({
      name: "foundation-boundary",
      path: "/foundation/",
      policy: permissionsBoundaryPolicy({
        accountId: MEMBER,
        allowedActions: [...WORKLOAD_ACTIONS],
        ciRoleArns: [DEPLOYER, PREVIEWER],
      }),
    });
    // The member account's CI roles carry no boundary: they are bounded by the deployer's own Denies.
    expect(rec.inputsOf("member-ci-deployer", "aws:iam/role:Role")).toEqual({
      name: "foundation-deployer",
      path: "/foundation/",
      description: "Foundation CI deployer in this member account, assumed from the management account",
      assumeRolePolicy: memberTrustPolicy(MANAGEMENT, DEPLOY),
      maxSessionDuration: 3600,
    });
    expect(rec.inputsOf("member-ci-previewer", "aws:iam/role:Role").assumeRolePolicy).toBe(
      memberTrustPolicy(MANAGEMENT, PREVIEW),
    );
    expect(rec.inputsOf("member-ci-deployer", "aws:iam/rolePolicy:RolePolicy")).toEqual({
      role: "foundation-deployer",
      name: "foundation-deploy",
      policy: memberDeployerPolicy(MEMBER),
    });
    expect(rec.inputsOf("member-ci-previewer-readonly").policyArn).toBe("arn:aws:iam::aws:policy/ReadOnlyAccess");
    expect(rec.outputs).toEqual({ deployer: DEPLOYER, previewer: PREVIEWER, boundary: BOUNDARY });
  });
});

describe("memberTrustPolicy", () => {
  it("names the management account and pins the one CI role by aws:PrincipalArn", () => {
    expect(JSON.parse(memberTrustPolicy(MANAGEMENT, DEPLOY))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "FoundationCiRole",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` },
          Action: "sts:AssumeRole",
          Condition: { ArnEquals: { "aws:PrincipalArn": DEPLOY } },
        },
      ],
    });
  });

  it.each([
    [DEPLOY, "allow"],
    [PREVIEW, "implicit-deny"],
    [
      `arn:aws:iam::${MANAGEMENT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Administrator_0123`,
      "implicit-deny",
    ],
    [`arn:aws:iam::${MANAGEMENT}:role/foundation/foundation-deploy-2`, "implicit-deny"],
  ])("decides %s: %s", (principalArn, decision) => {
    const request = { action: "sts:AssumeRole", resource: DEPLOYER, context: { "aws:PrincipalArn": principalArn } };
    expect(evaluate([memberTrustPolicy(MANAGEMENT, DEPLOY)], request)).toBe(decision);
  });
});

describe("the deployer's policy, evaluated", () => {
  const deployer: Principal = { identity: [memberDeployerPolicy(MEMBER)] };
  const withBoundary = { "iam:PermissionsBoundary": BOUNDARY };

  it("manages the workload services and nothing of the organization, Identity Center or STS", () => {
    expect(MEMBER_DEPLOY_SERVICES).not.toContain("iam");
    for (const action of ["ec2:RunInstances", "autoscaling:CreateAutoScalingGroup", "route53:CreateHostedZone"]) {
      expect(isAllowed(deployer, { action, resource: "*" })).toBe(true);
    }
    for (const action of ["organizations:LeaveOrganization", "sso:CreateAccountAssignment", "sts:AssumeRole"]) {
      expect(decide(deployer, { action, resource: "*" })).toBe("implicit-deny");
    }
    expect(isAllowed(deployer, { action: "ssm:SendCommand", resource: "*" })).toBe(false);
  });

  it.each([
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:TagRole",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PassRole",
  ])("denies %s on itself and on the previewer, even with the boundary", (action) => {
    for (const resource of [DEPLOYER, PREVIEWER]) {
      expect(decide(deployer, { action, resource, context: withBoundary })).toBe("explicit-deny");
    }
  });

  it("creates and changes roles and users only with the account's boundary", () => {
    for (const action of [
      "iam:CreateRole",
      "iam:AttachRolePolicy",
      "iam:PutRolePolicy",
      "iam:PutRolePermissionsBoundary",
    ]) {
      expect(decide(deployer, { action, resource: MANAGER, context: withBoundary })).toBe("allow");
      expect(decide(deployer, { action, resource: MANAGER })).toBe("implicit-deny");
      const other = { "iam:PermissionsBoundary": `arn:aws:iam::${MEMBER}:policy/foundation/wide-open` };
      expect(decide(deployer, { action, resource: MANAGER, context: other })).toBe("implicit-deny");
    }
    const user = `arn:aws:iam::${MEMBER}:user/foundation/lab/lab-dns`;
    expect(decide(deployer, { action: "iam:CreateUser", resource: user, context: withBoundary })).toBe("allow");
    expect(decide(deployer, { action: "iam:CreateUser", resource: user })).toBe("implicit-deny");
    expect(decide(deployer, { action: "iam:CreateAccessKey", resource: user })).toBe("allow");
    expect(
      decide(deployer, {
        action: "iam:CreateRole",
        resource: `arn:aws:iam::${MEMBER}:role/admin`,
        context: withBoundary,
      }),
    ).toBe("implicit-deny");
  });

  it("cannot change or remove the boundary", () => {
    for (const action of [
      "iam:CreatePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:DeletePolicy",
      "iam:CreatePolicy",
    ]) {
      expect(decide(deployer, { action, resource: BOUNDARY })).toBe("explicit-deny");
      expect(decide(deployer, { action, resource: `arn:aws:iam::${MEMBER}:policy/foundation/other` })).toBe("allow");
    }
    expect(decide(deployer, { action: "iam:DeleteRolePermissionsBoundary", resource: MANAGER })).toBe("explicit-deny");
    expect(decide(deployer, { action: "iam:DeleteUserPermissionsBoundary", resource: "*" })).toBe("explicit-deny");
  });

  it("passes bounded roles to Roles Anywhere and EC2 (the image builds' instance profile) only", () => {
    const pass = (service: string) =>
      decide(deployer, { action: "iam:PassRole", resource: MANAGER, context: { "iam:PassedToService": service } });
    expect(pass("rolesanywhere.amazonaws.com")).toBe("allow");
    expect(pass("ec2.amazonaws.com")).toBe("allow");
    expect(pass("lambda.amazonaws.com")).toBe("implicit-deny");
    expect(
      decide(deployer, {
        action: "iam:PassRole",
        resource: `arn:aws:iam::${MEMBER}:role/admin`,
        context: { "iam:PassedToService": "ec2.amazonaws.com" },
      }),
    ).toBe("implicit-deny");
  });

  it("manages instance profiles under Foundation's path only, and reads only its own and AWS's AMI parameters", () => {
    const profile = (path: string) => `arn:aws:iam::${MEMBER}:instance-profile${path}ci-image-builder`;
    for (const action of ["iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"]) {
      expect(decide(deployer, { action, resource: profile("/foundation/") })).toBe("allow");
      expect(decide(deployer, { action, resource: profile("/") })).toBe("implicit-deny");
    }
    const parameter = (name: string) => `arn:aws:ssm:eu-central-1:${MEMBER}:parameter${name}`;
    expect(
      decide(deployer, {
        action: "ssm:GetParameters",
        resource: parameter("/imagebuilder/foundation/runner-image/arm64"),
      }),
    ).toBe("allow");
    expect(decide(deployer, { action: "ssm:GetParameters", resource: parameter("/prod/db-password") })).toBe(
      "implicit-deny",
    );
    expect(isAllowed(deployer, { action: "imagebuilder:CreateImagePipeline", resource: "*" })).toBe(true);
  });

  it("keeps every key: no deletion, disabling, key policy or grant outside the account", () => {
    const key = `arn:aws:kms:eu-central-1:${MEMBER}:key/k`;
    for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"]) {
      expect(decide(deployer, { action, resource: key })).toBe("explicit-deny");
    }
    const grant = (grantee: string) =>
      decide(deployer, { action: "kms:CreateGrant", resource: key, context: { "kms:GranteePrincipal": grantee } });
    expect(grant("arn:aws:iam::999999999999:role/attacker")).toBe("explicit-deny");
    expect(grant(MANAGER)).toBe("allow");
    expect(decide(deployer, { action: "kms:CreateKey", resource: "*" })).toBe("allow");
  });

  it("leaves a bounded identity the workload's data plane and nothing else, whatever its own policy says", () => {
    const admin = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    const boundary = permissionsBoundaryPolicy({
      accountId: MEMBER,
      allowedActions: [...WORKLOAD_ACTIONS],
      ciRoleArns: [DEPLOYER, PREVIEWER],
    });
    const bounded: Principal = { identity: [admin], boundary };
    expect(isAllowed(bounded, { action: "s3:GetObject", resource: "arn:aws:s3:::cache/x" })).toBe(true);
    expect(isAllowed(bounded, { action: "route53:ChangeResourceRecordSets", resource: "*" })).toBe(true);
    for (const action of [
      "iam:CreateUser",
      "iam:AttachRolePolicy",
      "kms:PutKeyPolicy",
      "s3:PutBucketPolicy",
      "sts:AssumeRole",
    ]) {
      expect(isAllowed(bounded, { action, resource: "*" })).toBe(false);
    }
    expect(decide(bounded, { action: "iam:UpdateAssumeRolePolicy", resource: DEPLOYER })).toBe("explicit-deny");
  });
});
