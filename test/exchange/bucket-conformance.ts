/**
 * Token-bucket conformance check for tests: any run of requests i..j (sorted by
 * time) must fit in capacity + rate·(t_j − t_i). This is the definition of a
 * token bucket, independent of how the limiter is implemented.
 */
export function assertWithinBucket(times: number[], capacity: number, perSecond: number): void {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const count = j - i + 1;
      const allowed = capacity + (perSecond * (sorted[j]! - sorted[i]!)) / 1000;
      if (count > allowed + 1e-9) throw new Error(`${count} requests between t=${sorted[i]} and t=${sorted[j]}, bucket allows ${allowed}`);
    }
  }
}

/** A clock that only moves when someone sleeps (or a test moves it). */
export function virtualClock(start = 1_700_000_000_000): { t: number; now: () => number; sleep: (ms: number) => Promise<void> } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}
