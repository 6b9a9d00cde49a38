/**
 * Runs `task` over `items` with at most `limit` in flight. Used to fetch many
 * symbols without opening dozens of connections at once; the weight limiter
 * still decides when each request may leave.
 */
export async function runLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
