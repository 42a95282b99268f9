/**
 * A bounded concurrency gate: at most `max` jobs run, at most `queue` more wait their turn, anything
 * beyond is refused at once (503). Used for the short FFmpeg helpers a client can start with one
 * request (snapshot decodes, recording thumbnails): one per distinct id would otherwise let a client
 * run as many FFmpegs as it asks for.
 */
import { LookoutError } from './errors.js';

export class Slots {
  /** Jobs refused because every slot and every queue place was taken (counted in /metrics). */
  refused = 0;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly what: string,
    readonly max: number,
    readonly queue: number,
  ) {}

  /** Runs `job` when a slot is free; throws 503 at once when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.queue) {
        this.refused += 1;
        throw new LookoutError(
          503,
          'busy',
          `too many ${this.what} at once (${this.max} running, ${this.queue} waiting); try again shortly`,
        );
      }
      await new Promise<void>((r) => this.waiting.push(r));
    } else this.running += 1;
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), else free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  get active(): number {
    return this.running;
  }
}

/** Every on-request FFmpeg helper (snapshot decode, thumbnail, event frame) shares these slots. */
export const ffmpegHelpers = new Slots('FFmpeg picture helpers', 4, 16);
