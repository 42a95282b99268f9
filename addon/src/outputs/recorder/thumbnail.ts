/**
 * A JPEG of a recording's first keyframe, made once by FFmpeg and cached beside the file
 * (`<name>.jpg`, deleted with it). FFmpeg runs through lib/child-process.ts: own process group, pipes
 * drained, exit awaited, killed (group) after a timeout.
 */
import { describeExit, runChild } from '../../lib/child-process.js';
import { chmod, readFile, rename, unlink } from 'node:fs/promises';
import { RECORDING_FILE_MODE } from './layout.js';
import { ffmpegHelpers } from '../../lib/slots.js';

const inflight = new Map<string, Promise<Buffer>>();

export function thumbnail(mp4Path: string, ffmpegPath = 'ffmpeg', timeoutMs = 15_000): Promise<Buffer> {
  return frameJpeg(mp4Path, null, ffmpegPath, timeoutMs);
}

/**
 * The frame `atS` seconds into the file (an event's snapshot: the files start at zero, so this is
 * the event time minus the file's start), cached as `<name>.snap.jpg`; null: the first keyframe.
 */
export function frameJpeg(
  mp4Path: string,
  atS: number | null,
  ffmpegPath = 'ffmpeg',
  timeoutMs = 15_000,
): Promise<Buffer> {
  const jpg = `${mp4Path.slice(0, -4)}${atS === null ? '' : '.snap'}.jpg`;
  const running = inflight.get(jpg);
  if (running) return running;
  const p = readFile(jpg)
    .catch(async () => {
      const tmp = `${jpg}.${process.pid}.tmp`;
      // One FFmpeg per distinct id a client asks for: bounded by the shared helper slots (503 beyond).
      await ffmpegHelpers.run(() =>
        runFfmpeg(
          ffmpegPath,
          [
            '-nostdin',
            '-v',
            'error',
            ...(atS === null ? ['-skip_frame', 'nokey'] : ['-ss', atS.toFixed(3)]),
            '-i',
            mp4Path,
            '-frames:v',
            '1',
            '-q:v',
            '4',
            '-f',
            'image2',
            '-c:v',
            'mjpeg',
            '-y',
            tmp,
          ],
          timeoutMs,
        ),
      );
      // FFmpeg creates it by the umask; a picture of a recording is as private as the recording.
      await chmod(tmp, RECORDING_FILE_MODE).catch(() => undefined);
      await rename(tmp, jpg).catch(async (err: unknown) => {
        await unlink(tmp).catch(() => undefined);
        throw err;
      });
      return readFile(jpg);
    })
    .finally(() => inflight.delete(jpg));
  inflight.set(jpg, p);
  return p;
}

async function runFfmpeg(bin: string, args: string[], timeoutMs: number): Promise<void> {
  const res = await runChild({ file: bin, args, timeoutMs });
  if (res.spawnError) throw new Error(`ffmpeg could not start: ${res.spawnError}`);
  if (res.code !== 0) {
    const last = res.stderrTail.trim().split('\n').slice(-2).join(' ');
    throw new Error(`ffmpeg thumbnail failed (${describeExit(res)}): ${last}`);
  }
}
