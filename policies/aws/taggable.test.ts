import { isTaggable } from "./taggable";

describe("isTaggable", () => {
  it.each([
    ["aws:s3/bucket:Bucket", true],
    ["aws:kms/key:Key", true],
    ["aws:iam/role:Role", true],
    ["aws:ec2/launchTemplate:LaunchTemplate", true],
    ["aws:s3/bucketPolicy:BucketPolicy", false],
    ["aws:iam/accessKey:AccessKey", false],
    ["aws:autoscaling/group:Group", false],
  ])("%s: %s, as the installed @pulumi/aws declares it", (type, expected) => {
    expect(isTaggable(type)).toBe(expected);
  });

  it("does not know types the package does not ship, or tokens of other providers", () => {
    expect(isTaggable("aws:s3/noSuchThing:NoSuchThing")).toBeUndefined();
    expect(isTaggable("kubernetes:core/v1:Namespace")).toBeUndefined();
  });
});
