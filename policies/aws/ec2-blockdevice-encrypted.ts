import { asList, asObject, defineResourcePolicy, whenKnown } from "../policy";

/** The provider types `encrypted` as a string on launch templates ("true") and as a boolean elsewhere. */
function isOn(value: unknown): boolean {
  return value === true || value === "true";
}

/**
 * Every EBS volume is encrypted: launch template block device mappings, instance root and EBS block devices, and
 * standalone volumes. A volume restored from a snapshot inherits the snapshot's encryption, so it is left to the
 * snapshot.
 */
export const ec2BlockDeviceEncrypted = defineResourcePolicy({
  name: "ec2-blockdevice-encrypted",
  description: "EBS volumes of launch templates, instances and standalone volumes are encrypted.",
  severity: "high",
  remediationSteps:
    'Set encrypted: "true" on every ebs block of the launch template\'s blockDeviceMappings (encrypted: true on ' +
    "instance block devices and aws.ebs.Volume), optionally with kmsKeyId; or turn on EBS encryption by default " +
    "for the account and region.",
  url: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
  area: "aws",
  types: ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance", "aws:ebs/volume:Volume"],
  check: (args, report) => {
    const devices: { label: string; ebs: Record<string, unknown> }[] = [];
    if (args.type === "aws:ec2/launchTemplate:LaunchTemplate") {
      for (const mapping of asList(args.props.blockDeviceMappings as unknown[]).map(asObject)) {
        if (mapping.ebs !== undefined) devices.push({ label: String(mapping.deviceName), ebs: asObject(mapping.ebs) });
      }
    } else if (args.type === "aws:ec2/instance:Instance") {
      if (args.props.rootBlockDevice !== undefined) {
        devices.push({ label: "the root device", ebs: asObject(args.props.rootBlockDevice) });
      }
      for (const device of asList(args.props.ebsBlockDevices as unknown[]).map(asObject)) {
        devices.push({ label: String(device.deviceName), ebs: device });
      }
    } else {
      devices.push({ label: "the volume", ebs: args.props });
    }
    for (const { label, ebs } of devices) {
      whenKnown(() => {
        if (typeof ebs.snapshotId === "string" && ebs.snapshotId !== "") return;
        if (!isOn(ebs.encrypted)) report(`${args.name}: ${label} is not encrypted; set encrypted to true`);
      });
    }
  },
});
