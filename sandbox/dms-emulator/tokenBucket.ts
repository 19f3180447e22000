/** AWS's API rate limit: a bucket of tokens refilled continuously; a call with no token left is throttled. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private capacity: number,
    private refillPerSecond: number,
  ) {
    this.tokens = capacity;
  }

  configure(capacity: number, refillPerSecond: number): void {
    if (capacity !== this.capacity || refillPerSecond !== this.refillPerSecond) {
      this.capacity = capacity;
      this.refillPerSecond = refillPerSecond;
      this.tokens = Math.min(this.tokens, capacity);
    }
  }

  refill(): void {
    this.tokens = this.capacity;
    this.last = Date.now();
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.refillPerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
