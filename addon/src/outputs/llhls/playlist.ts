/**
 * LL-HLS playlist text (RFC 8216bis, Apple LL-HLS) from the hub's segments. Pure: no I/O, no clock,
 * so the rules can be tested on hand-made segments. Every URI is relative (HA ingress serves us
 * under a prefix we never learn).
 */
/** What a part line needs (an HlsPart, or a hub part in tests). */
export interface ListedPart {
  readonly seq: number;
  readonly durationS: number;
  readonly independent: boolean;
}

/** What a segment's lines need (an HlsSegment, or a hub segment in tests). */
export interface ListedSegment {
  readonly seq: number;
  readonly init: { readonly generation: number };
  readonly discontinuity: boolean;
  readonly discontinuitySeq: number;
  readonly programDateTime: number;
  readonly durationS: number;
  readonly closed: boolean;
  readonly parts: readonly ListedPart[];
}

/** Media playlist names, relative to the playlist's own URL. */
export const uri = {
  init: (generation: number): string => `init-${generation}.mp4`,
  segment: (seq: number): string => `seg-${seq}.mp4`,
  /**
   * Parts are named by the hub-wide part counter, not (segment, index): the next part's name must be
   * known before it exists (preload hint), and whether it opens a new segment is decided only when
   * it arrives (keyframe or not).
   */
  part: (seq: number): string => `part-${seq}.mp4`,
};

export const VERSION = 9;

/**
 * Media sequence number = hub segment seq + this, so no listed segment is ever number 0: hls.js 1.7.4
 * (src/controller/fragment-tracker.ts, detectEvictedFragments) guards the fragment being appended with
 * `appendedPart?.fragment.sn || -1`, and sn 0 is falsy. While segment 0's parts were appended it took
 * segment 0 for evicted, dropped all its parts from its tracker, fetched them again from part 0 and
 * re-appended the keyframe part, which made Chromium's MSE drop the frames after it (they depend on
 * it): a loop until the playhead reached the segment's end, then a stall there, and +1 s of target
 * latency (liveSyncOnStallIncrease) for the rest of the session. A fresh key's first segment is 0.
 * Segment and part URIs keep the hub's numbers; only MEDIA-SEQUENCE and `_HLS_msn` carry this.
 */
export const MSN_BASE = 1;

export interface MediaPlaylistInput<S extends ListedSegment = ListedSegment> {
  /** Oldest first; the last may be open. Only those to be listed (caller filters stale generations). */
  segments: readonly S[];
  targetDurationS: number;
  partTargetS: number;
  /** Parts are listed for segments ending within this many seconds of the live edge. */
  partWindowS: number;
  /** Hub-wide seq of the part a client should fetch next (EXT-X-PRELOAD-HINT). */
  nextPartSeq: number;
  /**
   * Delta update (`_HLS_skip=YES`): leading segments ending at least CAN-SKIP-UNTIL before the end
   * are replaced by one EXT-X-SKIP. Every playlist advertises CAN-SKIP-UNTIL.
   */
  skip?: boolean;
  /** Wall clock (ms) per segment for EXT-X-PROGRAM-DATE-TIME; default the hub's own. */
  programDateTime?: (segment: S) => number;
}

/**
 * PART-HOLD-BACK = this × PART-TARGET: the spec's recommendation (RFC 8216bis 4.4.3.8: at least 2,
 * SHOULD be at least 3). hls.js in low-latency mode (and Safari) aims its live latency at
 * PART-HOLD-BACK, so glass-to-glass in a stock player is about PART-HOLD-BACK + the camera-to-part
 * delay + the player's start-up, which it never takes back (0.44 s + ~0.15 s + 0.1-0.25 s for the
 * default 0.147 s parts at 15 fps; bench:live's LL-HLS rows). The preload hint and blocking reload hand a player each
 * part the moment it is complete, so its buffer runs from PART-HOLD-BACK down to PART-HOLD-BACK − one
 * part before the next arrives: two parts of slack for a starved machine. (This was 5 ×, 1.1 s, while
 * the 9-tile grid test judged stalls by timing; stock players then sat at 1.2-1.3 s.)
 */
export const PART_HOLD_BACK_PARTS = 3;

/** Hold-backs: PART-HOLD-BACK from the part target, HOLD-BACK = 3 × TARGETDURATION (spec minimum). */
export function holdBacks(
  targetDurationS: number,
  partTargetS: number,
): { partHoldBack: number; holdBack: number } {
  return {
    partHoldBack: round3(PART_HOLD_BACK_PARTS * partTargetS),
    holdBack: round3(3 * targetDurationS),
  };
}

