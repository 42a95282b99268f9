/**
 * One JPEG from an fMP4 init segment plus a keyframe fragment: FFmpeg reads them from stdin and writes
 * one MJPEG frame to stdout. Through lib/child-process.ts (FIELD-NOTES #1, #2): own process group, every
 * pipe drained, a hard timeout that kills the group, exit always awaited before we answer.
 */
import { describeExit, runChild } from '../../lib/child-process.js';
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
  // FFmpeg may exit before reading all of stdin (it has its frame): EPIPE is expected, not an error.
  const res = await runChild({
    file: opts.ffmpegPath ?? 'ffmpeg',
    args,
    input: Buffer.concat([init, keyframe]),
    timeoutMs: opts.timeoutMs ?? 5000,
  });
  if (res.spawnError) throw new Error(`ffmpeg could not start: ${res.spawnError}`);
  const jpeg = res.stdout;
  if (res.code !== 0 || jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
    throw new Error(
      `snapshot decode failed: ffmpeg ${describeExit(res)}: ${res.stderrTail.trim().slice(-300) || 'no output'}`,
    );
  }
  return jpeg;
}
