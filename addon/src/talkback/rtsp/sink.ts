/**
 * The ONVIF RTSP backchannel as a TalkSink (Profile T; BACKCHANNEL.md §1):
 *   DESCRIBE with `Require: www.onvif.org/ver20/backchannel` (551 → `unsupported`), pick the
 *   `a=sendonly` audio track and codec, SETUP it with TCP interleaving (the channel is taken from
 *   the reply: cameras may pick another), PLAY without `Range` (a live GStreamer server answers 503
 *   to `npt=0-`), RTP on the interleaved channel, OPTIONS keepalive, TEARDOWN on close.
 *
 * A connection of its own, not the video session's: adding a track to a playing RTSP session needs a
 * reconnect (go2rtc tears the video down for it and the picture glitches). A talk-only session
 * leaves the video and every viewer alone, and is opened only while somebody talks.
 */
import type { TalkCodec } from '../../contracts/talk.js';
import { TalkSinkError, type TalkSink } from '../sink.js';
import { RtspConnection, RtspError, type RtspResponse } from './connection.js';
import { RtpPacketizer } from './rtp.js';
import { mediaLine, parseSdp, pickBackchannel, resolveControl } from './sdp.js';

export const BACKCHANNEL_REQUIRE = 'www.onvif.org/ver20/backchannel';
const USER_AGENT = 'Lookout talkback';

export interface RtspSinkOptions {
  /** SECRET: rtsp://user:pass@host:port/path (credentials percent-encoded), `#` params stripped. */
  url: string;
  timeoutMs?: number;
}

export class RtspBackchannelSink implements TalkSink {
  codec: TalkCodec | null = null;
  /** The SDP's media lines (go2rtc's `medias`), for /api/streams. */
  medias: string[] = [];
  readonly stats = { bytes: 0, packets: 0 };
  onClose?: (err: TalkSinkError | null) => void;
  private conn: RtspConnection | null = null;
  private rtp: RtpPacketizer | null = null;
  private channel = 0;
  private keepalive: NodeJS.Timeout | null = null;
  private closing = false;
  private session = '';
  private aggregate = '';

  constructor(private readonly opts: RtspSinkOptions) {}

  async open(signal?: AbortSignal): Promise<void> {
    const u = new URL(this.opts.url);
    const creds =
      u.username || u.password
        ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
        : null;
    u.username = '';
    u.password = '';
    u.hash = '';
    const url = u.href;
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    let conn: RtspConnection;
    try {
      conn = await RtspConnection.connect(host, Number(u.port || 554), creds, {
        timeoutMs,
        userAgent: USER_AGENT,
        signal,
      });
    } catch (err) {
      throw new TalkSinkError('unreachable', (err as Error).message);
    }
    this.conn = conn;
    try {
      await this.handshake(conn, url, timeoutMs);
    } catch (err) {
      conn.close();
      this.conn = null;
      if (err instanceof TalkSinkError) throw err;
      throw new TalkSinkError(
        err instanceof RtspError && err.status === null ? 'unreachable' : 'failed',
        (err as Error).message,
      );
    }
    conn.onClose = (err) => {
      this.stopKeepalive();
      if (this.closing) return;
      this.onClose?.(
        new TalkSinkError('unreachable', `camera closed the backchannel${err ? `: ${err.message}` : ''}`),
      );
    };
    if (conn.closed) throw new TalkSinkError('unreachable', 'camera closed the backchannel right after PLAY');
  }

