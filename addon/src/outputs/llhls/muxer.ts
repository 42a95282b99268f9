/**
 * One LL-HLS muxer per stream key while it has HTTP clients (MediaMTX's muxer: its lifetime is tied
 * to requests). It holds a `viewer` lease so the key runs, turns the hub's window into playlists and
 * lets requests wait for media that does not exist yet. It copies nothing: parts, segments and inits
 * are the hub's own buffers, addressed by their hub-wide numbers.
 */
import type { StreamKey } from '../../contracts/stream-key.js';
import type { InitRecord, Segment, StreamHub } from '../../hub/index.js';
import type { StreamLeases } from '../../supervisor/ports.js';
import { type HlsPart, type HlsSegment, PartGrouper, partTargetFor, ungroupedView } from './parts.js';
import type { DirectiveSegment } from './delivery-directives.js';
import { MSN_BASE, renderMediaPlaylist, renderMultivariantPlaylist } from './playlist.js';

export interface MuxerOptions {
  /** The muxer closes (and releases its lease) after this long without a request. */
  closeAfterMs: number;
  /** Lease renewals are spaced at least this far apart (requests come every ~200 ms). */
  renewEveryMs: number;
  now: () => number;
}

const HUB_EVENTS = ['fragment', 'segment', 'evict', 'init', 'reset'] as const;

/**
 * Media seconds of the hub window the playlist lists, asked with the muxer's lease (the hub keeps
 * only the newest keyframe on for keys nobody asks history for). Enough for HOLD-BACK (3 ×
 * TARGETDURATION), the spec's "at least 3 target durations after a removal" and delta updates
 * (CAN-SKIP-UNTIL = 6 × TARGETDURATION) at a 1 s GOP.
 */
export const PLAYLIST_HISTORY_S = 10;

export class LlhlsMuxer {
  private leaseId: string | null = null;
  private lastRenew = 0;
  /** Segments of older generations are stale (a previous run of the stream) and never listed. */
  private readonly minGeneration: number;
  /**
   * TARGETDURATION may only grow during a playlist's life (spec: must not change; it only would for a
   * GOP longer than any seen when the muxer started).
   */
  private targetDurationS: number;
  /**
   * PART-TARGET never changes (spec): fixed once the muxer sees a complete fresh segment, from the
   * configured part target and the fragments' duration (whole fragments, parts.ts partTargetFor).
   * Parts are grouped from fragments so that none exceeds it (parts.ts).
   */
  private grouper: PartGrouper | null = null;
  /**
   * Per generation, one (wall clock, media time) pair fixed when the muxer first lists it: every
   * segment's PROGRAM-DATE-TIME is derived from it along media time, so dates always agree with the
   * EXTINF durations. The hub's own per-segment dates follow arrival, and FFmpeg delivers its first
   * GOP in a burst: a first segment dated 0.8 s too early made hls.js re-align the timeline on every
   * reload and re-fetch the same parts forever.
   */
  private readonly pdtAnchors = new Map<number, { wallMs: number; mediaS: number }>();
  private readonly waiters = new Set<() => void>();
  private readonly onHubChange = (): void => {
    for (const w of [...this.waiters]) w();
  };
  private closed = false;
  lastRequestAt: number;

