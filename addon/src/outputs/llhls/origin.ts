/**
 * The LL-HLS origin: key → muxer map. A muxer is created by the first request for its key and closed
 * after `closeAfterMs` without requests (which releases its viewer lease, so the stream can idle).
 * One origin serves every listener (HTTP/1.1 for ingress, h2 over TLS), so a key never holds two
 * leases or two views of its hub.
 */
import { keyId, type StreamKey } from '../../contracts/stream-key.js';
import type { HubSource, StreamLeases } from '../../supervisor/ports.js';
import { LlhlsMuxer, type MuxerOptions } from './muxer.js';

/** What the LL-HLS origin needs from the supervisor: hubs and viewer leases. */
export type LlhlsHost = HubSource & StreamLeases;

export interface OriginOptions extends MuxerOptions {
  /** How long the first playlist request of an idle key waits for its first segment. */
  firstSegmentTimeoutMs: number;
}

export const ORIGIN_DEFAULTS: OriginOptions = {
  closeAfterMs: 30_000,
  renewEveryMs: 5_000,
  firstSegmentTimeoutMs: 10_000,
  now: Date.now,
};

export class LlhlsOrigin {
  readonly options: OriginOptions;
  private readonly muxers = new Map<string, LlhlsMuxer>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly sup: LlhlsHost,
    options: Partial<OriginOptions> = {},
  ) {
    this.options = { ...ORIGIN_DEFAULTS, ...options };
  }

  /** The key's muxer, created on first use. Throws the supervisor's 404/409 for unknown or disabled keys. */
  muxer(key: StreamKey): LlhlsMuxer {
    if (this.closed) throw new Error('LL-HLS origin is closed');
    const hub = this.sup.hub(key);
    const id = keyId(key);
    let m = this.muxers.get(id);
    // A config reload can replace the key's hub: the old muxer's view is gone with it.
    if (m && (m.isClosed || m.hub !== hub)) {
      m.close();
      m = undefined;
    }
    if (!m) {
      m = new LlhlsMuxer(key, hub, this.sup, this.options);
      this.muxers.set(id, m);
      this.startSweep();
    }
    m.touch();
    return m;
  }

  get size(): number {
    return this.muxers.size;
  }

  close(): void {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const m of this.muxers.values()) m.close();
    this.muxers.clear();
  }

  private startSweep(): void {
    if (this.sweepTimer) return;
    const every = Math.max(100, Math.min(1000, this.options.closeAfterMs / 4));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    const now = this.options.now();
    for (const [id, m] of this.muxers) {
      if (m.isClosed || now - m.lastRequestAt >= this.options.closeAfterMs) {
        m.close();
        this.muxers.delete(id);
      }
    }
    if (this.muxers.size === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
    }
  }
}
