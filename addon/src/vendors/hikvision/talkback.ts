/**
 * Hikvision talkback over ISAPI (the flow go2rtc's `isapi://` source uses):
 *   1. `GET  /ISAPI/System/TwoWayAudio/channels`        → the channel `<id>` and `<audioCompressionType>`
 *   2. `PUT  .../channels/<id>/close`                    a stale session (ours or another client's
 *                                                        crashed one) would block the open
 *   3. `PUT  .../channels/<id>/open`
 *   4. `PUT  .../channels/<id>/audioData`                `Content-Type: application/octet-stream`,
 *      `Content-Length: 0`, and then raw G.711 on the same socket (no RTP, no framing), 160 bytes
 *      per 20 ms, for as long as the talk lasts
 *   5. `PUT  .../channels/<id>/close`                    at the end.
 * Digest auth throughout. Steps 1-3 and 5 are ordinary requests (lib/http-digest.ts); step 4 is
 * not HTTP after its header, so it runs on a raw socket that sends the request line by hand and
 * answers the challenge on the same connection.
 */
import { connect, type Socket } from 'node:net';
import type { TalkCodec } from '../../contracts/talk.js';
import {
  digestAuthorization,
  digestRequest,
  parseChallenge,
  type DigestChallenge,
} from '../../lib/http-digest.js';
import { RealtimeGuard } from '../../lib/realtime-guard.js';
import { TalkSinkError, type TalkSink } from '../../talkback/sink.js';
import type { VendorEndpoint, VendorTalkOptions } from '../types.js';

export interface HikvisionTalkOptions {
  /** The two-way audio channel id; default the first one with a G.711 codec. */
  channel?: string;
  /** Timeout of each request. Default 5000 ms. */
  timeoutMs?: number;
  /** How long the audioData answer may take before the upload counts as accepted. Default 300 ms. */
  acceptGraceMs?: number;
}

export interface IsapiTwoWayChannel {
  id: string;
  audioCompressionType: string;
  enabled: boolean;
}

const CODECS: Record<string, TalkCodec['name']> = { 'G.711ulaw': 'PCMU', 'G.711alaw': 'PCMA' };
const MAX_UNSENT_MS = 200;

