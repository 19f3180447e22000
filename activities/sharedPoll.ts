/**
 * State of many DMS resources read in shared batches. Every resource asked for is remembered as watched for a
 * while; when one is stale, a single Describe refreshes it together with every other watched resource that is
 * getting stale, so N runbooks waiting on N tasks cost one call per poll interval, not N.
 */
const BATCH_WINDOW_MS = 25;
const WATCH_TTL_MS = 10 * 60_000;

export class SharedPoll<T> {
  private readonly cache = new Map<string, { at: number; value: T | undefined }>();
  private readonly watched = new Map<string, number>();
  private batch?: { keys: Set<string>; promise: Promise<void> };
  /** Keys being fetched now: a caller joins the fetch under way instead of starting another. */
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(private readonly fetch: (keys: string[]) => Promise<Map<string, T>>) {}

  async get(key: string, maxAgeMs: number): Promise<T | undefined> {
    const now = Date.now();
    this.watched.set(key, now);
    const cached = this.cache.get(key);
    if (cached && now - cached.at <= maxAgeMs) return cached.value;
    const underWay = this.inflight.get(key);
    if (underWay) {
      await underWay;
      return this.cache.get(key)?.value;
    }
    if (!this.batch) {
      const keys = new Set<string>();
      const promise = new Promise<void>((resolve) => setTimeout(resolve, BATCH_WINDOW_MS)).then(async () => {
        this.batch = undefined;
        const at = Date.now();
        // Refresh the other watched resources that would be stale within half of this caller's interval.
        for (const [other, lastAsked] of this.watched) {
          if (at - lastAsked > WATCH_TTL_MS) this.watched.delete(other);
          else if (!this.inflight.has(other) && at - (this.cache.get(other)?.at ?? 0) > maxAgeMs / 2) keys.add(other);
        }
        for (const k of keys) this.inflight.set(k, promise);
        try {
          const found = await this.fetch([...keys]);
          for (const k of keys) this.cache.set(k, { at, value: found.get(k) });
        } finally {
          for (const k of keys) if (this.inflight.get(k) === promise) this.inflight.delete(k);
        }
      });
      this.batch = { keys, promise };
    }
    this.batch.keys.add(key);
    await this.batch.promise;
    return this.cache.get(key)?.value;
  }

  invalidate(key: string): void {
    this.cache.delete(key);
  }
}
