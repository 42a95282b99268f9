/**
 * Dahua/Amcrest talkback over HTTP (Dahua HTTP API §4.3.3 "Post Audio Stream"):
 * `POST /cgi-bin/audio.cgi?action=postAudio&httptype=singlepart&channel=1`, Digest auth, one
 * request that never ends. The body is the encoded audio itself, sent as it is spoken; the request
 * announces a large fake Content-Length (9999999, as Scrypted and go2rtc do) and stopping is closing
 * the socket. Firmware takes `Audio/G.711A` (VTO intercoms), `Audio/G.711Mu` or `Audio/AAC` (ADTS,
 * AD410-type doorbells); the API cannot be asked which, so the codec comes from the camera's config
 * (default G.711A 8 kHz).
 *
 * The camera never answers a successful upload (some close the socket without a word when it ends),
 * so open() resolves once the request is on the wire and no refusal came within a short grace; a 401
 * in that grace is a wrong password. Node's http client carries the request: it does the framing and
 * reports an answer whenever one comes.
 */
import { request, type ClientRequest } from 'node:http';
import type { TalkCodec } from '../../contracts/talk.js';
import { adtsFrame } from '../../lib/adts.js';
import { digestAuthorization, digestChallenge } from '../../lib/http-digest.js';
import { RealtimeGuard } from '../../lib/realtime-guard.js';
import { TalkSinkError, type TalkSink } from '../../talkback/sink.js';
import type { VendorEndpoint, VendorTalkOptions } from '../types.js';

export type DahuaTalkCodec = 'PCMA' | 'PCMU' | 'AAC';

export interface DahuaTalkOptions {
  channel?: number;
  /** Default PCMA (G.711 A-law), what Dahua VTOs and most Amcrest cameras take. */
  codec?: DahuaTalkCodec;
  /** Default 8000; AAC doorbells also take 16000. */
  clockRate?: number;
  /** Connect and answer timeout of each request. Default 5000 ms. */
  timeoutMs?: number;
  /** How long a refusal may take to arrive before the upload counts as accepted. Default 300 ms. */
  acceptGraceMs?: number;
}

/** The documented content types (case as the API manual writes them). */
export const DAHUA_CONTENT_TYPE: Record<DahuaTalkCodec, string> = {
  PCMA: 'Audio/G.711A',
  PCMU: 'Audio/G.711Mu',
  AAC: 'Audio/AAC',
};

/** The announced body length: ~20 minutes of G.711. The session ends when it is used up. */
export const DAHUA_TALK_CONTENT_LENGTH = 9_999_999;

/** Audio the socket may hold unsent before frames are dropped rather than queued (ms). */
const MAX_UNSENT_MS = 200;

export class DahuaTalkSink implements TalkSink {
  codec: TalkCodec | null = null;
  readonly stats = { bytes: 0, packets: 0 };
  onClose?: (err: TalkSinkError | null) => void;
  /** Frames dropped by the real-time guard or a full socket. */
  dropped = 0;

  private req: ClientRequest | null = null;
  private closed: Promise<void> = Promise.resolve();
  private ending = false;
  private reported = false;
  private guard = new RealtimeGuard();
  private readonly url: string;
  private readonly name: DahuaTalkCodec;
  private readonly rate: number;

  constructor(
    private readonly ep: VendorEndpoint,
    private readonly opts: DahuaTalkOptions = {},
  ) {
    const q = new URLSearchParams({
      action: 'postAudio',
      httptype: 'singlepart',
      channel: String(opts.channel ?? 1),
    });
    this.url = `${ep.baseUrl.replace(/\/$/, '')}/cgi-bin/audio.cgi?${q.toString()}`;
    this.name = opts.codec ?? 'PCMA';
    this.rate = opts.clockRate ?? 8000;
  }

