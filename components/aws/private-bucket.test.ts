import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { evaluate, RequestContext } from "./iam-evaluator";
import {
  kmsUploadsOnlyStatements,
  PrivateBucket,
  PrivateBucketArgs,
  privateBucketPolicy,
  tlsOnlyBucketPolicy,
} from "./private-bucket";

const BUCKET = "aws:s3/bucket:Bucket";
const KEY = "arn:aws:kms:eu-central-1:123456789012:key/k";

async function recordBucket(overrides: Partial<PrivateBucketArgs> = {}) {
  return record(() => {
    const provider = new aws.Provider("aws", {});
    new PrivateBucket("b", { bucketName: "acme-b", kmsKeyArn: KEY, ...overrides }, { providers: { aws: provider } });
  });
}

describe("PrivateBucket", () => {
  it("makes the bucket with ACLs off, the full public access block, SSE-KMS and the TLS-and-KMS-only policy", async () => {
    const rec = await recordBucket();
    expect(rec.summary().filter((s) => !s.startsWith("pulumi:"))).toEqual([
      "foundation:aws:PrivateBucket::b",
      "aws:s3/bucket:Bucket::b",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls::b-ownership",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::b-public-access",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::b-encryption",
      "aws:s3/bucketPolicy:BucketPolicy::b-policy",
    ]);
    expect(rec.inputsOf("b", BUCKET)).toEqual({ bucket: "acme-b", forceDestroy: false });
    expect(rec.named("b", BUCKET).protect).toBe(false);
    expect(rec.inputsOf("b-ownership").rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    expect(rec.inputsOf("b-public-access")).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(rec.inputsOf("b-encryption").rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY }, bucketKeyEnabled: true },
    ]);
    expect(rec.inputsOf("b-policy").policy).toBe(
      privateBucketPolicy(rec.named("b", BUCKET).outputs.arn as string, KEY),
    );
    expect(rec.named("b-policy").dependencies).toEqual(
      expect.arrayContaining([rec.named("b-public-access").urn, rec.named("b-ownership").urn]),
    );
  });

  it("versions, protects and expires when asked, lifecycle after versioning", async () => {
    const rules = [{ id: "expire", status: "Enabled", filter: {}, expiration: { days: 14 } }];
    const rec = await recordBucket({ versioned: true, protect: true, lifecycleRules: rules });
    expect(rec.named("b", BUCKET).protect).toBe(true);
    expect(rec.inputsOf("b-versioning").versioningConfiguration).toEqual({ status: "Enabled" });
    expect(rec.inputsOf("b-lifecycle").rules).toEqual(rules);
    expect(rec.named("b-lifecycle").dependencies).toContain(rec.named("b-versioning").urn);
  });

  it("denies every request without TLS 1.2", () => {
    expect(JSON.parse(tlsOnlyBucketPolicy("arn:aws:s3:::b"))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyOutdatedTls",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        },
      ],
    });
  });

  it("denies uploads that ask for another encryption or another key, with exact statements", () => {
    const policy = JSON.parse(privateBucketPolicy("arn:aws:s3:::b", KEY)) as { Statement: unknown[] };
    expect(policy.Statement.slice(0, 2)).toEqual(JSON.parse(tlsOnlyBucketPolicy("arn:aws:s3:::b")).Statement);
    expect(kmsUploadsOnlyStatements("arn:aws:s3:::b", KEY)).toEqual([
      {
        Sid: "DenyOtherEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::b/*",
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
          Null: { "s3:x-amz-server-side-encryption": "false" },
        },
      },
      {
        Sid: "DenyOtherKmsKey",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::b/*",
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        },
      },
    ]);
  });

  describe("evaluated as S3 would for an upload over TLS 1.2", () => {
    const policy = privateBucketPolicy("arn:aws:s3:::b", KEY);
    const upload = (headers: RequestContext) =>
      evaluate([policy], {
        action: "s3:PutObject",
        resource: "arn:aws:s3:::b/.pulumi/stacks/foundation/aws.json",
        context: { "aws:SecureTransport": "true", "s3:TlsVersion": "1.3", ...headers },
      });
    const other = "arn:aws:kms:eu-central-1:999999999999:key/attacker";

    it.each([
      ["no encryption header (the bucket default, the same key)", {}],
      ["SSE-KMS without a key (the bucket key)", { "s3:x-amz-server-side-encryption": "aws:kms" }],
      [
        "SSE-KMS with the bucket's key",
        { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY },
      ],
    ])("does not refuse %s", (_case, headers) => {
      expect(upload(headers)).not.toBe("explicit-deny");
    });

    it.each([
      ["SSE-S3", { "s3:x-amz-server-side-encryption": "AES256" }],
      ["DSSE-KMS", { "s3:x-amz-server-side-encryption": "aws:kms:dsse" }],
      [
        "SSE-KMS with another key",
        { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": other },
      ],
      ["another key without the algorithm header", { "s3:x-amz-server-side-encryption-aws-kms-key-id": other }],
    ])("refuses %s", (_case, headers) => {
      expect(upload(headers)).toBe("explicit-deny");
    });

    it("refuses a request without TLS whatever it asks for", () => {
      expect(upload({ "aws:SecureTransport": "false" })).toBe("explicit-deny");
    });
  });

  it("refuses an invalid bucket name", async () => {
    await expect(recordBucket({ bucketName: "Acme_B" })).rejects.toThrow(
      "PrivateBucket 'b': bucketName 'Acme_B' is not a valid S3 bucket name; use 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
    );
  });
});
