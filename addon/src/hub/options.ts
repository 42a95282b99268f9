/** Hub tuning, with defaults that match a 200 ms part target and a 1 s camera GOP. */

/**
 * On the FLV path (supervisor/fragmenter/, H.264 with no or AAC audio) every fragment is one frame.
 * Otherwise FFmpeg cuts fragments at part target / this (`-frag_duration`). A fragment ends once it spans that,
 * so it runs up to a frame longer; LL-HLS groups fragments into parts of at most PART-TARGET
 * (outputs/llhls/parts.ts) and MSE forwards each one as soon as it is cut (lower latency). Quarters
 * (50 ms at a 200 ms part) make a fragment one frame up to 20 fps and two at 25-30 fps, so parts of
 * 200 ms are exact at 10, 15, 20 and 30 fps; with longer fragments a late frame (timestamps from
 * arrival, a busy camera) makes a two-frame fragment longer than the part, which cannot be split.
 */
export const FRAGMENTS_PER_PART = 4;

/**
 * Bytes of window a second of history may take (≈ 8 Mbit/s): the byte cap grows by this with the
 * history consumers ask for, and a reader that replays a pre-roll sizes its queue by it.
 */
export const HISTORY_BYTES_PER_S = 1024 * 1024;

export interface HubOptions {
  /**
   * Media seconds of history kept before the segment of the newest keyframe, whatever consumers ask
   * (StreamHub.setHistory adds what they need: LL-HLS its playlist, a motion recorder its pre-roll).
   * 0 would keep only from the newest keyframe on, which is all that live viewers (MSE fast start)
   * and snapshots need; 1 s keeps the GOP before it too, so a first LL-HLS viewer of a key that is
   * already live gets a playlist with a whole segment behind its hold-back at once (with 0 its first
   * frame waited for the open segment to close: 1.1 s warm in bench:live, against 0.25 s). A fixed 10 s
   * held 2.5 MB per 2 Mbit/s key (250 MB at 100 recorded cameras, bench:scale); 1 s holds ~0.25 MB.
   */
  windowS: number;
  /** Hard cap on the window's bytes, whatever the history asks (grows by HISTORY_BYTES_PER_S per second of it). */
  maxWindowBytes: number;
  /** LL-HLS part target; fragments (part target / FRAGMENTS_PER_PART) far off it are reported. */
  partTargetS: number;
  /** A keyframe starts a new segment once the open one is at least this long. */
  segmentTargetS: number;
  /** Keyframe intervals above this are reported: viewers wait up to a GOP for a first picture. */
  maxGopS: number;
  /** Default per-reader queue cap; a reader whose queue would exceed it skips to the next keyframe. */
  readerQueueBytes: number;
  /** Consecutive skips without the reader ever draining its queue before it is dropped. */
  readerMaxSkips: number;
  /** Wall clock, ms since epoch (injectable for tests). */
  now: () => number;
}

export const HUB_DEFAULTS: HubOptions = {
  windowS: 1,
  maxWindowBytes: 32 * 1024 * 1024,
  partTargetS: 0.2,
  segmentTargetS: 1,
  maxGopS: 2,
  readerQueueBytes: 8 * 1024 * 1024,
  readerMaxSkips: 2,
  now: Date.now,
};

/** Merges over the defaults and rejects values that would make the window useless or unbounded. */
export function resolveHubOptions(partial: Partial<HubOptions> = {}): HubOptions {
  const o: HubOptions = { ...HUB_DEFAULTS, ...partial };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new RangeError(`hub option ${what}`);
  };
  check(o.windowS >= 0 && o.windowS <= 600, `windowS must be in [0, 600], got ${o.windowS}`);
  check(o.maxWindowBytes >= 64 * 1024, `maxWindowBytes must be >= 64 KiB, got ${o.maxWindowBytes}`);
  check(o.partTargetS > 0 && o.partTargetS <= 10, `partTargetS must be in (0, 10], got ${o.partTargetS}`);
  check(o.segmentTargetS >= o.partTargetS, `segmentTargetS must be >= partTargetS, got ${o.segmentTargetS}`);
  check(o.maxGopS > 0, `maxGopS must be > 0, got ${o.maxGopS}`);
  check(o.readerQueueBytes >= 16 * 1024, `readerQueueBytes must be >= 16 KiB, got ${o.readerQueueBytes}`);
  check(
    Number.isInteger(o.readerMaxSkips) && o.readerMaxSkips >= 0,
    `readerMaxSkips must be an integer >= 0`,
  );
  return o;
}
