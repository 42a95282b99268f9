/** Doubling backoff with a cap and ±20 % jitter (many cameras must not retry in lock-step). */
export class Backoff {
  private current: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    this.current = initialMs;
  }

  next(): number {
    const base = this.current;
    this.current = Math.min(this.maxMs, this.current * 2);
    return Math.round(Math.min(this.maxMs, base * (0.8 + Math.random() * 0.4)));
  }

  reset(): void {
    this.current = this.initialMs;
  }
}
