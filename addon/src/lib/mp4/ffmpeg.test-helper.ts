/**
 * TEST-ONLY: runs a real FFmpeg that writes fMP4 the way the supervisor's does, and splits its
 * stdout with the production Fmp4BoxSplitter. Each process gets its own process group (so a kill
 * reaches any children) and is always awaited. Not exported from index.ts; never import it from
 * production code.
 */
import { spawn } from 'node:child_process';
import { Fmp4BoxSplitter, type Fmp4Sink } from './box-splitter.js';

/** The output flags Lookout's supervisor uses: CMAF-style fragments of ~200 ms. */
export const FMP4_OUTPUT = [
  '-movflags',
  'frag_keyframe+empty_moov+default_base_moof',
  '-frag_duration',
  '200000',
];

export interface Fmp4Capture {
  init: Buffer;
  fragments: Buffer[];
}

export interface RunningFfmpeg {
  /** Resolves when the process has exited and stdout is drained; rejects on a non-zero exit. */
  done: Promise<void>;
  /** Kills the whole process group; `done` still settles. */
  kill(): void;
}

/**
 * Starts `ffmpeg <input and codec args> -f <format> <FMP4_OUTPUT> pipe:1`, feeding stdout through the
 * splitter into `sink`. A watchdog kills the group after timeoutMs so a hung test cannot hang CI.
 */
export function runFfmpeg(
  args: readonly string[],
  sink: Fmp4Sink,
  format = 'mp4',
  timeoutMs = 20_000,
): RunningFfmpeg {
  const child = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args, '-f', format, ...FMP4_OUTPUT, 'pipe:1'],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const kill = (): void => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const splitter = new Fmp4BoxSplitter(sink);
  let stderr = '';
  let sinkError: unknown = null;
  child.stdout.on('data', (chunk: Buffer) => {
    if (sinkError) return;
    try {
      splitter.push(chunk);
    } catch (err) {
      sinkError = err;
      kill();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(kill, timeoutMs);
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (sinkError) reject(sinkError);
      else if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
  return { done, kill };
}

/** Runs FFmpeg to completion and returns its init segment and fragments. */
export async function captureFmp4(args: readonly string[], format = 'mp4'): Promise<Fmp4Capture> {
  let init: Buffer | null = null;
  const fragments: Buffer[] = [];
  await runFfmpeg(args, { init: (b) => (init = b), fragment: (f) => fragments.push(f) }, format).done;
  if (!init) throw new Error('ffmpeg wrote no init segment');
  return { init, fragments };
}

/** Memoised capture: several tests share one FFmpeg run per argument list (2-core CI). */
const cache = new Map<string, Promise<Fmp4Capture>>();
export function sharedCapture(args: readonly string[], format = 'mp4'): Promise<Fmp4Capture> {
  const key = `${format} ${args.join(' ')}`;
  let p = cache.get(key);
  if (!p) cache.set(key, (p = captureFmp4(args, format)));
  return p;
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

/** ffprobe's view of an init segment (+ fragments), read from stdin: the independent opinion tests compare to. */
export async function ffprobeStreams(data: Buffer): Promise<ProbedStream[]> {
  const child = spawn('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', '-i', 'pipe:0'], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.on('error', () => {}); // ffprobe may stop reading early: EPIPE is fine
  child.stdin.end(data);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`ffprobe exited with ${code}: ${err.trim()}`);
  return (JSON.parse(out) as { streams: ProbedStream[] }).streams;
}

/** Common lavfi inputs: a moving test picture and a tone, generated as fast as FFmpeg can. */
export const testVideo = (fps: number, seconds: number, size = '320x180'): string[] => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${fps}`,
  '-t',
  String(seconds),
];
export const testAudio = (seconds: number, sampleRate = 48000): string[] => [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:sample_rate=${sampleRate}`,
  '-t',
  String(seconds),
];
export const x264 = (profile: string, gop: number): string[] => [
  '-c:v',
  'libx264',
  '-profile:v',
  profile,
  '-preset',
  'superfast',
  '-tune',
  'zerolatency',
  '-g',
  String(gop),
  '-bf',
  '0',
  '-sc_threshold',
  '0', // no extra keyframes at scene cuts: the GOP is exactly -g
];
