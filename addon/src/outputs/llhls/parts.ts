/**
 * LL-HLS parts from the hub's fragments. FFmpeg cuts a fragment once it spans its `-frag_duration`,
 * so a fragment can run up to a frame over it: parts that were single fragments grew past the part
 * target, and PART-TARGET (which must never change, RFC 8216bis 4.4.3.7) grew with them. So FFmpeg
 * cuts fragments at a fraction of the part target (MSE forwards each one at once, which is what keeps
 * its latency low) and a part here is a run of consecutive fragments of one segment, never longer
 * than PART-TARGET (a part may hold several moof/mdat pairs: a valid CMAF chunk sequence).
 *
 * Grouping is a pure function of a segment's fragments, so a part never changes once it is listed.
 */
import type { Fragment, InitRecord, Segment } from '../../hub/index.js';

/**
 * PART-TARGET = whole fragments × this. Frame durations jitter (a camera's clock, timestamps taken
 * on arrival): against an exact limit of two 15 fps frames (133.3 ms) every other part would hold
 * one. It must stay under 1 / 0.85: every part but a segment's first and last must last at least 85 %
 * of PART-TARGET (RFC 8216bis 4.4.4.9), and k fragments are k / 1.1 = 91 % of it.
 */
export const PART_TARGET_SLACK = 1.1;

/** Absorbs float error in configured / fragment duration (200 ms / 66.667 ms is 2.99999 fragments). */
const FIT_EPSILON = 0.02;

/**
 * PART-TARGET (s, whole ms) for a stream whose fragments last `fragmentDurationsS`: as many whole
 * typical (median) fragments as fit in the configured part target, at least one, × PART_TARGET_SLACK;
 * never shorter than the longest single fragment (a part cannot split one). Parts are made of whole
 * fragments (one frame each at 15 fps), so a target that is not a multiple of the fragment
 * duration only adds wasted hold-back: 150 ms at 15 fps gives parts of two frames (133 ms), so
 * PART-TARGET 0.147 and PART-HOLD-BACK 0.44 rather than 0.165 / 0.495 (with 133 ms parts under the
 * 85 % floor of a 165 ms target). Without fragments: the configured target × slack.
 */
export function partTargetFor(configuredS: number, fragmentDurationsS: readonly number[]): number {
  const ds = fragmentDurationsS.filter((d) => d > 0).sort((a, b) => a - b);
  const unit = ds[Math.floor(ds.length / 2)];
  const whole =
    unit === undefined ? configuredS : Math.max(1, Math.floor(configuredS / unit + FIT_EPSILON)) * unit;
  const s = Math.max(whole * PART_TARGET_SLACK, ds.at(-1) ?? 0);
  // Whole ms, up (a part must fit); a µs over a whole ms is float error (3 × 66.667 ms × 1.1).
  return Math.ceil(s * 1000 - 1e-3) / 1000;
}

/** Fragment durations come from integer timescales; this only absorbs float sums. */
const EPSILON_S = 1e-6;

/** One LL-HLS part: named by its first fragment's hub-wide seq. */
export interface HlsPart {
  readonly seq: number;
  readonly fragments: readonly Fragment[];
  readonly durationS: number;
  readonly byteLength: number;
  /** Its first fragment starts with a keyframe. */
  readonly independent: boolean;
}

/** A hub segment as the playlist lists it: its complete parts only. */
export interface HlsSegment {
  readonly seq: number;
  readonly generation: number;
  readonly init: InitRecord;
  readonly discontinuity: boolean;
  readonly discontinuitySeq: number;
  readonly programDateTime: number;
  readonly durationS: number;
  readonly byteLength: number;
  readonly closed: boolean;
  /** Complete parts. The open segment's newest fragments may wait here for the part they start. */
  readonly parts: readonly HlsPart[];
  /** Every fragment of the hub segment (the full segment's bytes, PDT anchoring). */
  readonly fragments: readonly Fragment[];
  /** Seq of the first fragment not in a complete part: the part a client should ask for next. */
  readonly nextPartSeq: number;
}

/**
 * Greedy and prefix-stable: a part ends before a fragment that would take it over `partTargetS` or
 * that starts with a keyframe; and it is complete as soon as one more fragment like its last one
 * would not fit (so the newest part is served without waiting for the following fragment), or when
 * its segment is closed. A single fragment longer than the target is a part of its own.
 */
export function groupParts(fragments: readonly Fragment[], closed: boolean, partTargetS: number): HlsPart[] {
  const out: HlsPart[] = [];
  let run: Fragment[] = [];
  let dur = 0;
  const flush = (): void => {
    if (run.length === 0) return;
    out.push({
      seq: run[0]!.seq,
      fragments: run,
      durationS: dur,
      byteLength: run.reduce((n, f) => n + f.byteLength, 0),
      independent: run[0]!.independent,
    });
    run = [];
    dur = 0;
  };
  const limit = partTargetS + EPSILON_S;
  for (const f of fragments) {
    if (run.length > 0 && (f.independent || dur + f.durationS > limit)) flush();
    run.push(f);
    dur += f.durationS;
    if (dur + f.durationS > limit) flush();
  }
  if (closed) flush();
  return out;
}

/** A segment before PART-TARGET is fixed: no parts yet, only whether it is closed (muxer.ready). */
export function ungroupedView(s: Segment): HlsSegment {
  return { ...segmentFields(s), parts: [], nextPartSeq: s.fragments[0]?.seq ?? 0 };
}

function segmentFields(s: Segment): Omit<HlsSegment, 'parts' | 'nextPartSeq'> {
  return {
    seq: s.seq,
    generation: s.generation,
    init: s.init,
    discontinuity: s.discontinuity,
    discontinuitySeq: s.discontinuitySeq,
    programDateTime: s.programDateTime,
    durationS: s.durationS,
    byteLength: s.byteLength,
    closed: s.closed,
    fragments: s.fragments,
  };
}

/** Groups segments' fragments into parts, caching by hub segment (recomputed only when it grew). */
export class PartGrouper {
  private readonly cache = new WeakMap<Segment, { count: number; closed: boolean; view: HlsSegment }>();

  constructor(readonly partTargetS: number) {}

  view(s: Segment): HlsSegment {
    const hit = this.cache.get(s);
    if (hit && hit.count === s.fragments.length && hit.closed === s.closed) return hit.view;
    const parts = groupParts(s.fragments, s.closed, this.partTargetS);
    const lastGrouped = parts.at(-1)?.fragments.at(-1);
    const view: HlsSegment = {
      ...segmentFields(s),
      parts,
      nextPartSeq: lastGrouped ? lastGrouped.seq + 1 : (s.fragments[0]?.seq ?? 0),
    };
    this.cache.set(s, { count: s.fragments.length, closed: s.closed, view });
    return view;
  }
}