  constructor(
    readonly key: StreamKey,
    readonly hub: StreamHub,
    private readonly sup: StreamLeases,
    private readonly opts: MuxerOptions,
  ) {
    this.minGeneration = hub.live ? 0 : (hub.init?.generation ?? 0) + 1;
    this.targetDurationS = Math.max(1, Math.ceil(hub.options.segmentTargetS));
    this.lastRequestAt = opts.now();
    for (const ev of HUB_EVENTS) hub.on(ev, this.onHubChange);
    hub.once('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Every request: keep (or take again) the viewer lease. */
  touch(): void {
    const now = this.opts.now();
    this.lastRequestAt = now;
    if (this.closed) return;
    const ttlMs = this.opts.closeAfterMs + 15_000;
    // The playlist lists PLAYLIST_HISTORY_S of segments, so the hub must keep that much.
    const acquire = () =>
      this.sup.acquireLease(this.key, {
        kind: 'viewer',
        ttlMs,
        holder: 'll-hls',
        historyS: PLAYLIST_HISTORY_S,
      }).lease.id;
    if (this.leaseId === null) {
      this.leaseId = acquire();
      this.lastRenew = now;
      return;
    }
    if (now - this.lastRenew < this.opts.renewEveryMs) return;
    this.lastRenew = now;
    try {
      this.sup.renewLease(this.leaseId, ttlMs);
    } catch {
      // Swept or dropped by a config reload: take a new one rather than let the stream stop.
      this.leaseId = acquire();
    }
  }

  /**
   * The segments a playlist lists: the hub's window without stale generations, grouped into parts.
   * A just-opened segment whose first part is not complete yet is not listed (a segment with neither
   * parts nor URI is no segment); the preload hint already names its first part.
   */
  segments(): HlsSegment[] {
    return this.views().filter((s) => s.parts.length > 0 || s.closed);
  }

  /** The listed segments numbered as the playlist numbers them (media sequence), for `_HLS_msn`. */
  directiveSegments(): DirectiveSegment[] {
    return this.segments().map((s) => ({ seq: s.seq + MSN_BASE, closed: s.closed, parts: s.parts }));
  }

  private views(): HlsSegment[] {
    const fresh = this.hub.segments().filter((s) => s.generation >= this.minGeneration);
    const grouper = this.partGrouper(fresh);
    return fresh.map((s) => (grouper ? grouper.view(s) : ungroupedView(s)));
  }

  /** PART-TARGET in seconds (fixed from the first complete segment on; before that the configured one). */
  get partTargetS(): number {
    this.views();
    return this.grouper?.partTargetS ?? partTargetFor(this.hub.options.partTargetS, []);
  }

  /**
   * Fixed once a fresh segment is complete: a whole GOP of fragments to learn their duration from
   * (an idle key's first request comes before any media; nothing is listed before that anyway).
   */
  private partGrouper(fresh: readonly Segment[]): PartGrouper | null {
    if (this.grouper) return this.grouper;
    if (!fresh.some((s) => s.closed)) return null;
    const durations = fresh.flatMap((s) => s.fragments.map((f) => f.durationS));
    this.grouper = new PartGrouper(partTargetFor(this.hub.options.partTargetS, durations));
    return this.grouper;
  }

  /** A playlist can be served: at least one complete segment of a fresh generation. */
  ready(): boolean {
    return this.segments().some((s) => s.closed);
  }

  /** Resolves true once `check()` holds, false on timeout, abort or close. Re-checked on every hub change. */
  waitUntil(check: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    if (this.closed || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const waiter = (): void => {
        if (this.closed) done(false);
        else if (check()) done(true);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal?.addEventListener('abort', onAbort);
      this.waiters.add(waiter);
    });
  }

  /** Target duration for blocking waits and hold-backs (seconds, integer). */
  get targetDuration(): number {
    return this.targetDurationS;
  }

  /** `skip`: a delta update (`_HLS_skip=YES`), see playlist.ts. */
  mediaPlaylist(skip = false): string {
    const segments = this.segments();
    for (const s of segments)
      if (s.closed) this.targetDurationS = Math.max(this.targetDurationS, Math.round(s.durationS));
    const gop = this.hub.status().gopS;
    if (gop !== null) this.targetDurationS = Math.max(this.targetDurationS, Math.round(gop));
    for (const s of segments) {
      const newest = s.fragments.at(-1);
      // The newest fragment of a generation: its arrival is the best wall-clock estimate we have.
      const newestOfGen =
        segments
          .filter((x) => x.generation === s.generation)
          .at(-1)
          ?.fragments.at(-1) ?? newest;
      if (!this.pdtAnchors.has(s.generation) && newestOfGen) {
        this.pdtAnchors.set(s.generation, {
          wallMs: newestOfGen.programDateTime,
          mediaS: newestOfGen.decodeTimeS,
        });
      }
    }
    for (const g of this.pdtAnchors.keys())
      if (!segments.some((s) => s.generation === g)) this.pdtAnchors.delete(g);
    return renderMediaPlaylist({
      programDateTime: (s) => {
        const a = this.pdtAnchors.get(s.generation);
        const first = s.fragments[0];
        return a && first ? Math.round(a.wallMs + (first.decodeTimeS - a.mediaS) * 1000) : s.programDateTime;
      },
      segments,
      targetDurationS: this.targetDurationS,
      partTargetS: this.partTargetS,
      partWindowS: 3 * this.targetDurationS,
      nextPartSeq: this.nextPartSeq() ?? 0,
      skip,
    });
  }

  multivariantPlaylist(): string {
    const st = this.hub.status();
    // Peak rather than average: players pick renditions by it; 1.5× covers keyframe bursts.
    const bandwidth = st.bytesPerS ? st.bytesPerS * 8 * 1.5 : 2_000_000;
    return renderMultivariantPlaylist({
      bandwidth,
      codecs: st.codecs,
      width: st.video?.width ?? null,
      height: st.video?.height ?? null,
    });
  }

  /** A listed (complete) part by its name: the hub-wide seq of its first fragment. */
  findPart(seq: number): HlsPart | null {
    for (const s of this.segments()) {
      const first = s.fragments[0];
      if (!first || seq < first.seq || seq > first.seq + s.fragments.length - 1) continue;
      return s.parts.find((p) => p.seq === seq) ?? null;
    }
    return null;
  }

  /**
   * The seq the preload hint names (the first fragment not yet in a complete part), or null if
   * nothing is listed. Parts of later fragments may be asked for up to a few parts ahead.
   */
  nextPartSeq(): number | null {
    return this.views().at(-1)?.nextPartSeq ?? null;
  }

  /** A part name that can never be served: a fragment inside a listed part, or an evicted one. */
  isSettled(seq: number): boolean {
    const next = this.nextPartSeq();
    return this.findPart(seq) !== null || (next !== null && seq < next);
  }

  findSegment(seq: number): HlsSegment | null {
    return this.segments().find((s) => s.seq === seq) ?? null;
  }

  findInit(generation: number): InitRecord | null {
    const current = this.hub.init;
    if (current && current.generation === generation && generation >= this.minGeneration) return current;
    return this.segments().find((s) => s.init.generation === generation)?.init ?? null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ev of HUB_EVENTS) this.hub.off(ev, this.onHubChange);
    this.onHubChange(); // wake every waiter: they answer with what exists
    if (this.leaseId !== null) {
      try {
        this.sup.releaseLease(this.leaseId);
      } catch {
        // already expired or dropped with its camera
      }
      this.leaseId = null;
    }
  }
}
