/**
 * Talkback for every camera: one TalkSession per camera (created on first use), the limits over
 * all cameras, and the two ways talkers come in, shared by every front end:
 *
 *   openPcm(camera, …)   16-bit PCM chunks: the browser's WebSocket, Node-RED buffers
 *   play(camera, body)   an http(s) URL or a file under `talk.media_dir`: the HTTP play endpoint,
 *                        MQTT `talk`, the Node-RED lookout-talk node; resolves when it ended
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { TalkSettings } from '../contracts/config.js';
import {
  TALK_PLAY_MAX_BYTES,
  type TalkBackchannelView,
  type TalkCodec,
  type TalkPlayAnswer,
} from '../contracts/talk.js';
import { BUILT_IN_TALK } from '../config/backchannel.js';
import { badRequest, LookoutError, notFound } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { CameraDirectory } from '../supervisor/ports.js';
import { PcmEncoder, playSource } from './encoder.js';
import { TalkLimitError, TalkSession, type Talker } from './session.js';
import { backchannelSettings, sinkFor } from './sinks.js';
import type { TalkSink } from './sink.js';
import type { ResolvedCamera } from '../contracts/config.js';

/** Longest file or URL a play request may play. */
export const MAX_PLAY_MS = 10 * 60_000;

export interface TalkServiceOptions {
  cameras: CameraDirectory;
  settings?: TalkSettings;
  log: Logger;
  ffmpegPath?: string;
  /** After the last talker left, the camera session stays open this long (default 2 s). */
  lingerMs?: number;
  /** Tests and the bench: another sink than the camera's configured one. */
  makeSink?: (camera: ResolvedCamera) => TalkSink;
}

/** What play() takes: TalkPlayBody with `data` already decoded (or a raw upload) into `audio`. */
export interface TalkPlayRequest {
  url?: string;
  audio?: Buffer;
  volume?: number;
}

/** A PCM talker: write() chunks of s16le mono at the hello's rate; close() leaves. */
export interface PcmTalk {
  talker: Talker;
  codec: TalkCodec;
  mixing: boolean;
  /** FFmpeg resamples/encodes (rate or codec differ from the camera's), else in-process. */
  transcoded: boolean;
  write(pcm: Buffer): void;
  close(): Promise<void>;
}

export class TalkService {
  private readonly sessions = new Map<string, { session: TalkSession; key: string }>();
  private total = 0;
  private closed = false;
  readonly log: Logger;

  constructor(private readonly opts: TalkServiceOptions) {
    this.log = opts.log.child({ component: 'talkback' });
  }

  private current: TalkSettings | null = null;

  get settings(): TalkSettings {
    return this.current ?? this.opts.settings ?? BUILT_IN_TALK;
  }

  /** A reloaded `talk:` section (per-camera `backchannel` changes apply once a camera is idle). */
  applySettings(settings: TalkSettings | undefined): void {
    this.current = settings ?? BUILT_IN_TALK;
  }

  /** The camera's session (404 for an unknown camera). */
  session(cameraId: string): TalkSession {
    const camera = this.opts.cameras.cameras().find((c) => c.id === cameraId);
    if (!camera) throw notFound(`camera "${cameraId}"`);
    if (this.closed) throw new LookoutError(503, 'unavailable', 'talkback is shutting down');
    const b = backchannelSettings(camera);
    const key = JSON.stringify([b, camera.vendor]);
    const have = this.sessions.get(cameraId);
    if (have && (have.key === key || have.session.talkerCount > 0)) return have.session;
    if (have) void have.session.close();
    const session = new TalkSession({
      camera: camera.id,
      via: b.via,
      mix: b.mix,
      maxTalkers: b.maxTalkers,
      // Read the camera again at open time: credentials or URL may have been reloaded.
      makeSink: () => {
        const cam = this.opts.cameras.cameras().find((c) => c.id === cameraId) ?? camera;
        return (this.opts.makeSink ?? sinkFor)(cam);
      },
      log: this.log,
      ffmpegPath: this.opts.ffmpegPath,
      lingerMs: this.opts.lingerMs,
      admit: () => {
        if (this.total >= this.settings.maxTalkers)
          throw new TalkLimitError(
            `Lookout already has ${this.settings.maxTalkers} talkers (talk.max_talkers)`,
          );
        this.total++;
      },
      released: () => {
        this.total = Math.max(0, this.total - 1);
      },
    });
    this.sessions.set(cameraId, { session, key });
    return session;
  }

