import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { permissionsBoundaryPolicy } from "./guardrails";
import { BOUNDARY_POLICY_NAME, boundaryArn, FOUNDATION_IAM_PATH } from "./iam-path";

/** Arguments of {@link PermissionsBoundary}. */
export interface PermissionsBoundaryArgs {
  /** The account the boundary belongs to: the provider's account. */
  readonly accountId: pulumi.Input<string>;
  /** The most a bounded identity may do (`WORKLOAD_ACTIONS`, or none). */
  readonly allowedActions: readonly string[];
  /** The account's CI roles, which the boundary forbids every bounded identity to change. */
  readonly ciRoleArns: pulumi.Input<readonly pulumi.Input<string>[]>;
}

/**
 * The account's permissions boundary, `foundation-boundary` under Foundation's IAM path: every role and user a CI
 * role creates in the account must carry it (`iam:PermissionsBoundary` in the CI roles' policies), so nothing a
 * pipeline creates can do more than the boundary allows. Only a person changes it: the CI roles are denied every
 * write to it (docs/runbooks/landing-zone.md, "Escalation paths closed").
 */
export class PermissionsBoundary extends pulumi.ComponentResource {
  /** The boundary's ARN, computed from the account: the same string the CI roles' conditions name. */
  readonly arn: pulumi.Output<string>;
  /** The policy resource, for `dependsOn` of the identities that carry the boundary. */
  readonly policy: aws.iam.Policy;

  constructor(name: string, args: PermissionsBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("foundation:aws:PermissionsBoundary", name, {}, opts);
    this.policy = new aws.iam.Policy(
      name,
      {
        name: BOUNDARY_POLICY_NAME,
        path: FOUNDATION_IAM_PATH,
        description: "Ceiling of every role and user Foundation's CI roles create; only a person changes it",
        policy: pulumi
          .all([args.accountId, args.ciRoleArns])
          .apply(([accountId, ciRoleArns]) =>
            permissionsBoundaryPolicy({ accountId, allowedActions: args.allowedActions, ciRoleArns }),
          ),
      },
      { parent: this },
    );
    this.arn = pulumi.output(args.accountId).apply(boundaryArn);
    this.registerOutputs({ arn: this.arn });
  }
}
