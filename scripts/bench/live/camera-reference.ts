/**
 * bench:scale's reference reader: one FFmpeg copying the relay's stream to fMP4 into this (mostly idle)
 * bench process, with the same lateness measure as Lookout's hub readers (arrival − decode time, minus
 * the best). What it reports late was late before Lookout: the camera side (the encode falling behind,
 * the relay) or the machine, not Lookout's fan-out.
 */
import { Fmp4BoxSplitter, parseFragment, parseInitSegment } from '../../../addon/src/lib/mp4/index.js';
import { spawnChild } from '../../../addon/src/lib/child-process.js';

export interface CameraReference {
  pid: number;
  /** Starts a new lateness window. */
  reset(): void;
  lateness(): { n: number; p50: number | null; p99: number | null; max: number | null };
  stop(): Promise<void>;
}

export function cameraReference(url: string): CameraReference {
  let init: ReturnType<typeof parseInitSegment> | null = null;
  let best = Infinity;
  let late: number[] = [];
  const splitter = new Fmp4BoxSplitter({
    init: (b) => (init = parseInitSegment(b)),
    fragment: (f) => {
      if (!init) return;
      const d = Date.now() - parseFragment(f, init).decodeTimeS * 1000;
      best = Math.min(best, d);
      late.push(d - best);
    },
  });
  // The same input and output flags as the supervisor's copy mode, in essence.
  const child = spawnChild({
    file: 'ffmpeg',
    label: 'camera reference',
    args: [
      '-hide_banner',
      '-loglevel',
      'error',
      '-rtsp_transport',
      'tcp',
      '-i',
      url,
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-f',
      'mp4',
      '-movflags',
      'frag_keyframe+empty_moov+default_base_moof',
      '-frag_duration',
      '200000',
      'pipe:1',
    ],
    onStdout: (c) => splitter.push(c),
  });
  return {
    pid: child.pid,
    reset: () => (late = []),
    lateness: () => {
      const xs = [...late].sort((a, b) => a - b);
      const q = (p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : null);
      return { n: xs.length, p50: q(0.5), p99: q(0.99), max: xs.length ? xs[xs.length - 1]! : null };
    },
    stop: async () => {
      await child.stop();
    },
  };
}
