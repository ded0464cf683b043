import { STANDARD_TAG_KEYS } from "../../components/aws/tags";
import { runResourcePolicy, UNKNOWN } from "../testing";
import { awsResourceStandardTags, REQUIRED_TAG_KEYS } from "./aws-resource-standard-tags";

const TAGS = { Project: "foundation", Stack: "aws", Owner: "platform", CostCenter: "infra", ManagedBy: "pulumi" };
const PROVIDER = { type: "pulumi:providers:aws", name: "aws", props: { defaultTags: JSON.stringify({ tags: TAGS }) } };
const run = (props: Record<string, unknown>, provider?: typeof PROVIDER, type = "aws:kms/key:Key") =>
  runResourcePolicy(awsResourceStandardTags, { type, name: "state-kms-key", props, provider });

describe("aws-resource-standard-tags", () => {
  it("states the tags the tagging component sets, so stacks that use it comply", () => {
    expect([...STANDARD_TAG_KEYS]).toEqual([...REQUIRED_TAG_KEYS]);
  });

  it("passes tags from the provider's defaultTags, the resource's own tags, or tagsAll", async () => {
    expect(await run({}, PROVIDER)).toEqual([]);
    expect(await run({ tags: TAGS })).toEqual([]);
    expect(await run({ tagsAll: TAGS })).toEqual([]);
  });

  it("fails the missing and the empty tags, in the standard order", async () => {
    const { Owner: _owner, CostCenter: _cost, ...some } = TAGS;
    expect(await run({ tags: { ...some, Stack: "" } })).toEqual([
      "state-kms-key lacks the standard tags Stack, Owner, CostCenter; set them in the AWS provider's defaultTags",
    ]);
    expect(await run({})).toEqual([
      "state-kms-key lacks the standard tags Project, Stack, Owner, CostCenter, ManagedBy; set them in the AWS provider's defaultTags",
    ]);
  });

  it("leaves resources that take no tags, and other providers' resources, alone", async () => {
    expect(await run({}, undefined, "aws:s3/bucketPolicy:BucketPolicy")).toEqual([]);
    expect(await run({}, undefined, "kubernetes:core/v1:Namespace")).toEqual([]);
  });

  it("counts a tag whose value is unknown at preview as present", async () => {
    expect(await run({ tags: { ...TAGS, Owner: UNKNOWN } })).toEqual([]);
  });
});
