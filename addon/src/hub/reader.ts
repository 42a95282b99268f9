/**
 * One consumer of a hub (an MSE socket, a recorder, a snapshot grab). The hub pushes into the reader
 * synchronously and never waits; the reader hands events to its `write` one at a time, awaiting a
 * returned promise (that is the backpressure), from a microtask so consumer code never runs inside
 * the producer's call. The queue is bounded in bytes: on overflow the reader drops its queued
 * fragments and resumes at the next keyframe (go2rtc/MediaMTX: a slow reader must never stall the
 * stream or its peers); overflowing again without ever draining in between closes it.
 */
import type { InitRecord, Fragment, ReaderEvent, ReaderStats } from './types.js';
import type { StartAt } from './window.js';

export interface SubscribeOptions {
  /** Receives the events in order; return a promise to hold the next one back until it settles. */
  write: (event: ReaderEvent) => void | Promise<void>;
  /** Default 'latest-keyframe': the current GOP from memory, so a picture shows at once. */
  start?: StartAt;
  /** Label for status and logs, e.g. `mse 10.0.0.7`. */
  name?: string;
  /** Queue cap in bytes (default: the hub's readerQueueBytes). Size it above any pre-roll you ask for. */
  maxQueueBytes?: number;
  /** Called once, from a microtask, when the reader closes for any reason. */
  onClose?: (reason: string) => void;
}

export interface ReaderHost {
  detach(reader: HubReader): void;
}

export class HubReader {
  readonly name: string;
  readonly maxQueueBytes: number;
  /** Resolves with the close reason: 'unsubscribed', 'dropped: …', 'write failed: …', 'hub closed: …'. */
  readonly closed: Promise<string>;
  private resolveClosed!: (reason: string) => void;
  private readonly write: SubscribeOptions['write'];
  private readonly onClose: SubscribeOptions['onClose'];

  private queue: ReaderEvent[] = [];
  private queuedBytes = 0;
  private writing = false;
  private scheduled = false;
  /** Generation of the last init queued; fragments of any other generation are not decodable here. */
  private generation = 0;
  /** Highest fragment seq queued: a fragment is never queued twice (e.g. replayed, then pushed live). */
  private lastSeq = -1;
  private needKeyframe = true;
  /** Fragments dropped since the last overflow, reported as one gap before the next keyframe. */
  private gap: { fragments: number; bytes: number } | null = null;
  private skipsSinceDrain = 0;
  private closedReason: string | null = null;
  private readonly counts = {
    deliveredFragments: 0,
    deliveredBytes: 0,
    droppedFragments: 0,
    droppedBytes: 0,
    skips: 0,
  };

  constructor(
    readonly id: number,
    options: SubscribeOptions,
    defaultQueueBytes: number,
    private readonly maxSkips: number,
    private readonly host: ReaderHost,
  ) {
    this.name = options.name ?? `reader-${id}`;
    this.maxQueueBytes = options.maxQueueBytes ?? defaultQueueBytes;
    this.write = options.write;
    this.onClose = options.onClose;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  /** Unsubscribe: drops the queue and detaches from the hub. Idempotent. */
  close(reason = 'unsubscribed'): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.queue = [];
    this.queuedBytes = 0;
    this.host.detach(this);
    this.resolveClosed(reason);
    const onClose = this.onClose;
    if (onClose) queueMicrotask(() => onClose(reason));
  }

  stats(): ReaderStats {
    return {
      id: this.id,
      name: this.name,
      queuedBytes: this.queuedBytes,
      queuedEvents: this.queue.length,
      ...this.counts,
      waitingForKeyframe: this.needKeyframe,
      closedReason: this.closedReason,
    };
  }

  // ---- called by the hub ----

  pushInit(init: InitRecord): void {
    if (this.closedReason !== null || init.generation === this.generation) return;
    this.enqueue({ type: 'init', init, discontinuity: this.generation !== 0 });
    this.generation = init.generation;
    this.needKeyframe = true;
  }

  pushReset(reason: string): void {
    if (this.closedReason !== null) return;
    this.enqueue({ type: 'reset', reason });
    this.needKeyframe = true;
  }

  push(fragment: Fragment): void {
    if (this.closedReason !== null || fragment.generation !== this.generation || fragment.seq <= this.lastSeq)
      return;
    if (this.needKeyframe) {
      if (!fragment.independent) {
        if (this.gap) this.countDrop(fragment.byteLength, 1);
        return;
      }
      this.needKeyframe = false;
    }
    if (this.queuedBytes > 0 && this.queuedBytes + fragment.byteLength > this.maxQueueBytes) {
      this.overflow(fragment);
      return;
    }
    if (this.gap) {
      this.enqueue({ type: 'gap', droppedFragments: this.gap.fragments, droppedBytes: this.gap.bytes });
      this.gap = null;
    }
    this.lastSeq = fragment.seq;
    this.queuedBytes += fragment.byteLength;
    this.enqueue({ type: 'fragment', fragment });
  }

  private overflow(fragment: Fragment): void {
    this.counts.skips++;
    if (++this.skipsSinceDrain > this.maxSkips) {
      this.close(
        `dropped: too slow, queue over ${this.maxQueueBytes} bytes ${this.skipsSinceDrain} times without draining`,
      );
      return;
    }
    // Keep init/reset events: the reader still needs them to decode what follows. A queued gap
    // merges into the one this skip reports.
    const gap = (this.gap ??= { fragments: 0, bytes: 0 });
    const kept: ReaderEvent[] = [];
    for (const ev of this.queue) {
      if (ev.type === 'fragment') this.countDrop(ev.fragment.byteLength, 1);
      else if (ev.type === 'gap') {
        gap.fragments += ev.droppedFragments;
        gap.bytes += ev.droppedBytes;
      } else kept.push(ev);
    }
    this.queue = kept;
    this.queuedBytes = 0;
    this.needKeyframe = true;
    if (fragment.independent) this.push(fragment);
    else this.countDrop(fragment.byteLength, 1);
  }

  private countDrop(bytes: number, fragments: number): void {
    this.counts.droppedFragments += fragments;
    this.counts.droppedBytes += bytes;
    if (this.gap) {
      this.gap.fragments += fragments;
      this.gap.bytes += bytes;
    }
  }

  private enqueue(ev: ReaderEvent): void {
    this.queue.push(ev);
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /**
   * Delivers queued events until the queue is empty or `write` returns a promise; the rest follows
   * once it settles. Synchronous while writes are (most readers), so a fragment costs no promise.
   */
  private pump(): void {
    if (this.writing) return;
    this.writing = true;
    let waiting = false;
    try {
      while (this.closedReason === null && this.queue.length > 0) {
        const ev = this.queue.shift()!;
        if (ev.type === 'fragment') {
          this.queuedBytes -= ev.fragment.byteLength;
          this.counts.deliveredFragments++;
          this.counts.deliveredBytes += ev.fragment.byteLength;
        }
        const pending: unknown = this.write(ev);
        if (pending instanceof Promise) {
          waiting = true;
          pending.then(
            () => {
              this.writing = false;
              this.pump();
            },
            (err: unknown) => {
              this.writing = false;
              this.writeFailed(err);
            },
          );
          return;
        }
      }
      if (this.closedReason === null) this.skipsSinceDrain = 0;
    } catch (err) {
      this.writeFailed(err);
    } finally {
      if (!waiting) this.writing = false;
    }
  }

  private writeFailed(err: unknown): void {
    this.close(`write failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
