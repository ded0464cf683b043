import * as aws from "@pulumi/aws";
import { record } from "../../tools/plan/testing";
import { keyPolicy, KmsKey } from "./kms-key";

describe("keyPolicy", () => {
  it("names its users and gives them only the encryption actions, optionally through one service", () => {
    expect(JSON.parse(keyPolicy("123456789012", ["arn:b", "arn:a"], ["s3.eu-central-1.amazonaws.com"]))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministersKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "NamedPrincipalsUseKey",
          Effect: "Allow",
          Principal: { AWS: ["arn:a", "arn:b"] },
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": ["s3.eu-central-1.amazonaws.com"] } },
        },
      ],
    });
  });

  it("grants kms:* only to the account root", () => {
    const statements = JSON.parse(keyPolicy("123456789012", ["arn:a"])).Statement;
    expect(
      statements
        .filter((s: { Action: unknown }) => s.Action === "kms:*")
        .map((s: { Principal: unknown }) => s.Principal),
    ).toEqual([{ AWS: "arn:aws:iam::123456789012:root" }]);
    expect(statements[1].Condition).toBeUndefined();
  });
});

describe("KmsKey", () => {
  it("makes a protected rotating key with a 30-day window, its alias, and a policy naming its users", async () => {
    const rec = await record(() => {
      const provider = new aws.Provider("aws", {});
      const role = new aws.iam.Role("user", { assumeRolePolicy: "{}" }, { provider });
      new KmsKey(
        "cache",
        { description: "d", alias: "cache", accountId: "123456789012", userArns: [role.arn] },
        { providers: { aws: provider } },
      );
    });
    expect(rec.summary().filter((s) => s.includes("cache"))).toEqual([
      "foundation:aws:KmsKey::cache",
      "aws:kms/key:Key::cache-key",
      "aws:kms/alias:Alias::cache-alias",
    ]);
    const key = rec.named("cache-key");
    expect(key.protect).toBe(true);
    expect(rec.inputsOf("cache-key")).toMatchObject({
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      description: "d",
    });
    expect(JSON.parse(rec.inputsOf("cache-key").policy as string).Statement[1].Principal).toEqual({
      AWS: [rec.named("user").outputs.arn],
    });
    expect(rec.inputsOf("cache-alias").name).toBe("alias/cache");
  });

  it("refuses a deletion window AWS does not allow", async () => {
    await expect(
      record(() => new KmsKey("k", { description: "d", alias: "k", accountId: "1", deletionWindowDays: 3 })),
    ).rejects.toThrow("KmsKey 'k': deletionWindowDays must be from 7 to 30 (AWS's limits)");
  });
});
