/**
 * The FFmpeg half of the backchannel mixer: one `amix` process with a fixed number of input slots,
 * each a raw pipe (fd 3, 4, …) in the camera codec, and the mixed result on stdout in the same
 * codec and rate. The session (session.ts) feeds every slot one frame per 20 ms tick, real audio or
 * codec-correct silence, so amix never waits for an idle input (it stops outright when one input
 * stalls, BACKCHANNEL.md §3). Fixed slots (one per allowed talker) mean a third talker joining or
 * leaving changes nothing here: no restart, no gap for the others.
 *
 *   amix normalize=0   levels kept: a lone voice is not halved while another talker is silent
 *   alimiter level=0   no clipping when two voices add up, and no auto-gain on top
 *   -probesize 32 -analyzeduration 0 per input   first output in ≈60 ms instead of ≈2 s
 *
 * Pipes rather than go2rtc's RTP-over-UDP inputs: no ports to allocate or collide, nothing that a
 * LAN host could inject into, and the process ends with its pipes.
 */
import type { TalkCodec } from '../contracts/talk.js';
import { spawnChild, type ChildExit, type ChildProcess } from '../lib/child-process.js';
import { ffmpegRawFormat, Framer } from './codec.js';

export interface AmixOptions {
  codec: TalkCodec;
  slots: number;
  ffmpegPath?: string;
  /** A mixed frame in the codec's pipe format. */
  onFrame: (frame: Buffer) => void;
  /** The process ended without stop() being called. */
  onExit: (exit: ChildExit) => void;
}

/** Unsent bytes per input above which a frame is dropped (FFmpeg is behind; never build a backlog). */
const MAX_INPUT_BACKLOG_FRAMES = 4;

export function amixArgs(codec: TalkCodec, slots: number): string[] {
  const raw = ffmpegRawFormat(codec);
  const inFormat = codec.name === 'AAC' ? 'aac' : raw.format;
  const inputs: string[] = [];
  for (let i = 0; i < slots; i++) {
    inputs.push('-f', inFormat);
    if (codec.name !== 'AAC') inputs.push('-ar', String(codec.clockRate), '-ac', '1');
    inputs.push('-probesize', '32', '-analyzeduration', '0', '-i', `pipe:${3 + i}`);
  }
  const labels = Array.from({ length: slots }, (_, i) => `[${i}:a]`).join('');
  return [
    ...['-hide_banner', '-nostats', '-nostdin', '-loglevel', 'error'],
    ...['-fflags', 'nobuffer', '-flags', 'low_delay'],
    ...inputs,
    '-filter_complex',
    `${labels}amix=inputs=${slots}:duration=longest:dropout_transition=0:normalize=0,` +
      'alimiter=limit=0.95:attack=2:release=20:level=0',
    ...raw.codec,
    ...['-ar', String(codec.clockRate), '-ac', '1', '-f', raw.format, '-flush_packets', '1', 'pipe:1'],
  ];
}

export class AmixProcess {
  readonly child: ChildProcess;
  /** The first mixed frame came out (until then the session keeps passing the first talker through). */
  producing = false;
  private stopping = false;
  private readonly framer: Framer;

  constructor(private readonly opts: AmixOptions) {
    this.framer = new Framer(opts.codec);
    this.child = spawnChild({
      file: opts.ffmpegPath ?? 'ffmpeg',
      args: amixArgs(opts.codec, opts.slots),
      inputFds: opts.slots,
      label: 'talk-mixer',
      killGraceMs: 1000,
      onStdout: (chunk) => {
        for (const f of this.framer.push(chunk)) {
          this.producing = true;
          opts.onFrame(f);
        }
      },
    });
    void this.child.exited.then((exit) => {
      if (!this.stopping) opts.onExit(exit);
    });
  }

  write(slot: number, frame: Buffer): void {
    const w = this.child.inputs[slot];
    if (!w || w.destroyed || !this.child.running) return;
    if (w.writableLength > frame.length * MAX_INPUT_BACKLOG_FRAMES) return;
    w.write(frame);
  }

  async stop(): Promise<ChildExit> {
    this.stopping = true;
    return this.child.stop(1000);
  }
}
