/**
 * Keeps an audio sender at real time. A camera's speaker plays what it gets at its own pace: audio
 * sent faster than real time piles up in its buffer (latency that never goes away) or is thrown away
 * (the start of a sentence lost, Dahua). The talk session's 20 ms clock already paces its frames;
 * this guard is the sink's own line of defence against a burst (a stalled event loop catching up, a
 * caller that does not pace): frames that would put the sender more than `maxLeadMs` ahead of the
 * wall clock are refused, and after a pause (nothing to say) the media clock restarts at "now"
 * instead of counting the pause as credit.
 *
 * Pure: the caller passes the time, so tests need no timers.
 */
export class RealtimeGuard {
  private anchorMs: number | null = null;
  private mediaMs = 0;
  /** Frames refused since creation. */
  dropped = 0;

  constructor(private readonly maxLeadMs = 200) {}

  /** True: send this frame of `durationMs` now; false: drop it (the sender is too far ahead). */
  admit(durationMs: number, nowMs: number): boolean {
    if (this.anchorMs === null) this.anchorMs = nowMs;
    const elapsed = nowMs - this.anchorMs;
    // Behind the wall clock (a pause): start counting again from now.
    if (this.mediaMs < elapsed) this.mediaMs = elapsed;
    if (this.mediaMs + durationMs - elapsed > this.maxLeadMs) {
      this.dropped++;
      return false;
    }
    this.mediaMs += durationMs;
    return true;
  }
}
