/**
 * Which container FFmpeg writes for a copy (supervisor/container-memory.ts), against a real RTSP
 * camera (GStreamer) and real FFmpeg: an unknown camera's first start goes to FFmpeg's mp4 muxer
 * (no refused FLV attempt for an H.265 camera), its init segment teaches what it sends, and every
 * later start of an H.264 camera, also by a new supervisor on the same data dir, writes FLV for our
 * fragmenter. The container is read from the FFmpeg process's own command line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { rawConfigFor, resolveOrThrow, startSupervisor, tempDir } from '../helpers/setup.js';
import { processesMatching, waitFor, zombieChildren } from '../helpers/processes.js';

/** The `-f` FFmpeg's output was given (the last one on its command line: the output side). */
function outputFormat(pid: number): string {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const at = argv.lastIndexOf('-f');
  return at >= 0 ? argv[at + 1]! : '';
}

describe('video container memory', () => {
  let cam: SyntheticCamera;
  const dataDir = tempDir('lookout-containers-');
  const sups: Supervisor[] = [];

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['door'],
      main: { width: 640, height: 360, fps: 15, gop: 15 },
      sub: { width: 320, height: 180, fps: 15, gop: 15 },
    });
  });

  after(async () => {
    for (const s of sups) await s.stop();
    await cam?.close();
    assert.deepEqual(processesMatching(`127.0.0.1:${cam.port}/`), [], 'no ffmpeg left behind');
    assert.deepEqual(zombieChildren(), [], 'no zombies');
  });

  async function liveFormat(sup: Supervisor): Promise<string> {
    const key = streamKey('door', 'sub');
    const { lease } = sup.acquireLease(key, { kind: 'viewer' });
    await waitFor(
      () => sup.status(key).state === 'live' && sup.status(key).media.codecs !== null,
      8000,
      'live with its init segment',
    );
    const format = outputFormat(sup.status(key).pid!);
    sup.releaseLease(lease.id);
    await waitFor(() => sup.status(key).state === 'idle', 5000, 'idle after release');
    return format;
  }

  test('first start: mp4; the init shows H.264; later starts and a new supervisor: FLV', async () => {
    const sup = await startSupervisor(resolveOrThrow(rawConfigFor(cam, { dataDir })));
    sups.push(sup);
    assert.equal(await liveFormat(sup), 'mp4', 'an unknown camera starts on the mp4 muxer');
    const file = join(dataDir, 'state', 'video-containers.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { 'door/sub': 'flv' });
    assert.equal(await liveFormat(sup), 'flv', 'the same supervisor, next start');
    await sup.stop();
    sups.pop();

    const again = await startSupervisor(resolveOrThrow(rawConfigFor(cam, { dataDir })));
    sups.push(again);
    assert.equal(await liveFormat(again), 'flv', 'a new supervisor on the same data dir');
    assert.equal(again.status(streamKey('door', 'sub')).counters.spawns, 1, 'no refused attempt');
  });
});
