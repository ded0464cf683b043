/** Test support of the common modules: a {@link RetryClock} whose sleeps return at once and are recorded, so backoff is asserted exactly. */
import { RetryClock } from "./retry";

/** A clock that only moves when something sleeps on it. */
export interface FakeClock extends RetryClock {
  /** Every sleep asked for, in milliseconds, in order. */
  readonly sleeps: number[];
}

/** A fake clock that starts at `startMs` (epoch milliseconds). */
export function fakeClock(startMs: number): FakeClock {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}
