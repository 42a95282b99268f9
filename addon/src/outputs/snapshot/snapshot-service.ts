/**
 * Snapshots from the hub, never from the camera (FIELD-NOTES #8: N tabs polling a camera's snapshot
 * API exhausted its sessions). The latest keyframe already in memory is decoded to JPEG by FFmpeg;
 * the result is cached briefly and concurrent requests for a key share one decode (single-flight).
 * An idle key is started with a short `snapshot` lease, released as soon as the frame is in hand.
 *
 * TODO: a camera's configured `snapshotUrl` as a fallback when its stream cannot start.
 */
import { keyId, type StreamKey } from '../../contracts/stream-key.js';
import type { Fragment, InitRecord } from '../../hub/index.js';
import { LookoutError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { HubSource, StreamLeases, StreamStatuses } from '../../supervisor/ports.js';
import { ffmpegHelpers } from '../../lib/slots.js';
import { decodeJpeg } from './decode-jpeg.js';

/** What snapshots need from the supervisor: a hub to read, a lease while decoding, the key's status. */
export type SnapshotHost = HubSource & StreamLeases & Pick<StreamStatuses, 'status'>;

export interface Snapshot {
  key: string;
  jpeg: Buffer;
  /** Wall clock (ms) when the hub received the keyframe. */
  frameAt: number;
  decodeMs: number;
  /** Which decode (1, 2, …) made this JPEG: requests that share one decode share this number. */
  decodeId: number;
}

export interface SnapshotOptions {
  supervisor: SnapshotHost;
  log: Logger;
  ffmpegPath?: string;
  /** How long a decoded snapshot is served again (default 1 s). */
  cacheMs?: number;
  /** How long to wait for a keyframe from an idle or restarting key (default 10 s). */
  waitMs?: number;
}

const unavailable = (message: string) => new LookoutError(503, 'unavailable', message);

export class SnapshotService {
  /** FFmpeg decodes run so far (tests assert that concurrent requests share one). */
  decodes = 0;
  private readonly cache = new Map<string, Snapshot & { at: number; partSeq: number }>();
  private readonly inflight = new Map<string, Promise<Snapshot>>();
  private readonly cacheMs: number;
  private readonly waitMs: number;
  private closed = false;

  constructor(private readonly opts: SnapshotOptions) {
    this.cacheMs = opts.cacheMs ?? 1000;
    this.waitMs = opts.waitMs ?? 10_000;
  }

  /** A JPEG of the key's latest keyframe; throws 404 (unknown key), 503 (no frame in time). */
  get(key: StreamKey): Promise<Snapshot> {
    const hub = this.opts.supervisor.hub(key); // 404/409 for unknown or disabled keys, before any work
    const id = keyId(key);
    const cached = this.cache.get(id);
    if (cached && Date.now() - cached.at < this.cacheMs) return Promise.resolve(cached);
    const running = this.inflight.get(id);
    if (running) return running;
    const part = hub.live ? latestKeyframe(hub.segments(), hub.init) : null;
    // Long GOP: the newest keyframe is the one already decoded; no second FFmpeg for the same picture.
    if (cached && part && part.seq === cached.partSeq) {
      cached.at = Date.now();
      return Promise.resolve(cached);
    }
    const p = this.take(key, hub.init, part).finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  /** Waits for decodes in flight (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight.values()]);
  }

  private async take(key: StreamKey, init: InitRecord | null, part: Fragment | null): Promise<Snapshot> {
    if (this.closed) throw unavailable('server is shutting down');
    const frame = init && part ? { init, part } : await this.waitForKeyframe(key);
    const t0 = performance.now();
    const decodeId = ++this.decodes;
    // Shared FFmpeg helper slots: distinct keys would otherwise start one FFmpeg each, unbounded.
    const jpeg = await ffmpegHelpers.run(() =>
      decodeJpeg(frame.init.data, frame.part.data, { ffmpegPath: this.opts.ffmpegPath }),
    );
    const snap = {
      key: keyId(key),
      jpeg,
      frameAt: frame.part.arrivedAt,
      decodeMs: Math.round(performance.now() - t0),
      decodeId,
    };
    this.cache.set(snap.key, { ...snap, at: Date.now(), partSeq: frame.part.seq });
    return snap;
  }

  /** Idle or restarting key: a short lease starts it; the first keyframe a reader gets is ours. */
  private async waitForKeyframe(key: StreamKey): Promise<{ init: InitRecord; part: Fragment }> {
    const sup = this.opts.supervisor;
    const { lease } = sup.acquireLease(key, {
      kind: 'snapshot',
      ttlMs: this.waitMs + 5000,
      holder: 'snapshot',
    });
    let init: InitRecord | null = null;
    let timer: NodeJS.Timeout | undefined;
    let reader: ReturnType<ReturnType<HubSource['hub']>['subscribe']> | undefined;
    try {
      return await new Promise<{ init: InitRecord; part: Fragment }>((resolve, reject) => {
        timer = setTimeout(() => {
          const st = sup.status(key);
          reject(
            unavailable(
              `no keyframe from ${keyId(key)} within ${this.waitMs / 1000}s (stream ${st.state}: ${st.reason})`,
            ),
          );
        }, this.waitMs);
        reader = sup.hub(key).subscribe({
          name: 'snapshot',
          start: 'latest-keyframe',
          // Only the first GOP's first fragment matters; a small queue keeps a big GOP from piling up.
          maxQueueBytes: 4 * 1024 * 1024,
          write: (ev) => {
            if (ev.type === 'init') init = ev.init;
            else if (ev.type === 'fragment' && init && ev.fragment.independent)
              resolve({ init, part: ev.fragment });
          },
          onClose: (reason) => reject(unavailable(`snapshot reader closed: ${reason}`)),
        });
      });
    } finally {
      clearTimeout(timer);
      reader?.close();
      try {
        sup.releaseLease(lease.id);
      } catch {
        // Expired or the camera was removed meanwhile.
      }
    }
  }
}

/**
 * The newest keyframe part of the current generation. Not simply a segment's first part: a segment
 * may hold several GOPs (a keyframe opens a new one only once the open one reached segmentTargetS).
 */
function latestKeyframe(
  segments: readonly { generation: number; fragments: readonly Fragment[] }[],
  init: InitRecord | null,
): Fragment | null {
  if (!init) return null;
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i]!;
    if (seg.generation !== init.generation) return null;
    for (let j = seg.fragments.length - 1; j >= 0; j--) {
      const part = seg.fragments[j]!;
      if (part.independent) return part;
    }
  }
  return null;
}