  private async handshake(conn: RtspConnection, url: string, timeoutMs: number): Promise<void> {
    const describe = await conn.request(
      'DESCRIBE',
      url,
      { Accept: 'application/sdp', Require: BACKCHANNEL_REQUIRE },
      timeoutMs,
    );
    if (describe.status === 551 || describe.headers.has('unsupported'))
      throw new TalkSinkError(
        'unsupported',
        'the camera has no ONVIF backchannel (DESCRIBE with Require: www.onvif.org/ver20/backchannel answered 551 Option not supported)',
      );
    expectOk(describe, 'DESCRIBE');
    const sdp = parseSdp(describe.body);
    this.medias = sdp.media.map(mediaLine);
    const track = pickBackchannel(sdp);
    if (!track)
      throw new TalkSinkError(
        'unsupported',
        `the camera offers no usable backchannel track (sendonly audio in PCMU, PCMA, L16 or AAC); SDP media: ${this.medias.join('; ') || 'none'}`,
      );
    const base = describe.headers.get('content-base') ?? describe.headers.get('content-location') ?? url;
    // The first camera→client track is SET UP too (and drained), as go2rtc does and as the ONVIF
    // examples do: GStreamer's ONVIF media did not always start a backchannel-only session (the camera
    // recorded nothing in about one session of eight here).
    const first = sdp.media.findIndex((m, i) => i !== track.index && m.direction !== 'sendonly' && m.control);
    let session = '';
    if (first >= 0) {
      const r = await conn.request(
        'SETUP',
        resolveControl(base, sdp.media[first]!.control),
        {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${first * 2}-${first * 2 + 1}`,
          Require: BACKCHANNEL_REQUIRE,
        },
        timeoutMs,
      );
      expectOk(r, 'SETUP');
      session = (r.headers.get('session') ?? '').split(';')[0]!.trim();
    }
    const ch = track.index * 2;
    const setup = await conn.request(
      'SETUP',
      resolveControl(base, track.media.control),
      {
        Transport: `RTP/AVP/TCP;unicast;interleaved=${ch}-${ch + 1}`,
        Require: BACKCHANNEL_REQUIRE,
        ...(session ? { Session: session } : {}),
      },
      timeoutMs,
    );
    if ([453, 455, 503].includes(setup.status))
      throw new TalkSinkError(
        'busy',
        `the camera refused another backchannel session (SETUP ${setup.status} ${setup.reason})`,
      );
    expectOk(setup, 'SETUP');
    const transport = setup.headers.get('transport') ?? '';
    const inter = /interleaved=(\d+)/i.exec(transport);
    this.channel = inter ? Number(inter[1]) : ch;
    const [setupSession = '', ...params] = (setup.headers.get('session') ?? '').split(';');
    this.session = setupSession.trim() || session;
    const timeout = Number(/timeout=(\d+)/i.exec(params.join(';'))?.[1] ?? 60);
    this.aggregate = resolveControl(base, sdp.control);
    const play = await conn.request('PLAY', this.aggregate, this.sessionHeaders(), timeoutMs);
    expectOk(play, 'PLAY');
    this.codec = track.codec;
    this.rtp = new RtpPacketizer(track.codec, track.payload.pt);
    // go2rtc: OPTIONS every timeout−5 s (25 s without one).
    const everyMs = Math.max(5, (Number.isFinite(timeout) && timeout > 0 ? timeout : 30) - 5) * 1000;
    this.keepalive = setInterval(() => {
      conn.request('OPTIONS', this.aggregate, this.sessionHeaders(), timeoutMs).then(
        (r) => {
          if (r.status >= 400 && !this.closing) {
            conn.close();
          }
        },
        () => conn.close(),
      );
    }, everyMs);
    this.keepalive.unref();
  }

  private sessionHeaders(): Record<string, string> {
    return this.session ? { Session: this.session } : {};
  }

  write(frame: Buffer, samples: number): void {
    if (!this.conn || !this.rtp || this.closing) return;
    const pkt = this.rtp.packet(frame, samples);
    if (this.conn.sendInterleaved(this.channel, pkt)) {
      this.stats.bytes += pkt.length - 12;
      this.stats.packets++;
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopKeepalive();
    const conn = this.conn;
    if (!conn) return;
    if (!conn.closed) {
      await conn.request('TEARDOWN', this.aggregate, this.sessionHeaders(), 1000).catch(() => undefined);
    }
    conn.close();
  }

  private stopKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
  }
}

function expectOk(r: RtspResponse, what: string): void {
  if (r.status === 401) throw new TalkSinkError('auth', `${what}: the camera refused the credentials (401)`);
  if (r.status < 200 || r.status >= 300)
    throw new TalkSinkError('failed', `${what} answered ${r.status} ${r.reason}`);
}
