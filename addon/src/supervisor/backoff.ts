/**
 * Restart backoff ladder with jitter (FIELD-NOTES #3: restart storms).
 * Steps come from config (default 1→2→5→10→30→60 s); the last step is the cap. Jitter (±20%)
 * keeps many cameras that failed together (Wi-Fi drop) from restarting in lock-step.
 */
export class Backoff {
  private step = 0;

  constructor(
    private readonly stepsMs: readonly number[],
    private readonly jitter = 0.2,
    private readonly random: () => number = Math.random,
  ) {
    if (stepsMs.length === 0) throw new Error('backoff needs at least one step');
  }

  /** Index of the step the next delay() will use (0-based); exposed in status. */
  get attempt(): number {
    return this.step;
  }

  /** Delay for the next attempt; advances the ladder (capped at the last step). */
  next(): number {
    const base = this.stepsMs[Math.min(this.step, this.stepsMs.length - 1)]!;
    this.step += 1;
    const factor = 1 + (this.random() * 2 - 1) * this.jitter;
    return Math.max(0, Math.round(base * factor));
  }

  /** The slowest step: used for causes that need a human (bad password), so logs stay quiet. */
  capMs(): number {
    return this.stepsMs[this.stepsMs.length - 1]!;
  }

  reset(): void {
    this.step = 0;
  }
}
