import { defineResourcePolicy } from "../policy";

/**
 * Symmetric customer managed keys rotate their key material automatically. Asymmetric and HMAC keys cannot
 * rotate automatically, so they are left alone.
 */
export const kmsKeyRotationEnabled = defineResourcePolicy({
  name: "kms-key-rotation-enabled",
  description: "Symmetric KMS keys have automatic key rotation enabled.",
  severity: "medium",
  remediationSteps:
    "Set enableKeyRotation: true on the aws.kms.Key (rotationPeriodInDays defaults to 365); components/aws/kms-key.ts " +
    "does this for every key it makes.",
  url: "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
  area: "aws",
  types: ["aws:kms/key:Key"],
  check: (args, report) => {
    const spec = args.props.customerMasterKeySpec ?? args.props.keySpec ?? "SYMMETRIC_DEFAULT";
    if (spec !== "SYMMETRIC_DEFAULT") return;
    if (args.props.enableKeyRotation !== true) {
      report(`KMS key ${args.name} does not rotate; set enableKeyRotation to true`);
    }
  },
});
