/**
 * Parses FFmpeg's `-progress` output: blocks of `key=value` lines ending with `progress=continue`
 * (or `progress=end`). Used for frames, fps and speed in status; stall detection itself uses the
 * media bytes on stdout, which is the ground truth.
 */
export interface FfmpegProgress {
  frames: number;
  fps: number;
  speed: number;
  totalSize: number;
  outTimeUs: number;
}

export class ProgressParser {
  private partial = '';
  private current: Partial<Record<string, string>> = {};

  constructor(private readonly onBlock: (p: FfmpegProgress) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 4096) this.partial = '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      this.current[key] = value;
      if (key === 'progress') {
        this.onBlock(toProgress(this.current));
        this.current = {};
      }
    }
  }
}

function num(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number.parseFloat(v.replace(/x$/, ''));
  return Number.isFinite(n) ? n : 0;
}

function toProgress(kv: Partial<Record<string, string>>): FfmpegProgress {
  return {
    frames: num(kv.frame),
    fps: num(kv.fps),
    speed: num(kv.speed),
    totalSize: num(kv.total_size),
    outTimeUs: num(kv.out_time_us ?? kv.out_time_ms),
  };
}
