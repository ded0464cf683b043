import { defineResourcePolicy, displayName } from "../policy";
import { IamStatement, statementsOf } from "./iam-document";

/** Trust values that admit a whole account, or everyone: `*`, `123456789012`, `arn:aws:iam::123456789012:root`. */
const WHOLE_ACCOUNT = /^(\*|\d{12}|arn:aws[\w-]*:iam::(\d{12}|\*):root)$/;

/** `aws:PrincipalArn` values that still admit every role or user of an account. */
const BROAD_PRINCIPAL_ARN = /^(\*|arn:aws[\w-]*:iam::[\d*]*:(\*|root|role\/\*|user\/\*))$/;

/** The values of one condition key under the given operators (keys match case-insensitively, as in IAM). */
function values(statement: IamStatement, operators: readonly string[], key: string): string[] {
  return operators.flatMap((operator) =>
    Object.entries(statement.conditions[operator] ?? {})
      .filter(([k]) => k.toLowerCase() === key.toLowerCase())
      .flatMap(([, v]) => v),
  );
}

/**
 * A role that trusts a whole account (`arn:aws:iam::<account>:root`, the bare id, or `*`) pins the caller: every
 * identity of that account with `sts:AssumeRole` could otherwise assume it, which is what
 * `OrganizationAccountAccessRole` does for the management account and why Foundation's member-account roles name
 * their one CI role with `aws:PrincipalArn` instead. `sts:ExternalId` is accepted for third parties.
 */
export const iamRoleTrustAccountPinned = defineResourcePolicy({
  name: "iam-role-trust-account-pinned",
  description: "IAM roles that trust a whole AWS account pin the caller with aws:PrincipalArn or sts:ExternalId.",
  severity: "critical",
  remediationSteps:
    'Add Condition {"ArnEquals": {"aws:PrincipalArn": [<the role ARNs that may assume it>]}} to the trust ' +
    "statement (components/aws/member-account.ts memberTrustPolicy renders it), or name the roles as principals; " +
    "for a third party, require its sts:ExternalId with StringEquals.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn",
  area: "aws",
  types: ["aws:iam/role:Role"],
  check: (args, report) => {
    const role = displayName(args.props, args.name);
    for (const statement of statementsOf(args.props.assumeRolePolicy) ?? []) {
      const assumes = statement.actions.some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*");
      if (statement.effect !== "Allow" || !assumes) continue;
      const principals = statement.principal === "*" ? ["*"] : (statement.principal?.AWS ?? []);
      const whole = principals.filter((p) => WHOLE_ACCOUNT.test(p));
      if (whole.length === 0) continue;
      const pinned = values(statement, ["ArnEquals", "ArnLike", "StringEquals", "StringLike"], "aws:PrincipalArn");
      const externalId = values(statement, ["StringEquals"], "sts:ExternalId").filter((v) => v !== "");
      if (pinned.length === 0 && externalId.length === 0) {
        const who = whole.includes("*")
          ? "every AWS principal"
          : `account ${whole.map((p) => /\d{12}/.exec(p)?.[0] ?? p).join(", ")} as a whole`;
        report(
          `role ${role} statement ${statement.label} trusts ${who}; pin the caller with ArnEquals ` +
            '"aws:PrincipalArn" (or StringEquals "sts:ExternalId" for a third party)',
        );
      }
      for (const value of pinned.filter((v) => BROAD_PRINCIPAL_ARN.test(v))) {
        report(
          `role ${role} statement ${statement.label} pins aws:PrincipalArn to '${value}', which admits every ` +
            "identity of the account; name the roles that may assume it",
        );
      }
    }
  },
});
