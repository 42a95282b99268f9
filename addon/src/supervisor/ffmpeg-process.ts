/**
 * One FFmpeg child: spawned with execa in its own process group, every pipe drained, exit awaited,
 * stopped with SIGTERM then SIGKILL (FIELD-NOTES #1, #2). Media (stdout) goes through the fMP4
 * box splitter; stderr into a ring buffer; `-progress` (fd 3) into the progress parser.
 */
import { execa } from 'execa';
import type { Readable } from 'node:stream';
import { Fmp4BoxSplitter, type Fmp4Sink } from '../lib/mp4/box-splitter.js';
import { ProgressParser, type FfmpegProgress } from './progress.js';
import { StderrRing } from './stderr-ring.js';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Last stderr lines (redacted), for the restart log line. */
  stderrTail: string[];
  /** Set when the media stream itself was malformed (splitter error). */
  mediaError: string | null;
}

export interface FfmpegProcessEvents extends Fmp4Sink {
  /** Raw stdout bytes arrived (stall detection uses this: any media progress counts). */
  bytes(n: number): void;
  progress(p: FfmpegProgress): void;
  exit(info: ExitInfo): void;
}

export interface SpawnOptions {
  ffmpegPath: string;
  args: string[];
  events: FfmpegProcessEvents;
}

export class FfmpegProcess {
  readonly pid: number;
  readonly stderr = new StderrRing(100);
  private readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | null = null;
  private mediaError: string | null = null;

  constructor(opts: SpawnOptions) {
    const { events } = opts;
    const child = execa(opts.ffmpegPath, opts.args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      buffer: false,
      reject: false,
      // Own process group: a stop reaches FFmpeg and anything it forks, and a Ctrl-C in the
      // terminal reaches the supervisor only, which then stops children in order.
      detached: true,
      // Only what FFmpeg needs; never leak our environment (tokens, MTX_* overrides) to children.
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' },
      stripFinalNewline: false,
    });
    if (child.pid === undefined) {
      // execa reports spawn errors (ENOENT) through the promise; keep a sentinel pid.
      this.pid = -1;
    } else {
      this.pid = child.pid;
    }

    const splitter = new Fmp4BoxSplitter({
      init: (seg) => events.init(seg),
      fragment: (frag) => events.fragment(frag),
    });
    const stdout = child.stdout as Readable;
    stdout.on('data', (chunk: Buffer) => {
      events.bytes(chunk.length);
      if (this.mediaError) return; // keep draining, but stop parsing a broken stream
      try {
        splitter.push(chunk);
      } catch (err) {
        this.mediaError = (err as Error).message;
        this.kill('SIGKILL');
      }
    });
    (child.stderr as Readable).on('data', (chunk: Buffer) => this.stderr.push(chunk));
    const progress = new ProgressParser((p) => events.progress(p));
    const progressPipe = child.stdio[3] as Readable | undefined;
    progressPipe?.on('data', (chunk: Buffer) => progress.push(chunk));

    this.exited = child.then((result) => {
      const info: ExitInfo = {
        code: typeof result.exitCode === 'number' ? result.exitCode : null,
        signal: result.signal ?? null,
        stderrTail: this.stderr.tail(20),
        mediaError: this.mediaError,
      };
      if (result.failed && result.exitCode === undefined && !result.signal && result.message) {
        // Spawn failure (e.g. ffmpeg not installed): surface it like a stderr line.
        this.stderr.push(String(result.originalMessage ?? result.shortMessage ?? 'spawn failed'));
        info.stderrTail = this.stderr.tail(20);
      }
      this.exitInfo = info;
      events.exit(info);
      return info;
    });
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** Signals the whole process group; ignores "no such process" (already gone). */
  kill(signal: NodeJS.Signals): void {
    if (this.pid <= 0 || this.exitInfo) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        process.kill(this.pid, signal);
      } catch {
        /* already exited; the exit promise settles on its own */
      }
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves only once the exit is confirmed. */
  async stop(graceMs = 2000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  wait(): Promise<ExitInfo> {
    return this.exited;
  }
}
