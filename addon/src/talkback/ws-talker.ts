/**
 * One browser microphone on `GET /api/talk/:camera/ws` (contracts/talk.ts): a TalkHello text frame,
 * then little-endian s16 mono PCM binary frames at the hello's rate; the server answers `ready`,
 * `error` or `ended` text frames. Bounded: a hello within 5 s, binary messages at most
 * TALK_WS_MAX_CHUNK_BYTES and even-sized, and no more audio than 1.5× real time over a second
 * (a flood is cut off, not queued). A protocol error is answered with a clear `error`, logged once,
 * and closes only this socket.
 */
import type { RawData, WebSocket } from 'ws';
import {
  TALK_WS_MAX_CHUNK_BYTES,
  TALK_WS_SAMPLE_RATES,
  type TalkErrorCode,
  type TalkHello,
  type TalkServerMessage,
} from '../contracts/talk.js';
import { LookoutError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { PcmTalk, TalkService } from './service.js';
import { TalkLimitError } from './session.js';
import { TalkSinkError } from './sink.js';

const HELLO_TIMEOUT_MS = 5000;
const RATE_WINDOW_MS = 1000;
const RATE_FACTOR = 1.5;

export function talkErrorCode(err: unknown): TalkErrorCode {
  if (err instanceof TalkSinkError) return err.code;
  if (err instanceof TalkLimitError) return 'limit';
  if (err instanceof LookoutError)
    return err.status === 400 ? 'bad_request' : err.status === 404 ? 'bad_request' : 'failed';
  return 'failed';
}

export class WsTalker {
  private talk: PcmTalk | null = null;
  private stage: 'hello' | 'joining' | 'talking' | 'closed' = 'hello';
  private helloTimer: NodeJS.Timeout;
  private windowStart = Date.now();
  private windowBytes = 0;
  private maxBytesPerWindow = 0;
  private logged = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly service: TalkService,
    private readonly camera: string,
    private readonly log: Logger,
    private readonly peer: string,
  ) {
    this.helloTimer = setTimeout(() => this.fail('bad_request', 'no hello within 5 s'), HELLO_TIMEOUT_MS);
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => void this.close());
    socket.on('error', () => void this.close());
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.stage === 'closed') return;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (this.stage === 'hello') {
      if (isBinary) return this.fail('bad_request', 'the first message must be a text hello');
      let hello: TalkHello;
      try {
        hello = parseHello(buf.toString('utf8'));
      } catch (err) {
        return this.fail('bad_request', (err as Error).message);
      }
      clearTimeout(this.helloTimer);
      this.stage = 'joining';
      this.maxBytesPerWindow = Math.round(hello.sampleRate * 2 * RATE_FACTOR);
      void this.join(hello);
      return;
    }
    if (!isBinary) return; // text after the hello: nothing defined yet, ignored
    if (this.stage !== 'talking') return; // audio before `ready` is dropped
    if (buf.length === 0 || buf.length > TALK_WS_MAX_CHUNK_BYTES || buf.length % 2 !== 0)
      return this.fail(
        'bad_request',
        `binary messages must be 2..${TALK_WS_MAX_CHUNK_BYTES} bytes of s16le PCM (got ${buf.length})`,
      );
    const now = Date.now();
    if (now - this.windowStart >= RATE_WINDOW_MS) {
      this.windowStart = now;
      this.windowBytes = 0;
    }
    this.windowBytes += buf.length;
    if (this.windowBytes > this.maxBytesPerWindow)
      return this.fail(
        'bad_request',
        'audio arrives faster than real time; send chunks as the microphone produces them',
      );
    this.talk?.write(buf);
  }

  private async join(hello: TalkHello): Promise<void> {
    try {
      const talk = await this.service.openPcm(this.camera, {
        sampleRate: hello.sampleRate,
        label: hello.label ?? null,
        kind: 'ws',
      });
      if (this.stage === 'closed') {
        await talk.close();
        return;
      }
      this.talk = talk;
      this.stage = 'talking';
      talk.talker.onEnded = (reason, err) => {
        this.send({ type: 'ended', reason });
        if (err) this.send({ type: 'error', code: err.code, message: reason });
        this.stage = 'closed';
        this.socket.close(1011, 'camera session ended');
        void talk.close();
      };
      this.send({ type: 'ready', talker: talk.talker.id, codec: talk.codec, mixing: talk.mixing });
    } catch (err) {
      this.fail(talkErrorCode(err), (err as Error).message, false);
    }
  }

  private send(msg: TalkServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  /** Tells the talker why, logs it once, closes this socket (and only this one). */
  private fail(code: TalkErrorCode, message: string, protocol = true): void {
    if (this.stage === 'closed') return;
    if (!this.logged) {
      this.logged = true;
      const line = { camera: this.camera, peer: this.peer, code, err: message };
      if (protocol) this.log.warn(line, 'talk WebSocket refused');
      else this.log.info(line, 'talk request not served');
    }
    this.send({ type: 'error', code, message });
    void this.close();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(protocol ? 1008 : 1011, code);
  }

  async close(): Promise<void> {
    clearTimeout(this.helloTimer);
    this.stage = 'closed';
    const talk = this.talk;
    this.talk = null;
    await talk?.close();
  }
}

export function parseHello(text: string): TalkHello {
  if (text.length > 1024) throw new Error('hello is longer than 1024 characters');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('hello is not JSON');
  }
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object' || o.type !== 'hello')
    throw new Error('expected {"type":"hello","sampleRate":…}');
  if (!TALK_WS_SAMPLE_RATES.includes(o.sampleRate as never))
    throw new Error(`sampleRate must be one of ${TALK_WS_SAMPLE_RATES.join(', ')}`);
  if (o.label !== undefined && (typeof o.label !== 'string' || o.label.length > 64))
    throw new Error('label must be a string of at most 64 characters');
  return {
    type: 'hello',
    sampleRate: o.sampleRate as TalkHello['sampleRate'],
    label: o.label as string | undefined,
  };
}
