import { defineResourcePolicy } from "../policy";

/** The settings a stack gives this policy through the pack's config. */
export interface AccessKeyExceptions {
  /** IAM user names whose access keys the stack declares as an exception, each for a documented reason. */
  readonly allowedUsers?: readonly string[];
}

/**
 * IAM users do not get access keys: CI uses OIDC roles and on-premises machines use IAM Roles Anywhere, both with
 * short-lived credentials. Where nothing else works (the lab cluster's controllers outside AWS), the stack declares
 * the exception in the pack's config for this policy, user by user, so every long-lived key is listed in review.
 */
export const iamAccessKeyNoUserKeys = defineResourcePolicy({
  name: "iam-accesskey-no-user-keys",
  description: "IAM users have no access keys unless the stack declares the user as an exception.",
  severity: "high",
  remediationSteps:
    "Replace the access key with a role: GitLab CI OIDC for pipelines, IAM Roles Anywhere for machines outside AWS. " +
    "When a long-lived key is unavoidable, list the user under allowedUsers in this policy's config for the stack, " +
    "rotate the key on a schedule and give the user the narrowest policy.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp",
  area: "aws",
  configSchema: {
    properties: {
      allowedUsers: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "IAM user names whose access keys are a declared exception.",
      },
    },
  },
  types: ["aws:iam/accessKey:AccessKey"],
  check: (args, report) => {
    const allowed = args.getConfig<AccessKeyExceptions>().allowedUsers ?? [];
    const user = String(args.props.user);
    if (!allowed.includes(user)) {
      report(
        `access key ${args.name} gives IAM user '${user}' a long-lived credential; use a role, or declare the ` +
          `exception with allowedUsers: ['${user}'] in this policy's config for the stack`,
      );
    }
  },
});
