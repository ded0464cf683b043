import { defineResourcePolicy } from "../policy";

/** The provider's default when `deletionWindowInDays` is unset, which is also AWS's maximum. */
const DEFAULT_WINDOW = 30;
const MINIMUM_WINDOW = 30;

/**
 * A scheduled key deletion waits the longest AWS allows, 30 days: deleting a key destroys everything encrypted
 * with it (the state and every secret), so a mistaken deletion must have the most time to be cancelled.
 */
export const kmsKeyDeletionWindow = defineResourcePolicy({
  name: "kms-key-deletion-window",
  description: "KMS keys wait at least 30 days before a scheduled deletion happens.",
  severity: "high",
  remediationSteps:
    "Set deletionWindowInDays to 30 on the aws.kms.Key (or leave it unset: the provider's default is 30), and " +
    "protect the key so that removing it from the program cannot schedule its deletion at all.",
  url: "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
  area: "aws",
  types: ["aws:kms/key:Key"],
  check: (args, report) => {
    const window = args.props.deletionWindowInDays ?? DEFAULT_WINDOW;
    if (typeof window !== "number" || window < MINIMUM_WINDOW) {
      report(`KMS key ${args.name} has a deletion window of ${String(window)} days; set deletionWindowInDays to 30`);
    }
  },
});
