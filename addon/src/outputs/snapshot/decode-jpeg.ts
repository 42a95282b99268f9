/**
 * One JPEG from an fMP4 init segment plus a keyframe fragment: FFmpeg reads them from stdin and writes
 * one MJPEG frame to stdout. Process rules (FIELD-NOTES #1, #2): own process group, every pipe drained,
 * a hard timeout that kills the group, exit always awaited before we answer.
 */
import { spawn } from 'node:child_process';
import { FMP4_FROM_STDIN } from '../../lib/ffmpeg-input.js';

export interface DecodeOptions {
  ffmpegPath?: string;
  timeoutMs?: number;
}

export async function decodeJpeg(init: Buffer, keyframe: Buffer, opts: DecodeOptions = {}): Promise<Buffer> {
  const args = [
    ...FMP4_FROM_STDIN,
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-f',
    'image2',
    '-c:v',
    'mjpeg',
    // Quality 3 of 2-31: a sharp picture at a few tens of KiB for a sub stream.
    '-q:v',
    '3',
    'pipe:1',
  ];
  const child = spawn(opts.ffmpegPath ?? 'ffmpeg', args, {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  const out: Buffer[] = [];
  const err: string[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => {
    if (err.length < 20) err.push(d.toString());
  });
  // FFmpeg may exit before reading all of stdin (it has its frame): EPIPE is expected, not an error.
  child.stdin.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>(
    (resolve) => {
      child.once('error', (e) => resolve({ code: null, signal: null, spawnError: e }));
      // 'close' fires after exit and after stdout/stderr are drained.
      child.once('close', (code, signal) => resolve({ code, signal }));
    },
  );
  const timer = setTimeout(() => killGroup(child.pid), opts.timeoutMs ?? 5000);
  child.stdin.end(Buffer.concat([init, keyframe]));
  const res = await exited;
  clearTimeout(timer);
  if (res.spawnError) throw new Error(`ffmpeg could not start: ${res.spawnError.message}`);
  const jpeg = Buffer.concat(out);
  if (res.code !== 0 || jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
    const why = res.signal ? `killed (${res.signal}, timeout)` : `exit ${res.code}`;
    throw new Error(
      `snapshot decode failed: ffmpeg ${why}: ${err.join('').trim().slice(-300) || 'no output'}`,
    );
  }
  return jpeg;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
