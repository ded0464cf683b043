import { stateAccessPolicy } from "./state-access";

const BUCKET = "arn:aws:s3:::state";
const KEY = "arn:aws:kms:eu-central-1:123456789012:key/k";

describe("stateAccessPolicy", () => {
  it("lets previews read state and take locks, nothing more", () => {
    expect(JSON.parse(stateAccessPolicy("read", BUCKET, KEY)).Statement).toEqual([
      { Sid: "ListState", Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET },
      { Sid: "ReadState", Effect: "Allow", Action: "s3:GetObject", Resource: `${BUCKET}/.pulumi/*` },
      {
        Sid: "TakeLocks",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: `${BUCKET}/.pulumi/locks/*`,
      },
      {
        Sid: "UseStateKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
        Resource: KEY,
      },
    ]);
  });

  it("lets deploys write state under .pulumi/ only", () => {
    expect(JSON.parse(stateAccessPolicy("write", BUCKET, KEY)).Statement).toEqual([
      { Sid: "ListState", Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET },
      {
        Sid: "WriteState",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${BUCKET}/.pulumi/*`,
      },
      {
        Sid: "UseStateKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
        Resource: KEY,
      },
    ]);
  });
});
