import { runResourcePolicy, UNKNOWN } from "../testing";
import { ec2LaunchTemplateImdsv2 } from "./ec2-launchtemplate-imdsv2";

const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const run = (props: Record<string, unknown>, type = TEMPLATE) =>
  runResourcePolicy(ec2LaunchTemplateImdsv2, { type, name: "fleet-arm64", props });

describe("ec2-launchtemplate-imdsv2", () => {
  it("passes required tokens, and a disabled metadata service", async () => {
    const required = {
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
    };
    expect(await run(required)).toEqual([]);
    expect(await run(required, "aws:ec2/instance:Instance")).toEqual([]);
    expect(await run({ metadataOptions: { httpEndpoint: "disabled" } })).toEqual([]);
  });

  it.each([
    ["optional tokens", { metadataOptions: { httpEndpoint: "enabled", httpTokens: "optional" } }],
    ["no metadata options", { imageId: "ami-1" }],
  ])("fails %s", async (_case, props) => {
    expect(await run(props)).toEqual([
      'launch template fleet-arm64 allows IMDSv1; set metadataOptions.httpTokens to "required"',
    ]);
  });

  it("names instances as instances", async () => {
    expect(await run({}, "aws:ec2/instance:Instance")).toEqual([
      'instance fleet-arm64 allows IMDSv1; set metadataOptions.httpTokens to "required"',
    ]);
  });

  it("skips tokens unknown at preview", async () => {
    expect(await run({ metadataOptions: { httpTokens: UNKNOWN } })).toEqual([]);
  });
});
