/**
 * Talker side: turns what a talker produces into frames in the camera codec for the session.
 *
 *   PcmEncoder   s16le mono PCM chunks (the browser microphone, Node-RED buffers). At the camera's
 *                rate and a PCM-like codec it encodes in-process (no process, no delay); otherwise
 *                an FFmpeg resamples and encodes it (pipes, `-probesize 32`, flushed per packet).
 *   playSource   an http(s) URL or a file, decoded by FFmpeg in real time (`-re`) into the codec.
 *
 * Both deliver whole frames (codec.ts Framer) and end with their FFmpeg awaited.
 */
import type { TalkCodec } from '../contracts/talk.js';
import { describeExit, spawnChild, type ChildExit, type ChildProcess } from '../lib/child-process.js';
import { canEncodeInProcess, encodePcm, ffmpegRawFormat, Framer } from './codec.js';

function outputArgs(codec: TalkCodec): string[] {
  const raw = ffmpegRawFormat(codec);
  return [
    ...raw.codec,
    '-ar',
    String(codec.clockRate),
    '-ac',
    '1',
    '-f',
    raw.format,
    '-flush_packets',
    '1',
    'pipe:1',
  ];
}

export class PcmEncoder {
  private readonly framer: Framer;
  private readonly ffmpeg: ChildProcess | null;
  /** Unsent PCM above which chunks are dropped (FFmpeg is behind). */
  private static readonly MAX_BACKLOG_BYTES = 32 * 1024;

  constructor(
    private readonly codec: TalkCodec,
    private readonly sampleRate: number,
    private readonly onFrame: (frame: Buffer) => void,
    ffmpegPath = 'ffmpeg',
  ) {
    this.framer = new Framer(codec);
    this.ffmpeg = canEncodeInProcess(codec, sampleRate)
      ? null
      : spawnChild({
          file: ffmpegPath,
          args: [
            ...['-hide_banner', '-nostats', '-nostdin', '-loglevel', 'error', '-fflags', 'nobuffer'],
            ...[
              '-f',
              's16le',
              '-ar',
              String(sampleRate),
              '-ac',
              '1',
              '-probesize',
              '32',
              '-analyzeduration',
              '0',
            ],
            ...['-i', 'pipe:0', ...outputArgs(codec)],
          ],
          stdin: 'pipe',
          label: 'talk-encoder',
          killGraceMs: 1000,
          onStdout: (c) => this.frames(c),
        });
  }

  get usesFfmpeg(): boolean {
    return this.ffmpeg !== null;
  }

  write(pcm: Buffer): void {
    if (!this.ffmpeg) return this.frames(encodePcm(this.codec, pcm));
    const stdin = this.ffmpeg.stdin;
    if (!stdin || stdin.destroyed || stdin.writableLength > PcmEncoder.MAX_BACKLOG_BYTES) return;
    stdin.write(pcm);
  }

  private frames(chunk: Buffer): void {
    for (const f of this.framer.push(chunk)) this.onFrame(f);
  }

  async close(): Promise<void> {
    await this.ffmpeg?.stop(1000);
  }
}

export interface PlaySource {
  /** Resolves when the file ended (or stop() was called); rejects with FFmpeg's reason on failure. */
  done: Promise<void>;
  stop(): Promise<ChildExit>;
}

/** `input` is an http(s) URL or an absolute file path already checked by the caller. */
export function playSource(
  /** A URL or file path, or the audio bytes themselves (FFmpeg reads them from stdin). */
  input: string | Buffer,
  codec: TalkCodec,
  volume: number,
  onFrame: (frame: Buffer) => void,
  opts: { ffmpegPath?: string; maxDurationMs: number },
): PlaySource {
  const framer = new Framer(codec);
  const bytes = Buffer.isBuffer(input) ? input : null;
  const isUrl = !bytes && /^https?:\/\//i.test(input as string);
  let stopped = false;
  const child = spawnChild({
    file: opts.ffmpegPath ?? 'ffmpeg',
    args: [
      ...['-hide_banner', '-nostats', '-nostdin', '-loglevel', 'error'],
      // A URL may only be fetched over http(s): no file://, no concat tricks reaching local files.
      ...(bytes
        ? ['-protocol_whitelist', 'pipe']
        : isUrl
          ? ['-protocol_whitelist', 'http,https,tcp,tls,crypto']
          : ['-protocol_whitelist', 'file']),
      ...['-re', '-i', bytes ? 'pipe:0' : (input as string), '-vn', '-sn', '-dn'],
      ...['-af', `volume=${volume}`, '-t', String(opts.maxDurationMs / 1000)],
      ...outputArgs(codec),
    ],
    label: 'talk-play',
    ...(bytes ? { stdin: 'pipe' as const } : {}),
    killGraceMs: 1000,
    timeoutMs: opts.maxDurationMs + 30_000,
    onStdout: (c) => {
      for (const f of framer.push(c)) onFrame(f);
    },
  });
  // Uploaded audio: all of it at once (bounded by TALK_PLAY_MAX_BYTES); `-re` paces the reading.
  if (bytes) child.stdin?.end(bytes);
  const done = child.exited.then((exit) => {
    if (stopped || exit.code === 0) return;
    const why = exit.stderrTail.trim().split('\n').slice(-2).join(' ').slice(0, 300);
    throw new Error(`could not play it: ${describeExit(exit)}${why ? ` (${why})` : ''}`);
  });
  return {
    done,
    stop: () => {
      stopped = true;
      return child.stop(1000);
    },
  };
}
