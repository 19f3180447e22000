/**
 * When each of the latest API calls arrived (wall-clock ms), kept in memory only: a rate across several workers is
 * measured where the calls land. Sandbox-only, like the rest of /_admin.
 */
const CAPACITY = 20_000;

export class CallTimeline {
  private readonly times: number[] = [];

  record(at = Date.now()): void {
    this.times.push(at);
    if (this.times.length > CAPACITY) this.times.splice(0, this.times.length - CAPACITY);
  }

  clear(): void {
    this.times.length = 0;
  }

  /** Calls per second over the span, and the most calls in any one-second window. */
  rates(): { calls: number; firstAt?: number; lastAt?: number; meanPerSecond: number; maxInOneSecond: number } {
    const t = this.times;
    if (t.length === 0) return { calls: 0, meanPerSecond: 0, maxInOneSecond: 0 };
    let max = 0;
    for (let start = 0, end = 0; end < t.length; end++) {
      while (t[end]! - t[start]! >= 1000) start++;
      max = Math.max(max, end - start + 1);
    }
    const span = (t[t.length - 1]! - t[0]!) / 1000;
    return {
      calls: t.length,
      firstAt: t[0],
      lastAt: t[t.length - 1],
      meanPerSecond: span > 0 ? t.length / span : t.length,
      maxInOneSecond: max,
    };
  }
}