/** CAN-SKIP-UNTIL from the target duration: the spec's minimum, 6 × TARGETDURATION. */
export function canSkipUntil(targetDurationS: number): number {
  return 6 * targetDurationS;
}

/** How many leading segments a delta update replaces: those ending ≥ CAN-SKIP-UNTIL before the end. */
export function skippableSegments(segments: readonly ListedSegment[], targetDurationS: number): number {
  const boundary = canSkipUntil(targetDurationS);
  let fromEnd = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (fromEnd >= boundary) return segments[i]!.closed ? i + 1 : 0;
    fromEnd += segments[i]!.durationS;
  }
  return 0;
}

export function renderMediaPlaylist<S extends ListedSegment>(input: MediaPlaylistInput<S>): string {
  const { segments, targetDurationS, partTargetS } = input;
  const { partHoldBack, holdBack } = holdBacks(targetDurationS, partTargetS);
  const first = segments[0];
  const control = [
    'CAN-BLOCK-RELOAD=YES',
    `CAN-SKIP-UNTIL=${canSkipUntil(targetDurationS)}`,
    `PART-HOLD-BACK=${partHoldBack}`,
    `HOLD-BACK=${holdBack}`,
  ];
  const lines = [
    '#EXTM3U',
    `#EXT-X-VERSION:${VERSION}`,
    `#EXT-X-TARGETDURATION:${targetDurationS}`,
    `#EXT-X-SERVER-CONTROL:${control.join(',')}`,
    `#EXT-X-PART-INF:PART-TARGET=${round3(partTargetS)}`,
    `#EXT-X-MEDIA-SEQUENCE:${(first?.seq ?? 0) + MSN_BASE}`,
    // The first listed segment's own tag is not repeated (nothing precedes it), so its number is the base.
    `#EXT-X-DISCONTINUITY-SEQUENCE:${first?.discontinuitySeq ?? 0}`,
  ];
  const partsFrom = partWindowStart(segments, input.partWindowS);
  // The skipped segments' MAP and dates are repeated on the first one listed (it gets its own MAP
  // below, as the first of its generation here), so a client needs nothing from its last playlist.
  const skipped = input.skip ? Math.min(skippableSegments(segments, targetDurationS), partsFrom) : 0;
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
  let mapGeneration: number | null = null;
  segments.forEach((seg, i) => {
    if (i < skipped) return;
    if (i > 0 && seg.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (seg.init.generation !== mapGeneration) {
      lines.push(`#EXT-X-MAP:URI="${uri.init(seg.init.generation)}"`);
      mapGeneration = seg.init.generation;
    }
    const pdt = input.programDateTime?.(seg) ?? seg.programDateTime;
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(pdt).toISOString()}`);
    if (i >= partsFrom) for (const p of seg.parts) lines.push(partLine(p));
    if (seg.closed) lines.push(`#EXTINF:${floor5(seg.durationS)},`, uri.segment(seg.seq));
  });
  lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${uri.part(input.nextPartSeq)}"`);
  return lines.join('\n') + '\n';
}

export interface MultivariantInput {
  bandwidth: number;
  codecs: string | null;
  width: number | null;
  height: number | null;
}

export function renderMultivariantPlaylist(v: MultivariantInput): string {
  const attrs = [`BANDWIDTH=${Math.max(1, Math.round(v.bandwidth))}`];
  if (v.codecs) attrs.push(`CODECS="${v.codecs}"`);
  if (v.width && v.height) attrs.push(`RESOLUTION=${v.width}x${v.height}`);
  return [
    '#EXTM3U',
    `#EXT-X-VERSION:${VERSION}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-STREAM-INF:${attrs.join(',')}`,
    'stream.m3u8',
    '',
  ].join('\n');
}

function partLine(p: ListedPart): string {
  return `#EXT-X-PART:DURATION=${floor5(p.durationS)},URI="${uri.part(p.seq)}"${p.independent ? ',INDEPENDENT=YES' : ''}`;
}

/** Index of the first segment whose parts are listed: those within partWindowS of the end. */
function partWindowStart(segments: readonly ListedSegment[], partWindowS: number): number {
  let covered = 0;
  for (let i = segments.length - 1; i >= 0; i--) {
    covered += segments[i]!.durationS;
    if (covered >= partWindowS) return i;
  }
  return 0;
}

/**
 * Durations are written rounded down: a segment listed a few µs longer than its media (0.93327 for
 * 0.9332667) looks not fully buffered to hls.js, which then re-loaded the same segment's parts in a
 * loop at start-up, until the next segment's first part was listed (the start-up loop).
 */
function floor5(x: number): string {
  return (Math.floor(x * 1e5 + 1e-6) / 1e5).toFixed(5);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
