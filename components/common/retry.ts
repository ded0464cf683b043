/** Time as the retry loop sees it; tests pass a fake one so no test waits for real backoff. */
export interface RetryClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The wall clock and real timers. */
export function systemClock(): RetryClock {
  return {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** One attempt's result: done with a value, or not yet, with the reason to report if time runs out. */
export type AttemptResult<T> =
  { readonly done: true; readonly value: T } | { readonly done: false; readonly reason: string };

/** How {@link retryUntil} paces and bounds its attempts. */
export interface RetryOptions {
  /** What is being waited for, for the timeout message (e.g. "etcd bootstrap on 192.168.10.11:50000"). */
  readonly what: string;
  /** Total time allowed, from the first attempt. */
  readonly timeoutMs: number;
  /** First pause between attempts; it doubles after each attempt up to `maxDelayMs`. */
  readonly initialDelayMs: number;
  /** Longest pause between attempts. */
  readonly maxDelayMs: number;
  /** The clock. */
  readonly clock: RetryClock;
}

/**
 * Calls `attempt` until it reports done, pausing with capped exponential backoff, and fails once `timeoutMs` has
 * passed with the last reason. An attempt that throws is a permanent failure and ends the loop at once. The last
 * pause is shortened so the loop never sleeps past the deadline.
 */
export async function retryUntil<T>(
  attempt: (remainingMs: number) => Promise<AttemptResult<T>>,
  options: RetryOptions,
): Promise<T> {
  const { clock } = options;
  const deadline = clock.now() + options.timeoutMs;
  let delay = options.initialDelayMs;
  for (let attempts = 1; ; attempts++) {
    const result = await attempt(Math.max(deadline - clock.now(), 0));
    if (result.done) return result.value;
    const remaining = deadline - clock.now();
    if (remaining <= 0) {
      throw new Error(
        `${options.what} did not succeed within ${Math.round(options.timeoutMs / 1000)}s ` +
          `(${attempts} attempts); last error: ${result.reason}`,
      );
    }
    await clock.sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, options.maxDelayMs);
  }
}
