import { runResourcePolicy, UNKNOWN } from "../testing";
import { ec2BlockDeviceEncrypted } from "./ec2-blockdevice-encrypted";

const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const mapping = (ebs: Record<string, unknown>) => ({
  blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: 50, ...ebs } }],
});
const run = (props: Record<string, unknown>, type = TEMPLATE) =>
  runResourcePolicy(ec2BlockDeviceEncrypted, { type, name: "fleet-arm64", props });

describe("ec2-blockdevice-encrypted", () => {
  it("passes encrypted devices of every kind", async () => {
    expect(await run(mapping({ encrypted: "true" }))).toEqual([]);
    expect(await run({ rootBlockDevice: { encrypted: true } }, "aws:ec2/instance:Instance")).toEqual([]);
    expect(await run({ size: 10, encrypted: true }, "aws:ebs/volume:Volume")).toEqual([]);
  });

  it("leaves volumes restored from a snapshot to the snapshot", async () => {
    expect(await run(mapping({ snapshotId: "snap-1" }))).toEqual([]);
  });

  it.each([
    ["a launch template mapping", mapping({ encrypted: "false" }), TEMPLATE, "/dev/xvda"],
    ["an unset launch template mapping", mapping({}), TEMPLATE, "/dev/xvda"],
    ["an instance root device", { rootBlockDevice: { volumeSize: 8 } }, "aws:ec2/instance:Instance", "the root device"],
    [
      "an instance EBS device",
      { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf" }] },
      "aws:ec2/instance:Instance",
      "/dev/sdf",
    ],
    ["a volume", { size: 10 }, "aws:ebs/volume:Volume", "the volume"],
  ])("fails %s", async (_case, props, type, label) => {
    expect(await run(props, type)).toEqual([`fleet-arm64: ${label} is not encrypted; set encrypted to true`]);
  });

  it("skips encryption unknown at preview", async () => {
    expect(await run(mapping({ encrypted: UNKNOWN }))).toEqual([]);
  });
});
