import { decide, PolicyInput } from "../../components/aws/iam-evaluator";
import { defineStackPolicy, whenKnown } from "../policy";
import { identitiesOf, policiesOfRole } from "./iam-identities";

/** IAM writes on a role that change what the role may do or who may use it. */
const ROLE_ESCALATIONS = [
  "iam:AttachRolePolicy",
  "iam:PutRolePolicy",
  "iam:DetachRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:UpdateAssumeRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:UpdateRole",
  "iam:DeleteRole",
  "iam:TagRole",
] as const;

/** IAM writes on a managed policy that rewrite what it grants to everything it is attached to. */
const POLICY_ESCALATIONS = [
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:DeletePolicyVersion",
  "iam:DeletePolicy",
] as const;

/**
 * No role's policies let it change itself: an IAM write on its own ARN (named, or matched by `role/<path>*`) or on a
 * managed policy attached to it turns whatever the role may do into whatever it wants (attach
 * AdministratorAccess, rewrite its trust, drop its Denies). The check evaluates the role's own documents as IAM
 * does, with no `iam:PermissionsBoundary` in the request, so a grant gated on the boundary passes and an explicit
 * Deny on the role wins.
 */
export const iamPolicyNoSelfEscalation = defineStackPolicy({
  name: "iam-policy-no-self-escalation",
  description:
    "No IAM role's policies allow IAM writes on the role itself or on its managed policies without a boundary condition.",
  severity: "critical",
  remediationSteps:
    "Add an explicit Deny of every IAM write (iam:UpdateAssumeRolePolicy, iam:Attach/Detach/Put/DeleteRolePolicy, " +
    "iam:DeleteRole, iam:UpdateRole, iam:TagRole, iam:Put/DeleteRolePermissionsBoundary, and " +
    "iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion, iam:DeletePolicy on its managed policies) on the role's own " +
    "ARN, or grant IAM writes only with a StringEquals iam:PermissionsBoundary condition the role does not satisfy; " +
    "components/aws/guardrails.ts protectedIdentityDenies renders both.",
  url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html#access_policies_boundaries-delegate",
  area: "aws",
  check: (args, report) => {
    for (const role of identitiesOf(args.resources).filter((i) => i.kind === "role")) {
      whenKnown(() => {
        if (role.arn === undefined) return;
        const { documents, attached } = policiesOfRole(role, args.resources);
        const identity = documents.filter(
          (d): d is PolicyInput => typeof d === "string" || (d !== null && typeof d === "object"),
        );
        if (identity.length === 0) return;
        const allowed = (actions: readonly string[], resource: string) =>
          actions.filter((action) => decide({ identity }, { action, resource }) === "allow");
        const own = allowed(ROLE_ESCALATIONS, role.arn);
        if (own.length > 0) {
          report(
            `role ${role.name} can change itself: its policies allow ${own.join(", ")} on its own ARN ${role.arn} ` +
              "without an iam:PermissionsBoundary condition; deny IAM writes on the role, or allow them only with " +
              "iam:PermissionsBoundary",
            role.resource.urn,
          );
        }
        for (const policy of attached) {
          const rewrites = allowed(POLICY_ESCALATIONS, policy.arn);
          if (rewrites.length > 0) {
            report(
              `role ${role.name} can rewrite its own managed policy ${policy.arn}: its policies allow ` +
                `${rewrites.join(", ")} on it; deny policy writes on the managed policies attached to the role`,
              role.resource.urn,
            );
          }
        }
      });
    }
  },
});
