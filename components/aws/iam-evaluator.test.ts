import { decide, evaluate } from "./iam-evaluator";
import { renderPolicy, Statement } from "./policy-document";

const policy = (...statements: Statement[]) => renderPolicy(statements);
const ROLE = "arn:aws:iam::111111111111:role/foundation/x";

describe("the IAM evaluator", () => {
  it("allows what a statement allows, matching actions without case and resources with wildcards", () => {
    const p = policy({ Effect: "Allow", Action: "iam:Put*", Resource: "arn:aws:iam::111111111111:role/foundation/*" });
    expect(evaluate([p], { action: "IAM:PutRolePolicy", resource: ROLE })).toBe("allow");
    expect(evaluate([p], { action: "iam:PutRolePolicy", resource: "arn:aws:iam::111111111111:role/other" })).toBe(
      "implicit-deny",
    );
    expect(evaluate([p], { action: "iam:AttachRolePolicy", resource: ROLE })).toBe("implicit-deny");
  });

  it("lets an explicit Deny win over any Allow, across policies", () => {
    const allow = policy({ Effect: "Allow", Action: "*", Resource: "*" });
    const deny = policy({ Effect: "Deny", Action: "iam:*", Resource: ROLE });
    expect(evaluate([allow, deny], { action: "iam:DeleteRole", resource: ROLE })).toBe("explicit-deny");
    expect(evaluate([allow, deny], { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" })).toBe("allow");
  });

  it("reads a missing key as false for positive operators and true for negated ones, IfExists as true", () => {
    const gated = policy({
      Effect: "Allow",
      Action: "iam:CreateRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:PermissionsBoundary": "b" } },
    });
    expect(evaluate([gated], { action: "iam:CreateRole", resource: ROLE })).toBe("implicit-deny");
    expect(
      evaluate([gated], { action: "iam:CreateRole", resource: ROLE, context: { "IAM:permissionsboundary": "b" } }),
    ).toBe("allow");
    const negated = policy({
      Effect: "Deny",
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { StringNotLike: { "kms:GranteePrincipal": "arn:aws:iam::111111111111:*" } },
    });
    expect(evaluate([negated], { action: "kms:CreateGrant", resource: "*" })).toBe("explicit-deny");
    const ifExists = policy({
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: "*",
      Condition: { StringEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
    });
    expect(evaluate([ifExists], { action: "s3:PutObject", resource: "arn:aws:s3:::b/k" })).toBe("allow");
  });

  it("checks presence with Null and sets with ForAllValues and ForAnyValue", () => {
    const present = policy({
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: "*",
      Condition: { Null: { "s3:x-amz-server-side-encryption": "false" } },
    });
    expect(evaluate([present], { action: "s3:PutObject", resource: "b" })).toBe("implicit-deny");
    expect(
      evaluate([present], {
        action: "s3:PutObject",
        resource: "b",
        context: { "s3:x-amz-server-side-encryption": "x" },
      }),
    ).toBe("allow");
    const all = policy({
      Effect: "Allow",
      Action: "sso:TagResource",
      Resource: "*",
      Condition: { "ForAllValues:StringEquals": { "aws:TagKeys": ["Stack", "Owner"] } },
    });
    expect(evaluate([all], { action: "sso:TagResource", resource: "x", context: { "aws:TagKeys": ["Stack"] } })).toBe(
      "allow",
    );
    expect(
      evaluate([all], { action: "sso:TagResource", resource: "x", context: { "aws:TagKeys": ["Stack", "Team"] } }),
    ).toBe("implicit-deny");
    const any = policy({
      Effect: "Allow",
      Action: "sso:TagResource",
      Resource: "*",
      Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["Team"] } },
    });
    expect(
      evaluate([any], { action: "sso:TagResource", resource: "x", context: { "aws:TagKeys": ["Stack", "Team"] } }),
    ).toBe("allow");
  });

  it("needs every resource of a multi-resource request allowed, each with its own context", () => {
    const p = policy(
      {
        Effect: "Allow",
        Action: "sso:CreateAccountAssignment",
        Resource: "arn:aws:sso:::permissionSet/ssoins-1/*",
        Condition: { StringEquals: { "aws:ResourceTag/Stack": "aws" } },
      },
      { Effect: "Allow", Action: "sso:CreateAccountAssignment", Resource: ["arn:aws:sso:::instance/ssoins-1"] },
    );
    const request = (tag: string) => ({
      action: "sso:CreateAccountAssignment",
      resource: [
        { arn: "arn:aws:sso:::instance/ssoins-1" },
        { arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", context: { "aws:ResourceTag/Stack": tag } },
      ],
    });
    expect(evaluate([p], request("aws"))).toBe("allow");
    expect(evaluate([p], request("other"))).toBe("implicit-deny");
  });

  it("supports NotAction, and ArnLike and Bool conditions", () => {
    const p = policy({
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    } as Statement);
    expect(evaluate([p], { action: "s3:GetObject", resource: "b", context: { "aws:SecureTransport": "false" } })).toBe(
      "explicit-deny",
    );
    const notAction = JSON.stringify({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] });
    expect(evaluate([notAction], { action: "s3:GetObject", resource: "b" })).toBe("allow");
    expect(evaluate([notAction], { action: "iam:CreateUser", resource: "b" })).toBe("implicit-deny");
    const arn = policy({
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: "*",
      Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/foundation/*" } },
    });
    expect(evaluate([arn], { action: "sts:AssumeRole", resource: "r", context: { "aws:PrincipalArn": ROLE } })).toBe(
      "allow",
    );
  });

  it("allows a bounded principal only what its policies and its boundary both allow", () => {
    const identity = policy({ Effect: "Allow", Action: ["s3:*", "iam:*"], Resource: "*" });
    const boundary = policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" });
    expect(decide({ identity: [identity], boundary }, { action: "s3:GetObject", resource: "b" })).toBe("allow");
    expect(decide({ identity: [identity], boundary }, { action: "iam:CreateUser", resource: "u" })).toBe(
      "implicit-deny",
    );
    const denying = policy({ Effect: "Deny", Action: "s3:GetObject", Resource: "*" });
    expect(decide({ identity: [identity], boundary: denying }, { action: "s3:GetObject", resource: "b" })).toBe(
      "explicit-deny",
    );
  });

  it("refuses an operator it does not know rather than guessing", () => {
    const p = policy({
      Effect: "Allow",
      Action: "*",
      Resource: "*",
      Condition: { DateLessThan: { "aws:CurrentTime": "x" } },
    });
    expect(() => evaluate([p], { action: "s3:GetObject", resource: "b", context: { "aws:CurrentTime": "y" } })).toThrow(
      "the evaluator does not know the condition operator DateLessThan",
    );
  });
});