/** The channels of a `TwoWayAudioChannelList` answer (tolerant of namespaces and element order). */
export function parseTwoWayChannels(xml: string): IsapiTwoWayChannel[] {
  const out: IsapiTwoWayChannel[] = [];
  for (const m of xml.matchAll(
    /<(?:\w+:)?TwoWayAudioChannel\b[^>]*>([\s\S]*?)<\/(?:\w+:)?TwoWayAudioChannel>/g,
  )) {
    const field = (name: string) =>
      new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>([^<]*)<`).exec(m[1]!)?.[1]?.trim() ?? '';
    const id = field('id');
    if (!id) continue;
    out.push({
      id,
      audioCompressionType: field('audioCompressionType'),
      enabled: field('enabled') !== 'false',
    });
  }
  return out;
}

export class HikvisionTalkSink implements TalkSink {
  codec: TalkCodec | null = null;
  readonly stats = { bytes: 0, packets: 0 };
  onClose?: (err: TalkSinkError | null) => void;
  dropped = 0;

  private socket: Socket | null = null;
  private channel: string | null = null;
  private ending = false;
  private reported = false;
  private guard = new RealtimeGuard();
  private readonly base: string;

  constructor(
    private readonly ep: VendorEndpoint,
    private readonly opts: HikvisionTalkOptions = {},
  ) {
    this.base = `${ep.baseUrl.replace(/\/$/, '')}/ISAPI/System/TwoWayAudio/channels`;
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (this.socket && !this.ending) throw new TalkSinkError('failed', 'ISAPI talkback: already open');
    this.socket = null;
    this.ending = false;
    this.reported = false;
    this.guard = new RealtimeGuard();

    const list = await this.call('GET', this.base);
    if (list.status === 404 || list.status === 403)
      throw new TalkSinkError(
        'unsupported',
        `ISAPI talkback: the camera has no two-way audio (HTTP ${list.status})`,
      );
    if (list.status !== 200)
      throw new TalkSinkError('failed', `ISAPI talkback: channel list HTTP ${list.status}`);
    const channels = parseTwoWayChannels(list.body);
    const wanted = this.opts.channel;
    const ch = wanted
      ? channels.find((c) => c.id === wanted)
      : (channels.find((c) => c.enabled && CODECS[c.audioCompressionType]) ?? channels[0]);
    if (!ch)
      throw new TalkSinkError(
        'unsupported',
        `ISAPI talkback: no two-way audio channel${wanted ? ` "${wanted}"` : ''}`,
      );
    const codec = CODECS[ch.audioCompressionType];
    if (!codec)
      throw new TalkSinkError(
        'unsupported',
        `ISAPI talkback: channel ${ch.id} uses ${ch.audioCompressionType || 'an unknown codec'}; set it to G.711ulaw or G.711alaw on the camera`,
      );
    if (signal?.aborted) throw new TalkSinkError('failed', 'ISAPI talkback: aborted');

    const chUrl = `${this.base}/${encodeURIComponent(ch.id)}`;
    await this.call('PUT', `${chUrl}/close`); // whatever it says: there may be nothing to close
    const opened = await this.call('PUT', `${chUrl}/open`);
    if (opened.status !== 200) {
      const busy = /busy|inUse|occupied/i.test(opened.body) || opened.status === 409;
      throw new TalkSinkError(
        busy ? 'busy' : 'failed',
        `ISAPI talkback: open refused (HTTP ${opened.status}${busy ? ', channel in use' : ''})`,
      );
    }
    this.channel = chUrl;
    try {
      this.socket = await this.audioData(`${chUrl}/audioData`, signal);
    } catch (err) {
      await this.call('PUT', `${chUrl}/close`).catch(() => undefined);
      this.channel = null;
      throw err;
    }
    this.codec = { name: codec, clockRate: 8000, channels: 1 };
  }

  write(frame: Buffer, samples: number): void {
    const s = this.socket;
    if (!s || this.ending || !this.codec || s.destroyed) return;
    const ms = (samples / this.codec.clockRate) * 1000;
    const unsentMs = (s.writableLength / Math.max(1, frame.length)) * ms;
    if (!this.guard.admit(ms, Date.now()) || unsentMs > MAX_UNSENT_MS) {
      this.dropped++;
      return;
    }
    s.write(frame);
    this.stats.bytes += frame.length;
    this.stats.packets++;
  }

  async close(): Promise<void> {
    this.ending = true;
    const s = this.socket;
    if (s && !s.destroyed) {
      const gone = new Promise<void>((r) => s.once('close', () => r()));
      s.destroy();
      await gone;
    }
    const ch = this.channel;
    this.channel = null;
    // Release the camera's session, or the next open (ours or its app's) finds the line busy.
    if (ch) await this.call('PUT', `${ch}/close`).catch(() => undefined);
  }

  /** One ordinary ISAPI request; network failures and 401 become TalkSinkErrors. */
  private async call(method: string, url: string): Promise<{ status: number; body: string }> {
    let res: { status: number; body: string };
    try {
      res = await digestRequest({
        url,
        method,
        ...this.ep.credentials,
        timeoutMs: this.opts.timeoutMs ?? 5000,
      });
    } catch (err) {
      throw new TalkSinkError('unreachable', `ISAPI talkback: camera not reachable (${reason(err)})`);
    }
    if (res.status === 401)
      throw new TalkSinkError(
        'auth',
        `ISAPI talkback: authentication failed for user "${this.ep.credentials.username}"`,
      );
    return res;
  }

  /**
   * `PUT audioData` on a raw socket: the empty request, its 401 challenge, the authorised request
   * on the same connection (a new one if the camera closed it), then the socket is the audio pipe.
   */
  private async audioData(url: string, signal?: AbortSignal): Promise<Socket> {
    const u = new URL(url);
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const head = (auth?: string) =>
      `PUT ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n` +
      (auth ? `Authorization: ${auth}\r\n` : '') +
      'Content-Type: application/octet-stream\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n';

    let conn = await RawHttp.connect(u, timeoutMs, signal);
    let answer = await conn.send(head(), timeoutMs, null);
    if (answer?.status === 401) {
      const challenge: DigestChallenge | null = answer.challenge ? parseChallenge(answer.challenge) : null;
      if (!challenge) {
        conn.socket.destroy();
        throw new TalkSinkError(
          'auth',
          'ISAPI talkback: the camera asks for an authentication Lookout cannot answer',
        );
      }
      const { username, password } = this.ep.credentials;
      const auth = digestAuthorization(challenge, 'PUT', url, username, password);
      if (conn.socket.destroyed || answer.closing) conn = await RawHttp.connect(u, timeoutMs, signal);
      answer = await conn.send(head(auth), timeoutMs, this.opts.acceptGraceMs ?? 300);
    }
    if (answer && answer.status !== 200) {
      conn.socket.destroy();
      if (answer.status === 401)
        throw new TalkSinkError(
          'auth',
          `ISAPI talkback: authentication failed for user "${this.ep.credentials.username}"`,
        );
      throw new TalkSinkError('failed', `ISAPI talkback: audioData HTTP ${answer.status}`);
    }
    if (conn.socket.destroyed)
      throw new TalkSinkError('unreachable', 'ISAPI talkback: the camera closed the audio connection');
    const s = conn.socket;
    s.removeAllListeners('data');
    s.on('data', () => undefined); // drain whatever the camera sends back
    s.on('error', () => undefined); // 'close' follows and reports it
    s.on('close', () => {
      if (this.ending || this.reported || this.socket !== s) return;
      this.reported = true;
      this.ending = true;
      this.onClose?.(
        new TalkSinkError('unreachable', 'ISAPI talkback: the camera closed the audio connection'),
      );
    });
    return s;
  }
}

interface RawAnswer {
  status: number;
  challenge: string | undefined;
  /** The camera said `Connection: close`. */
  closing: boolean;
}

/** Just enough HTTP/1.1 on a socket to read answers to bodiless requests. */
class RawHttp {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      if (this.buf.length > 64 * 1024) socket.destroy(new Error('answer too long'));
      this.waiter?.();
    });
    socket.on('error', (e) => {
      this.failure = e;
      this.waiter?.();
    });
    socket.on('close', () => {
      this.failure ??= new Error('connection closed');
      this.waiter?.();
    });
  }

  static connect(u: URL, timeoutMs: number, signal?: AbortSignal): Promise<RawHttp> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) });
      const fail = (msg: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new TalkSinkError('unreachable', `ISAPI talkback: ${msg}`));
      };
      const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms`), timeoutMs);
      const onAbort = () => fail('aborted');
      socket.once('error', (e) => fail(reason(e)));
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        resolve(new RawHttp(socket));
      });
    });
  }

  /**
   * Writes `head` and waits for the answer's header and body. With `graceMs`, no answer within it
   * is not an error but null: the camera took the upload and will not speak until it ends.
   */
  async send(head: string, timeoutMs: number, graceMs: number | null): Promise<RawAnswer | null> {
    this.socket.write(head);
    const deadline = Date.now() + (graceMs ?? timeoutMs);
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.failure) throw new TalkSinkError('unreachable', `ISAPI talkback: ${reason(this.failure)}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        if (graceMs !== null) return null;
        throw new TalkSinkError('unreachable', `ISAPI talkback: no answer within ${timeoutMs} ms`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
      this.waiter = null;
    }
  }

  private parse(): RawAnswer | null {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? 0);
    if (this.buf.length < end + 4 + length) return null;
    this.buf = this.buf.subarray(end + 4 + length);
    return {
      status,
      challenge: headers.get('www-authenticate'),
      closing: /close/i.test(headers.get('connection') ?? ''),
    };
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? (e instanceof Error ? e.message : String(err));
}

/** The registry's talkback factory for Hikvision. */
export function hikvisionTalkback(
  endpoint: VendorEndpoint,
  options: VendorTalkOptions = {},
): HikvisionTalkSink {
  return new HikvisionTalkSink(endpoint, options.channel ? { channel: options.channel } : {});
}
