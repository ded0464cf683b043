import { runResourcePolicy, UNKNOWN } from "../testing";
import { kmsKeyDeletionWindow } from "./kms-key-deletion-window";

const run = (props: Record<string, unknown>) =>
  runResourcePolicy(kmsKeyDeletionWindow, { type: "aws:kms/key:Key", name: "state-key", props });

describe("kms-key-deletion-window", () => {
  it("passes a 30-day window, set or by the provider's default", async () => {
    expect(await run({ enableKeyRotation: true, deletionWindowInDays: 30 })).toEqual([]);
    expect(await run({ enableKeyRotation: true })).toEqual([]);
  });

  it.each([7, 29])("fails a %i-day window", async (days) => {
    expect(await run({ deletionWindowInDays: days })).toEqual([
      `KMS key state-key has a deletion window of ${days} days; set deletionWindowInDays to 30`,
    ]);
  });

  it("skips a window unknown at preview", async () => {
    expect(await run({ deletionWindowInDays: UNKNOWN })).toEqual([]);
  });
});
