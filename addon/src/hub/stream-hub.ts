/**
 * One StreamHub per running stream key: the single owner of that stream's init segment, fragment
 * window and readers. The supervisor feeds it (setInit at every FFmpeg start, pushFragment per
 * fragment, reset when the process ends); outputs consume it (readers for MSE/recorder/snapshot,
 * window + events for LL-HLS). Feeding never blocks on a consumer. No HTTP, no sockets here.
 */
import { EventEmitter } from 'node:events';
import { parseFragment, parseInitSegment } from '../lib/mp4/index.js';
import { type HubWarning, StreamMeter } from './meter.js';
import { HISTORY_BYTES_PER_S, type HubOptions, resolveHubOptions } from './options.js';
import { HubReader, type ReaderHost, type SubscribeOptions } from './reader.js';
import type { HubStatus, InitRecord, Fragment, Segment } from './types.js';
import { WallClock } from './wall-clock.js';
import { MediaWindow } from './window.js';

export interface HubEvents {
  /** A (re)start: every generation after the first is a discontinuity. */
  init: [init: InitRecord];
  /** A fragment was stored in the window; `segment` is the open segment holding it. */
  fragment: [fragment: Fragment, segment: Segment];
  /** A segment was closed: complete, will not change (LL-HLS: new EXTINF). */
  segment: [segment: Segment];
  /** A segment left the window (LL-HLS: media sequence advances). */
  evict: [segment: Segment];
  /** The producer ended; the hub keeps its window and readers and waits for the next init. */
  reset: [reason: string];
  /** The set of warnings changed (empty list: all clear). */
  warning: [warnings: HubWarning[]];
  readers: [count: number];
  close: [reason: string];
}

const MIB = 1024 * 1024;
/** Between keyframes, warnings are re-evaluated at most this often (ms of wall clock). */
const WARNING_CHECK_MS = 250;

export class StreamHub extends EventEmitter<HubEvents> {
  readonly options: HubOptions;
  private readonly window: MediaWindow;
  private readonly meter: StreamMeter;
  private readonly clock = new WallClock();
  private readonly readerSet = new Set<HubReader>();
  private readonly host: ReaderHost = {
    detach: (reader) => {
      if (this.readerSet.delete(reader)) this.emit('readers', this.readerSet.size);
    },
  };
  private current: InitRecord | null = null;
  private isLive = false;
  /** Fragments before a generation's first keyframe cannot be decoded by anyone: discard them. */
  private awaitingKeyframe = true;
  private nextFragmentSeq = 0;
  private nextReaderId = 1;
  private warningKey = '';
  private lastWarningCheck = 0;
  private lastResetReason: string | null = null;
  private closedReason: string | null = null;
  private readonly counters = { bytesIn: 0, fragmentsIn: 0, fragmentsDiscarded: 0, segmentsClosed: 0 };

  /** `id` is the stream key id (`camera/profile`), used in status and messages. */
  constructor(
    readonly id: string,
    options: Partial<HubOptions> = {},
  ) {
    super();
    this.options = resolveHubOptions(options);
    this.window = new MediaWindow(this.options);
    this.meter = new StreamMeter(this.options);
  }

  /** The current generation's init, or null before the first. Still set after a reset. */
  get init(): InitRecord | null {
    return this.current;
  }

  get live(): boolean {
    return this.isLive;
  }

  get readerCount(): number {
    return this.readerSet.size;
  }

  /** The window, oldest first; the last segment may be open. Read-only: do not mutate. */
  segments(): readonly Segment[] {
    return this.window.segments();
  }

  /** Every FFmpeg (re)start. Throws on a malformed init (the caller restarts the producer). */
  setInit(data: Buffer): InitRecord {
    this.assertOpen();
    const info = parseInitSegment(data);
    const prev = this.current;
    const init: InitRecord = {
      generation: (prev?.generation ?? 0) + 1,
      data,
      info,
      changed: prev !== null && !prev.data.equals(data),
      receivedAt: this.options.now(),
    };
    this.closeOpenSegment();
    this.current = init;
    this.isLive = true;
    this.awaitingKeyframe = true;
    this.meter.restart();
    this.clock.restart();
    this.emit('init', init);
    for (const reader of this.readerSet) reader.pushInit(init);
    this.checkWarnings();
    return init;
  }

  /**
   * One fragment from the splitter. Returns the stored fragment, or null if it was discarded (no live init, or
   * before the generation's first keyframe). Throws on a malformed fragment.
   */
  pushFragment(data: Buffer): Fragment | null {
    this.assertOpen();
    const init = this.current;
    if (!init || !this.isLive) {
      this.counters.fragmentsDiscarded++;
      return null;
    }
    const info = parseFragment(data, init.info);
    this.counters.bytesIn += data.length;
    this.counters.fragmentsIn++;
    if (this.awaitingKeyframe && !info.independent) {
      this.counters.fragmentsDiscarded++;
      return null;
    }
    this.awaitingKeyframe = false;
    this.meter.add(info, init.info.video?.id ?? null);
    const arrivedAt = this.options.now();
    const added = this.window.add(
      {
        seq: this.nextFragmentSeq++,
        generation: init.generation,
        data,
        byteLength: data.length,
        durationS: info.durationS,
        decodeTimeS: info.decodeTimeS,
        independent: info.independent,
        arrivedAt,
        programDateTime: this.clock.map(info.decodeTimeS, info.durationS, arrivedAt),
        info,
      },
      init,
    );
    if (added.closed) this.segmentClosed(added.closed);
    for (const seg of added.evicted) this.emit('evict', seg);
    if (added.stored) this.emit('fragment', added.fragment, this.window.segments().at(-1)!);
    for (const reader of this.readerSet) reader.push(added.fragment);
    // Warnings change on the scale of GOPs, not fragments (~15 a second): re-evaluating them (and
    // formatting their messages) per fragment cost more than the rest of this method.
    if (info.independent || arrivedAt - this.lastWarningCheck >= WARNING_CHECK_MS || added.evicted.length) {
      this.lastWarningCheck = arrivedAt;
      this.checkWarnings();
    }
    return added.fragment;
  }