  async openPcm(
    cameraId: string,
    hello: { sampleRate: number; label?: string | null; kind?: string },
  ): Promise<PcmTalk> {
    const session = this.session(cameraId);
    const talker = await session.join({ kind: hello.kind ?? 'ws', label: hello.label ?? null });
    const encoder = new PcmEncoder(
      talker.codec,
      hello.sampleRate,
      (f) => talker.push(f),
      this.opts.ffmpegPath,
    );
    let closing: Promise<void> | null = null;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        talker.leave();
        await encoder.close();
      })();
      return closing;
    };
    const prev = talker.onEnded;
    talker.onEnded = (reason, err) => {
      void encoder.close();
      prev?.(reason, err);
    };
    return {
      talker,
      codec: talker.codec,
      mixing: session.mixing,
      transcoded: encoder.usesFfmpeg,
      write: (pcm) => encoder.write(pcm),
      close,
    };
  }

  /**
   * Plays `url` (an http(s) URL or a file under talk.media_dir) or `audio` (the bytes themselves:
   * an upload, MQTT `data`, a Node-RED Buffer); exactly one of them.
   */
  async play(cameraId: string, body: TalkPlayRequest, signal?: AbortSignal): Promise<TalkPlayAnswer> {
    if ((body.url === undefined) === (body.audio === undefined))
      throw badRequest('play needs exactly one of a url and the audio itself');
    if (body.audio && (body.audio.length === 0 || body.audio.length > TALK_PLAY_MAX_BYTES))
      throw badRequest(`the audio must be 1..${TALK_PLAY_MAX_BYTES} bytes`);
    const input = body.audio ?? (await this.playInput(body.url!));
    const volume = body.volume ?? 1;
    if (!(volume >= 0 && volume <= 4)) throw badRequest('volume must be between 0 and 4');
    const session = this.session(cameraId);
    const talker = await session.join({
      kind: body.audio ? 'buffer' : 'play',
      label: body.audio ? 'upload' : /^https?:/i.test(body.url!) ? 'url' : body.url!.slice(0, 64),
    });
    const t0 = Date.now();
    const src = playSource(input, talker.codec, volume, (f) => talker.push(f), {
      ffmpegPath: this.opts.ffmpegPath,
      maxDurationMs: MAX_PLAY_MS,
    });
    let ended: string | null = null;
    talker.onEnded = (reason) => {
      ended = reason;
      void src.stop();
    };
    const onAbort = () => void src.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await src.done;
    } catch (err) {
      throw new LookoutError(422, 'failed', (err as Error).message);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      talker.leave();
      await src.stop();
    }
    if (ended) throw new LookoutError(502, 'unreachable', ended);
    return { talker: talker.id, durationMs: Date.now() - t0 };
  }

  /** An http(s) URL as is, or a path inside `talk.media_dir` (no way out of it, symlinks included). */
  private async playInput(url: string): Promise<string> {
    if (typeof url !== 'string' || url.length === 0 || url.length > 2048)
      throw badRequest('url must be 1..2048 characters');
    if (/^https?:\/\//i.test(url)) {
      try {
        new URL(url);
      } catch {
        throw badRequest('url is not a valid http(s) URL');
      }
      return url;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(url))
      throw badRequest('url must be http(s) or a file under talk.media_dir');
    const dir = this.settings.mediaDir;
    if (!dir) throw badRequest('only http(s) URLs can be played: talk.media_dir is not set');
    let root: string;
    let file: string;
    try {
      root = await realpath(dir);
      file = await realpath(isAbsolute(url) ? url : resolve(root, url));
    } catch {
      throw notFound(`media file "${url}"`);
    }
    if (!file.startsWith(root + sep)) throw badRequest('the file is outside talk.media_dir');
    if (!(await stat(file)).isFile()) throw notFound(`media file "${url}"`);
    return file;
  }

  views(): TalkBackchannelView[] {
    return [...this.sessions.values()].map((s) => s.session.view());
  }

  get talkers(): number {
    return this.total;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.values()].map((s) => s.session.close()));
  }
}
