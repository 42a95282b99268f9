/**
 * One WebSocket (one page) carrying many MSE streams. Each subscription is a hub reader plus a
 * `viewer` lease, renewed while the socket lives and released on unsubscribe or close, so one page
 * leaving never stops a stream for the others (FIELD-NOTES #7).
 *
 * Backpressure (go2rtc's consumer, MediaMTX's reader): `write` returns a promise that settles when
 * the socket has taken the bytes, so a slow socket lets its reader's bounded queue fill; the hub then
 * skips that reader to the next keyframe (we tell the client `gap`) and eventually drops it (we send
 * an error). The hub and the other sockets never wait. A socket whose send buffer is past
 * MAX_BUFFERED_BYTES (several subscriptions all behind) holds every reader until it drains, so the
 * readers' own bounded queues decide what to skip or drop: skipping here instead would keep a dead
 * socket's readers "healthy" and its leases alive forever.
 */
import type { WebSocket } from 'ws';
import {
  encodeMseFrame,
  MSE_FRAME_FRAGMENT,
  MSE_FRAME_INIT,
  MSE_MAX_STREAM_ID,
  type MseServerMessage,
} from '../../contracts/mse-ws.js';
import { keyId, parseKeyId, type StreamKey } from '../../contracts/stream-key.js';
import type { StreamStateEvent } from '../../contracts/stream-state.js';
import type { HubReader, ReaderEvent } from '../../hub/index.js';
import { LookoutError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { HubSource, StreamLeases, StreamStateEvents, StreamStatuses } from '../../supervisor/ports.js';

/** What an MSE session needs from the supervisor: hubs, viewer leases, status and state changes. */
export type MseHost = HubSource & StreamLeases & Pick<StreamStatuses, 'status'> & StreamStateEvents;

/** Per-subscription reader queue: a few seconds of a main stream; beyond it, skip to a keyframe. */
const READER_QUEUE_BYTES = 3 * 1024 * 1024;
/** Socket-wide send buffer above which fragments wait for it to drain (their readers' queues fill). */
const MAX_BUFFERED_BYTES = 6 * 1024 * 1024;
/** Subscriptions per socket: a page grid, with room; more is a bug or abuse. */
const MAX_SUBSCRIPTIONS = 64;
const MAX_MESSAGE_CHARS = 1024;

interface Subscription {
  id: number;
  key: StreamKey;
  keyId: string;
  reader: HubReader;
  leaseId: string;
  renewTimer: NodeJS.Timeout;
}

export interface MseSessionOptions {
  socket: WebSocket;
  supervisor: MseHost;
  log: Logger;
  /** Who is on the other end (remote address), for lease holders and logs. */
  peer: string;
  /**
   * Unsent bytes past which the socket is closed (a client that stopped reading holds memory and
   * leases); default MAX_SOCKET_BUFFER_BYTES. Above MAX_BUFFERED_BYTES readers already wait.
   */
  maxBufferedBytes?: number;
  /** Called once when the socket is closed for its send buffer (counted in /metrics). */
  onOverflow?: () => void;
}

const MAX_SOCKET_BUFFER_BYTES = 16 * 1024 * 1024;

export class MseSession {
  private readonly subs = new Map<number, Subscription>();
  private readonly socket: WebSocket;
  private readonly sup: MseHost;
  private readonly log: Logger;
  private readonly peer: string;
  private closed = false;
  private readonly maxBuffered: number;
  private readonly onOverflow: () => void;
  /** Bad client messages so far: each gets its answer, only the first a log line. */
  private badMessages = 0;
  private readonly onState = (ev: StreamStateEvent): void => {
    for (const sub of this.subs.values()) {
      if (sub.keyId === ev.key)
        this.sendJson({ type: 'status', id: sub.id, key: sub.keyId, state: ev.to, reason: ev.reason });
    }
  };

  constructor(opts: MseSessionOptions) {
    this.socket = opts.socket;
    this.sup = opts.supervisor;
    this.log = opts.log;
    this.peer = opts.peer;
    this.maxBuffered = opts.maxBufferedBytes ?? MAX_SOCKET_BUFFER_BYTES;
    this.onOverflow = opts.onOverflow ?? (() => undefined);
    this.sup.on('state', this.onState);
    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('close', () => this.close());
    // A socket error is followed by 'close'; logging it is enough.
    this.socket.on('error', (err) =>
      this.log.debug({ err: err.message, peer: this.peer }, 'mse-ws socket error'),
    );
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** Ends every subscription and releases its lease. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sup.off('state', this.onState);
    for (const id of [...this.subs.keys()]) this.end(id);
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1001, 'server closing');
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) return this.reject(null, 'binary messages are not accepted; send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data as Buffer[]).toString('utf8') : String(data);
    if (text.length > MAX_MESSAGE_CHARS)
      return this.reject(null, `message over ${MAX_MESSAGE_CHARS} characters`);
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.reject(null, 'malformed JSON');
    }
    if (typeof msg !== 'object' || msg === null) return this.reject(null, 'expected a JSON object');
    const m = msg as Record<string, unknown>;
    const id = m.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MSE_MAX_STREAM_ID) {
      return this.reject(null, `"id" must be an integer 0..${MSE_MAX_STREAM_ID}`);
    }
    if (m.type === 'subscribe') {
      if (typeof m.key !== 'string') return this.reject(id, '"key" must be a string camera/profile');
      return this.subscribe(id, m.key);
    }
    if (m.type === 'time') {
      if (typeof m.t !== 'number' || !Number.isFinite(m.t))
        return this.reject(id, '"t" must be a number (ms)');
      return this.sendJson({ type: 'time', id, t: m.t, now: Date.now() });
    }
    if (m.type === 'unsubscribe') {
      if (!this.subs.has(id)) return this.reject(id, `no subscription with id ${id}`);
      return this.end(id);
    }
    return this.reject(
      id,
      `unknown message type ${JSON.stringify(m.type)}; expected subscribe, unsubscribe or time`,
    );
  }

  private subscribe(id: number, rawKey: string): void {
    if (this.subs.has(id)) return this.reject(id, `id ${id} is already subscribed; unsubscribe first`);
    if (this.subs.size >= MAX_SUBSCRIPTIONS)
      return this.reject(id, `at most ${MAX_SUBSCRIPTIONS} subscriptions per socket`);
    let key: StreamKey;
    try {
      key = parseKeyId(rawKey);
    } catch (err) {
      return this.reject(id, (err as Error).message);
    }
    let leaseId: string;
    let ttl = 30_000;
    let reader: HubReader;
    try {
      // Lease first: a key that is idle, stalled or backing off starts (or restarts) now.
      const { lease } = this.sup.acquireLease(key, { kind: 'viewer', holder: `mse-ws ${this.peer} #${id}` });
      leaseId = lease.id;
      ttl = lease.ttlMs;
      try {
        reader = this.sup.hub(key).subscribe({
          name: `mse-ws ${this.peer} #${id}`,
          start: 'latest-keyframe',
          maxQueueBytes: READER_QUEUE_BYTES,
          write: (ev) => this.write(id, ev),
          onClose: (reason) => this.readerClosed(id, reason),
        });
      } catch (err) {
        this.sup.releaseLease(leaseId);
        throw err;
      }
    } catch (err) {
      if (err instanceof LookoutError) return this.reject(id, err.message);
      throw err;
    }
    const sub: Subscription = {
      id,
      key,
      keyId: keyId(key),
      reader,
      leaseId,
      renewTimer: setInterval(() => this.renew(sub), Math.max(500, ttl / 3)),
    };
    this.subs.set(id, sub);
    const st = this.sup.status(key);
    this.sendJson({ type: 'status', id, key: sub.keyId, state: st.state, reason: st.reason });
  }

  private renew(sub: Subscription): void {
    try {
      this.sup.renewLease(sub.leaseId);
    } catch {
      // Expired (event loop blocked past the TTL): take a new one rather than let the key stop.
      try {
        sub.leaseId = this.sup.acquireLease(sub.key, {
          kind: 'viewer',
          holder: `mse-ws ${this.peer} #${sub.id}`,
        }).lease.id;
      } catch (err) {
        this.sendJson({ type: 'error', id: sub.id, message: `lease lost: ${(err as Error).message}` });
        this.end(sub.id);
      }
    }
  }

  /** Unsubscribe: reader closed, lease released (the key stops only if nobody else holds one). */
  private end(id: number): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.subs.delete(id);
    clearInterval(sub.renewTimer);
    sub.reader.close();
    try {
      this.sup.releaseLease(sub.leaseId);
    } catch {
      // Already expired or the camera was removed: nothing left to release.
    }
  }

  private readerClosed(id: number, reason: string): void {
    const sub = this.subs.get(id);
    if (!sub || reason === 'unsubscribed') return;
    // Dropped as too slow, or the key went away (camera removed): tell the client, free the lease.
    this.log.info({ peer: this.peer, key: sub.keyId, id, reason }, 'mse-ws subscription ended');
    this.sendJson({ type: 'error', id, message: `subscription ended: ${reason}` });
    this.end(id);
  }

  private write(id: number, ev: ReaderEvent): Promise<void> | void {
    const sub = this.subs.get(id);
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    const key = sub?.keyId ?? '';
    switch (ev.type) {
      case 'init': {
        const info = ev.init.info;
        this.sendJson({
          type: 'init',
          id,
          key,
          codecs: info.codecs,
          mimeType: info.mimeType,
          discontinuity: ev.discontinuity,
          changed: ev.init.changed,
          width: info.video?.width ?? null,
          height: info.video?.height ?? null,
        });
        return this.sendBinary(
          encodeMseFrame(MSE_FRAME_INIT, id, ev.init.data, { receivedAt: ev.init.receivedAt }),
        );
      }
      case 'fragment': {
        const frame = encodeMseFrame(MSE_FRAME_FRAGMENT, id, ev.fragment.data, {
          keyframe: ev.fragment.independent,
          receivedAt: ev.fragment.arrivedAt,
        });
        if (this.socket.bufferedAmount <= MAX_BUFFERED_BYTES) return this.sendBinary(frame);
        return this.drained().then(() => this.sendBinary(frame));
      }
      case 'gap':
        return this.sendJson({
          type: 'status',
          id,
          key,
          state: 'gap',
          reason: `fell behind: skipped ${ev.droppedFragments} fragments to the next keyframe`,
        });
      case 'reset':
        return this.sendJson({ type: 'status', id, key, state: 'reset', reason: ev.reason });
    }
  }

  private sendBinary(frame: Uint8Array): Promise<void> {
    if (this.overflowed()) return Promise.resolve();
    return new Promise((resolve) => {
      // Resolve on error too: the socket's 'close' ends the session; the reader must not hang.
      this.socket.send(frame, { binary: true }, () => resolve());
    });
  }

  /** Resolves once the socket's send buffer is back under its cap, or the socket is gone. */
  private async drained(): Promise<void> {
    while (
      !this.closed &&
      this.socket.readyState === this.socket.OPEN &&
      this.socket.bufferedAmount > MAX_BUFFERED_BYTES
    ) {
      if (this.overflowed()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Past the hard bound: the socket is terminated (its leases go with it). True when it was. */
  private overflowed(): boolean {
    if (this.closed || this.socket.bufferedAmount <= this.maxBuffered) return false;
    this.log.warn(
      { peer: this.peer, bufferedBytes: this.socket.bufferedAmount, limit: this.maxBuffered },
      'mse-ws: client stopped reading; socket closed',
    );
    this.onOverflow();
    this.close();
    // close() sends a close frame, which would queue behind the same buffer: cut the connection.
    this.socket.terminate();
    return true;
  }

  private sendJson(msg: MseServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN || this.overflowed()) return;
    this.socket.send(JSON.stringify(msg));
  }

  private reject(id: number | null, message: string): void {
    // Every bad message gets its answer; the log gets the first of each socket (a client looping
    // on a bad message must not flood it).
    if (this.badMessages++ === 0)
      this.log.warn(
        { peer: this.peer, id, message },
        'mse-ws: bad client message (further ones on this socket are not logged)',
      );
    this.sendJson({ type: 'error', id, message });
  }
}
