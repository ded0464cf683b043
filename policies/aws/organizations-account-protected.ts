import { defineResourcePolicy, displayName } from "../policy";

/**
 * Member accounts are irreplaceable (their root email, billing history and everything inside them), so they are
 * `protect`ed and never closed by the program: removing an account from the program must not close it.
 */
export const organizationsAccountProtected = defineResourcePolicy({
  name: "organizations-account-protected",
  description: "AWS Organizations member accounts are protected and never closed on deletion.",
  severity: "critical",
  remediationSteps:
    "Create the account with the resource option protect: true (and retainOnDelete: true, as " +
    "components/aws/organization.ts does), and leave closeOnDeletion unset or false; close accounts by hand " +
    "following docs/runbooks.",
  url: "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close.html",
  area: "aws",
  types: ["aws:organizations/account:Account"],
  check: (args, report) => {
    const account = displayName(args.props, args.name);
    if (!args.opts.protect) report(`account ${account} is not protected; set the resource option protect: true`);
    if (args.props.closeOnDeletion === true) {
      report(`account ${account} sets closeOnDeletion; remove it so deleting the resource never closes the account`);
    }
  },
});
