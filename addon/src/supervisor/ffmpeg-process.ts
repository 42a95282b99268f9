/**
 * One FFmpeg child (through lib/child-process.ts: own process group, every pipe drained, exit
 * awaited, SIGTERM then SIGKILL, PID recorded). Media (stdout) goes through the media reader (FLV
 * fragmenter or fMP4 box splitter, fragmenter/media-reader.ts);
 * stderr into a ring buffer; `-progress` (fd 3) into the progress parser.
 */
import { spawnChild, type ChildProcess, type ChildRecords } from '../lib/child-process.js';
import type { Fmp4Sink } from '../lib/mp4/box-splitter.js';
import { MediaReader } from './fragmenter/media-reader.js';
import { ProgressParser, type FfmpegProgress } from './progress.js';
import type { Redactor } from '../lib/redact.js';
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
  /** FFmpeg prints its input URL (with credentials) on errors: the stderr tail is kept redacted. */
  redactor: Redactor;
  args: string[];
  events: FfmpegProcessEvents;
  /** Where the PID is recorded while the process lives (the supervisor's pid registry). */
  records?: ChildRecords;
  /** Stored with the PID record (the stream key). */
  label?: string;
  /** FFmpeg reads its input from stdin (`write`): a variant encoding another key's media. */
  stdin?: boolean;
}

export class FfmpegProcess {
  readonly pid: number;
  readonly stderr: StderrRing;
  private readonly child: ChildProcess;
  private readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | null = null;
  private mediaError: string | null = null;

  constructor(opts: SpawnOptions) {
    const { events } = opts;
    this.stderr = new StderrRing(opts.redactor, 100);
    const splitter = new MediaReader({
      init: (seg) => events.init(seg),
      fragment: (frag) => events.fragment(frag),
    });
    const progress = new ProgressParser((p) => events.progress(p));
    this.child = spawnChild({
      file: opts.ffmpegPath,
      args: opts.args,
      extraFds: 1, // fd 3: -progress
      stdin: opts.stdin ? 'pipe' : 'ignore',
      records: opts.records,
      label: opts.label,
      onStdout: (chunk) => {
        events.bytes(chunk.length);
        if (this.mediaError) return; // keep draining, but stop parsing a broken stream
        try {
          splitter.push(chunk);
        } catch (err) {
          this.mediaError = (err as Error).message;
          this.kill('SIGKILL');
        }
      },
      onStderr: (chunk) => this.stderr.push(chunk),
      onFd: (_fd, chunk) => progress.push(chunk),
    });
    this.pid = this.child.pid;

    this.exited = this.child.exited.then((exit) => {
      // Spawn failure (e.g. ffmpeg not installed): surface it like a stderr line.
      if (exit.spawnError) this.stderr.push(exit.spawnError);
      const info: ExitInfo = {
        code: exit.code,
        signal: exit.signal,
        stderrTail: this.stderr.tail(20),
        mediaError: this.mediaError,
      };
      this.exitInfo = info;
      events.exit(info);
      return info;
    });
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /**
   * Input bytes (with `stdin`). Resolves once the pipe takes more: the caller's hub reader waits on
   * it, so a slow encoder makes its reader skip to the next keyframe, never the hub wait.
   */
  write(chunk: Buffer): Promise<void> | void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || this.exitInfo) return;
    if (stdin.write(chunk)) return;
    return new Promise((resolve) => {
      stdin.once('drain', resolve);
      stdin.once('close', resolve);
    });
  }

  /** Signals the whole process group; ignores "no such process" (already gone). */
  kill(signal: NodeJS.Signals): void {
    if (this.exitInfo) return;
    this.child.signal(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves only once the exit is confirmed. */
  async stop(graceMs = 2000): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    await this.child.stop(graceMs);
    return this.exited;
  }

  wait(): Promise<ExitInfo> {
    return this.exited;
  }
}
