/**
 * A JPEG of a recording's first keyframe, made once by FFmpeg and cached beside the file
 * (`<name>.jpg`, deleted with it). FFmpeg runs in its own process group, its pipes are drained,
 * its exit is awaited, and it is killed (group) after a timeout.
 */
import { spawn } from 'node:child_process';
import { readFile, rename, unlink } from 'node:fs/promises';

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
      await runFfmpeg(
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
      );
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

function runFfmpeg(bin: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 2000) err += d.toString();
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `ffmpeg thumbnail failed (${signal ?? code}): ${err.trim().split('\n').slice(-2).join(' ')}`,
          ),
        );
    });
  });
}