  async open(signal?: AbortSignal): Promise<void> {
    if (this.req && !this.ending) throw new TalkSinkError('failed', 'Dahua talkback: already open');
    // A sink may be opened again after close() (the session's next first talker).
    this.req = null;
    this.ending = false;
    this.reported = false;
    this.guard = new RealtimeGuard();
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const { username, password } = this.ep.credentials;
    // 1. The challenge, from an empty POST (nothing to play, so nothing starts).
    let probe: Awaited<ReturnType<typeof digestChallenge>>;
    try {
      probe = await digestChallenge(this.url, 'POST', timeoutMs);
    } catch (err) {
      throw new TalkSinkError('unreachable', `Dahua talkback: camera not reachable (${reason(err)})`);
    }
    if (probe.status === 404 || probe.status === 501)
      throw new TalkSinkError(
        'unsupported',
        `Dahua talkback: the camera has no audio.cgi (HTTP ${probe.status})`,
      );
    if (probe.status === 401 && !probe.challenge)
      throw new TalkSinkError(
        'auth',
        'Dahua talkback: the camera asks for an authentication Lookout cannot answer',
      );
    if (signal?.aborted) throw new TalkSinkError('failed', 'Dahua talkback: aborted');

    // 2. The upload itself, authorised, with a body that never ends.
    const headers: Record<string, string> = {
      'content-type': DAHUA_CONTENT_TYPE[this.name],
      'content-length': String(DAHUA_TALK_CONTENT_LENGTH),
      connection: 'close',
    };
    if (probe.challenge)
      headers.authorization = digestAuthorization(probe.challenge, 'POST', this.url, username, password);
    const req = request(this.url, { method: 'POST', agent: false, headers });
    this.req = req;
    req.setNoDelay(true);
    this.closed = new Promise((resolve) => req.once('close', () => resolve()));

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: TalkSinkError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          this.req = null;
          req.destroy();
          reject(err);
        } else resolve();
      };
      const onAbort = () => settle(new TalkSinkError('failed', 'Dahua talkback: aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const connectTimer = setTimeout(
        () =>
          settle(new TalkSinkError('unreachable', `Dahua talkback: no connection within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on('socket', (socket) => {
        const accept = () => {
          clearTimeout(connectTimer);
          setTimeout(() => settle(null), this.opts.acceptGraceMs ?? 300);
        };
        if (socket.connecting) socket.once('connect', accept);
        else accept();
      });
      req.on('response', (res) => {
        res.resume(); // drain whatever the camera says
        const status = res.statusCode ?? 0;
        if (status === 401)
          settle(new TalkSinkError('auth', `Dahua talkback: authentication failed for user "${username}"`));
        else if (status === 404 || status === 501)
          settle(
            new TalkSinkError('unsupported', `Dahua talkback: the camera refused postAudio (HTTP ${status})`),
          );
        else if (status === 503 || status === 409)
          settle(new TalkSinkError('busy', `Dahua talkback: the camera's speaker is busy (HTTP ${status})`));
        else if (status >= 400) settle(new TalkSinkError('failed', `Dahua talkback: HTTP ${status}`));
        else settle(null); // an early 200: accepted
        if (status >= 400) return;
        // A camera that answers and then closes has ended the session.
        res.on('end', () =>
          this.ended(new TalkSinkError('failed', 'Dahua talkback: the camera ended the upload')),
        );
      });
      req.on('error', (err) => {
        if (!settled) settle(new TalkSinkError('unreachable', `Dahua talkback: ${reason(err)}`));
        else this.ended(new TalkSinkError('unreachable', `Dahua talkback: connection lost (${reason(err)})`));
      });
      req.on('close', () => {
        if (!settled)
          settle(new TalkSinkError('unreachable', 'Dahua talkback: the camera closed the connection'));
        else this.ended(new TalkSinkError('unreachable', 'Dahua talkback: the camera closed the connection'));
      });
      req.flushHeaders();
    });
    this.codec = { name: this.name, clockRate: this.rate, channels: 1 };
  }

  write(frame: Buffer, samples: number): void {
    const req = this.req;
    if (!req || this.ending || !this.codec || req.destroyed) return;
    const ms = (samples / this.rate) * 1000;
    const body = this.name === 'AAC' ? adtsFrame(frame, this.rate, 1) : frame;
    const unsentMs = (req.writableLength / Math.max(1, body.length)) * ms;
    if (!this.guard.admit(ms, Date.now()) || unsentMs > MAX_UNSENT_MS) {
      this.dropped++;
      return;
    }
    if (this.stats.bytes + body.length > DAHUA_TALK_CONTENT_LENGTH) {
      // The announced length is used up: end cleanly, the session opens a new upload if still needed.
      this.ended(null);
      return;
    }
    req.write(body);
    this.stats.bytes += body.length;
    this.stats.packets++;
  }

  async close(): Promise<void> {
    this.ending = true;
    const req = this.req;
    if (req && !req.destroyed) req.destroy();
    await this.closed;
  }

  /** The upload ended without close() being asked: tell the session once. */
  private ended(err: TalkSinkError | null): void {
    if (this.ending || this.reported || !this.req) return;
    this.reported = true;
    this.ending = true;
    this.req?.destroy();
    this.onClose?.(err);
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? (e instanceof Error ? e.message : String(err));
}

/** The registry's talkback factory for Dahua firmware (Dahua, Amcrest). */
export function dahuaTalkback(endpoint: VendorEndpoint, options: VendorTalkOptions = {}): DahuaTalkSink {
  const channel = Number(options.channel ?? 1);
  return new DahuaTalkSink(endpoint, {
    channel: Number.isInteger(channel) && channel > 0 ? channel : 1,
    ...(options.codec ? { codec: options.codec } : {}),
    ...(options.clockRate ? { clockRate: options.clockRate } : {}),
  });
}
