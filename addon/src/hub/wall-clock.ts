/**
 * Maps media decode time to wall clock for EXT-X-PROGRAM-DATE-TIME and pre-roll. Arrival times
 * jitter with pipe buffering, so the mapping follows media time from the lowest-latency offset seen
 * (as NTP trusts its fastest sample): later, delayed arrivals do not move it. It moves forward only
 * when arrivals lag it by more than MAX_LAG_MS (an encoder falling behind real time), and the result
 * never goes backwards, also across restarts.
 */

const MAX_LAG_MS = 2000;

export class WallClock {
  /** wall ms minus media ms for the current process. */
  private offset: number | null = null;
  private last = 0;

  /** A new process: its decode times start over. */
  restart(): void {
    this.offset = null;
  }

  /** Wall clock (ms) of a fragment's first sample, given when its last byte arrived. */
  map(decodeTimeS: number, durationS: number, arrivedAt: number): number {
    // FFmpeg writes a fragment once it is complete, so its first sample is ~durationS older.
    const observed = arrivedAt - durationS * 1000 - decodeTimeS * 1000;
    if (this.offset === null || observed < this.offset || observed > this.offset + MAX_LAG_MS)
      this.offset = observed;
    this.last = Math.max(Math.round(decodeTimeS * 1000 + this.offset), this.last);
    return this.last;
  }
}
