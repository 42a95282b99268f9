/**
 * A minimal RTSP/1.0 client connection over TCP (RFC 2326) for the backchannel: one request at a
 * time, Basic or Digest authentication (answered once per 401, passwords only ever inside the hash),
 * and RTP/RTCP interleaved frames (`$`, channel, 16-bit length) written out and, in the other
 * direction, read and dropped: whatever the camera sends must be drained or TCP backs up.
 *
 * Hand-written (see ../README.md): no npm RTSP client speaks the ONVIF backchannel.
 */
import { Socket, connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { authorization, parseChallenge } from '../../lib/http-digest.js';

export interface RtspResponse {
  status: number;
  reason: string;
  headers: Map<string, string>;
  body: string;
}

export class RtspError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'RtspError';
  }
}

/** Bounds on what a camera may send: a reply head, a body, one interleaved frame. */
const MAX_HEAD = 16 * 1024;
const MAX_BODY = 256 * 1024;
/** Above this much unsent data the socket is congested: new RTP is dropped, not queued. */
const MAX_UNSENT = 32 * 1024;

export interface RtspCredentials {
  username: string;
  password: string;
}

export class RtspConnection {
  private buf: Buffer = Buffer.alloc(0);
  private cseq = 0;
  private pending: { resolve: (r: RtspResponse) => void; reject: (e: Error) => void } | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private authHeader: ((method: string, uri: string) => string) | null = null;
  private closedErr: Error | null = null;
  private nc = 0;
  /** Bytes of interleaved data the camera sent (drained). */
  received = 0;
  dropped = 0;
  onClose: ((err: Error | null) => void) | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly creds: RtspCredentials | null,
    private readonly userAgent: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('error', (e) => this.fail(new RtspError(`connection error: ${e.message}`)));
    socket.on('close', () => this.fail(null));
  }

  static connect(
    host: string,
    port: number,
    creds: RtspCredentials | null,
    opts: { timeoutMs: number; userAgent: string; signal?: AbortSignal },
  ): Promise<RtspConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RtspError(`no TCP connection to ${host}:${port} within ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      const onAbort = () => {
        socket.destroy();
        reject(new RtspError('aborted'));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (e) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        reject(new RtspError(`cannot connect to ${host}:${port}: ${e.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        resolve(new RtspConnection(socket, creds, opts.userAgent));
      });
    });
  }

  get closed(): boolean {
    return this.closedErr !== null || this.socket.destroyed;
  }

  /** Sends a request (serialised behind earlier ones); answers a 401 challenge once. */
  request(
    method: string,
    url: string,
    headers: Record<string, string> = {},
    timeoutMs = 5000,
  ): Promise<RtspResponse> {
    const run = async (): Promise<RtspResponse> => {
      let res = await this.send(method, url, headers, timeoutMs);
      if (res.status === 401 && this.creds) {
        const challenges = [...res.headers.entries()]
          .filter(([k]) => k === 'www-authenticate')
          .flatMap(([, v]) => v.split('\n'));
        this.authHeader = this.makeAuth(challenges);
        if (!this.authHeader) return res;
        res = await this.send(method, url, headers, timeoutMs);
      }
      return res;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** One RTP (or RTCP) packet on an interleaved channel; false when dropped (congested or closed). */
  sendInterleaved(channel: number, packet: Buffer): boolean {
    if (this.closed) return false;
    if (this.socket.writableLength > MAX_UNSENT) {
      this.dropped++;
      return false;
    }
    const head = Buffer.from([0x24, channel, packet.length >> 8, packet.length & 0xff]);
    this.socket.write(Buffer.concat([head, packet]));
    return true;
  }

  close(): void {
    this.socket.destroy();
  }

  private makeAuth(challenges: string[]): ((method: string, uri: string) => string) | null {
    const creds = this.creds!;
    const digest = challenges.map((c) => parseChallenge(c)).find((c) => c !== null);
    if (digest) {
      const cnonce = randomBytes(8).toString('hex');
      return (method, uri) =>
        authorization(digest, method, uri, creds.username, creds.password, cnonce, ++this.nc);
    }
    if (challenges.some((c) => /^\s*basic/i.test(c))) {
      const token = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      return () => `Basic ${token}`;
    }
    return null;
  }

  private send(
    method: string,
    url: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<RtspResponse> {
    if (this.closedErr || this.socket.destroyed)
      return Promise.reject(this.closedErr ?? new RtspError('connection closed'));
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${++this.cseq}`, `User-Agent: ${this.userAgent}`];
    if (this.authHeader) lines.push(`Authorization: ${this.authHeader(method, url)}`);
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new RtspError(`no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length === 0) return;
      if (this.buf[0] === 0x24) {
        if (this.buf.length < 4) return;
        const len = this.buf.readUInt16BE(2);
        if (this.buf.length < 4 + len) return;
        this.received += len;
        this.buf = this.buf.subarray(4 + len);
        continue;
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buf.length > MAX_HEAD) this.fail(new RtspError('camera sent an oversized RTSP head'));
        return;
      }
      const head = this.buf.subarray(0, end).toString('latin1');
      const headers = new Map<string, string>();
      const [statusLine = '', ...rest] = head.split('\r\n');
      for (const l of rest) {
        const c = l.indexOf(':');
        if (c < 0) continue;
        const k = l.slice(0, c).trim().toLowerCase();
        const v = l.slice(c + 1).trim();
        headers.set(k, headers.has(k) ? `${headers.get(k)}\n${v}` : v);
      }
      const len = Number(headers.get('content-length') ?? 0);
      if (!Number.isFinite(len) || len < 0 || len > MAX_BODY) {
        this.fail(new RtspError('camera sent a bad Content-Length'));
        return;
      }
      if (this.buf.length < end + 4 + len) return;
      const body = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
      this.buf = this.buf.subarray(end + 4 + len);
      const m = /^RTSP\/1\.\d\s+(\d{3})\s*(.*)$/.exec(statusLine);
      if (!m) {
        // A request from the camera (some send OPTIONS/GET_PARAMETER) or junk: not ours to answer.
        continue;
      }
      const p = this.pending;
      this.pending = null;
      p?.resolve({ status: Number(m[1]), reason: m[2] ?? '', headers, body });
    }
  }

  private fail(err: Error | null): void {
    if (this.closedErr) return;
    this.closedErr = err ?? new RtspError('connection closed by the camera');
    this.socket.destroy();
    this.pending?.reject(this.closedErr);
    this.pending = null;
    this.onClose?.(err);
  }
}
