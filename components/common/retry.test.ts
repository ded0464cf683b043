import { AttemptResult, retryUntil, RetryClock } from "./retry";
import { fakeClock } from "./testing";

/** Attempts that answer "not yet" `failures` times, then done with "value"; records the time each one had left. */
function script(failures: number) {
  const remaining: number[] = [];
  const attempt = async (remainingMs: number): Promise<AttemptResult<string>> => {
    remaining.push(remainingMs);
    return remaining.length > failures
      ? { done: true, value: "value" }
      : { done: false, reason: `no ${remaining.length}` };
  };
  return { attempt, remaining };
}

const options = (clock: RetryClock, timeoutMs: number) => ({
  what: "the thing",
  timeoutMs,
  initialDelayMs: 1_000,
  maxDelayMs: 3_000,
  clock,
});

describe("retryUntil", () => {
  it.each([
    [0, [], [60_000]],
    [1, [1_000], [60_000, 59_000]],
    [4, [1_000, 2_000, 3_000, 3_000], [60_000, 59_000, 57_000, 54_000, 51_000]],
  ])(
    "after %i failures pauses %j with the backoff capped, and tells each attempt its time left",
    async (n, sleeps, left) => {
      const clock = fakeClock(0);
      const { attempt, remaining } = script(n);
      await expect(retryUntil(attempt, options(clock, 60_000))).resolves.toBe("value");
      expect(clock.sleeps).toEqual(sleeps);
      expect(remaining).toEqual(left);
    },
  );

  it("fails at the deadline with the attempt count and the last reason", async () => {
    const clock = fakeClock(0);
    const { attempt } = script(100);
    await expect(retryUntil(attempt, options(clock, 5_500))).rejects.toThrow(
      "the thing did not succeed within 6s (4 attempts); last error: no 4",
    );
    expect(clock.sleeps).toEqual([1_000, 2_000, 2_500]);
  });

  it("stops at once when an attempt throws", async () => {
    const clock = fakeClock(0);
    const attempt = jest.fn(async (): Promise<AttemptResult<string>> => {
      throw new Error("permanent");
    });
    await expect(retryUntil(attempt, options(clock, 60_000))).rejects.toThrow("permanent");
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(clock.sleeps).toEqual([]);
  });
});
