import { runResourcePolicy, UNKNOWN } from "../testing";
import { kmsKeyRotationEnabled } from "./kms-key-rotation-enabled";

const KEY = { description: "state", enableKeyRotation: true, deletionWindowInDays: 30 };
const run = (props: Record<string, unknown>) =>
  runResourcePolicy(kmsKeyRotationEnabled, { type: "aws:kms/key:Key", name: "state-key", props });

describe("kms-key-rotation-enabled", () => {
  it("passes a rotating symmetric key", async () => {
    expect(await run(KEY)).toEqual([]);
  });

  it.each([
    ["rotation off", { ...KEY, enableKeyRotation: false }],
    ["rotation unset", { description: "state" }],
    [
      "rotation off on an explicit SYMMETRIC_DEFAULT key",
      { ...KEY, enableKeyRotation: false, customerMasterKeySpec: "SYMMETRIC_DEFAULT" },
    ],
  ])("fails with %s", async (_case, props) => {
    expect(await run(props)).toEqual(["KMS key state-key does not rotate; set enableKeyRotation to true"]);
  });

  it("leaves asymmetric keys alone, which cannot rotate automatically", async () => {
    expect(await run({ customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })).toEqual([]);
  });

  it("skips rotation unknown at preview", async () => {
    expect(await run({ ...KEY, enableKeyRotation: UNKNOWN })).toEqual([]);
  });
});