  /** The producer ended (exit, stall, stop). Readers stay and get the next init. Idempotent. */
  reset(reason: string): void {
    if (this.closedReason !== null) return;
    this.lastResetReason = reason;
    if (!this.isLive) return;
    this.isLive = false;
    this.awaitingKeyframe = true;
    this.closeOpenSegment();
    this.emit('reset', reason);
    for (const reader of this.readerSet) reader.pushReset(reason);
  }

  /**
   * A reader: init first, then (by `start`) the current GOP from memory, and live fragments after.
   * Subscribing to a hub that is not live is fine: the reader waits for the next init.
   */
  subscribe(options: SubscribeOptions): HubReader {
    this.assertOpen();
    const { readerQueueBytes, readerMaxSkips, now } = this.options;
    const reader = new HubReader(this.nextReaderId++, options, readerQueueBytes, readerMaxSkips, this.host);
    this.readerSet.add(reader);
    if (this.isLive && this.current) {
      const start = options.start ?? 'latest-keyframe';
      for (const { fragment, init } of this.window.replay(
        start,
        this.current.generation,
        now(),
        reader.maxQueueBytes,
      )) {
        reader.pushInit(init);
        reader.push(fragment);
      }
      reader.pushInit(this.current);
    }
    this.emit('readers', this.readerSet.size);
    return reader;
  }

  /**
   * Media seconds of history the consumers need now (the largest pre-roll or playlist among them;
   * the supervisor takes the largest its key's leases ask), on top of the base `windowS`; the byte cap grows with it.
   * Shrinking takes effect from the next fragment (older segments are evicted then).
   */
  setHistory(seconds: number): void {
    const windowS = Math.min(600, Math.max(this.options.windowS, seconds));
    if (windowS === this.window.windowS) return;
    this.window.setLimits(windowS, Math.max(this.options.maxWindowBytes, windowS * HISTORY_BYTES_PER_S));
  }

  /** Media seconds of history the window keeps now (base windowS or what setHistory asked). */
  get historyS(): number {
    return this.window.windowS;
  }

  /** Same as reader.close(). */
  unsubscribe(reader: HubReader): void {
    reader.close();
  }

  /** Ends the hub for good: readers are closed, listeners removed. Further feeding throws. */
  close(reason = 'closed'): void {
    if (this.closedReason !== null) return;
    this.closeOpenSegment();
    this.closedReason = reason;
    this.isLive = false;
    for (const reader of this.readerSet) reader.close(`hub closed: ${reason}`);
    this.emit('close', reason);
    this.removeAllListeners();
  }

  status(): HubStatus {
    const info = this.current?.info ?? null;
    const m = this.meter.snapshot();
    const segs = this.window.segments();
    const warnings = this.warnings().map((w) => w.message);
    return {
      id: this.id,
      live: this.isLive,
      generation: this.current?.generation ?? 0,
      codecs: info?.codecs ?? null,
      mimeType: info?.mimeType ?? null,
      video: info?.video
        ? { codec: info.video.codec, width: info.video.width, height: info.video.height }
        : null,
      audio: info?.audio
        ? {
            codec: info.audio.codec,
            sampleRate: info.audio.sampleRate,
            channels: info.audio.channels,
            g711: info.audio.g711,
          }
        : null,
      ...m,
      window: { ...this.window.stats, firstSeq: segs[0]?.seq ?? null, lastSeq: segs.at(-1)?.seq ?? null },
      counters: { ...this.counters },
      readerCount: this.readerSet.size,
      readers: [...this.readerSet].map((r) => r.stats()),
      lastResetReason: this.lastResetReason,
      warnings,
      warning: warnings.length ? warnings.join('; ') : null,
    };
  }

  warnings(): HubWarning[] {
    const out = this.meter.warnings();
    const overflow = this.window.overflowBytes;
    if (overflow !== null) {
      out.push({
        code: 'window-overflow',
        message:
          `one GOP grew to ${(overflow / MIB).toFixed(1)} MiB, over the ${(this.window.maxWindowBytes / MIB).toFixed(1)} MiB ` +
          'window cap: fast start and LL-HLS history are off until GOPs fit',
      });
    }
    const g711 = this.current?.info.audio?.g711;
    if (g711) {
      out.push({
        code: 'g711-audio',
        message: `audio is G.711 (${g711}), which browsers cannot play: transcode it`,
      });
    }
    return out;
  }

  private closeOpenSegment(): void {
    const closed = this.window.closeOpen();
    if (closed) this.segmentClosed(closed);
  }

  private segmentClosed(seg: Segment): void {
    this.counters.segmentsClosed++;
    this.emit('segment', seg);
  }

  /** Emits 'warning' only when the set of warning codes changes, not on every new number. */
  private checkWarnings(): void {
    const list = this.warnings();
    const key = list.map((w) => w.code).join(',');
    if (key === this.warningKey) return;
    this.warningKey = key;
    this.emit('warning', list);
  }

  private assertOpen(): void {
    if (this.closedReason !== null) throw new Error(`hub ${this.id} is closed (${this.closedReason})`);
  }
}
