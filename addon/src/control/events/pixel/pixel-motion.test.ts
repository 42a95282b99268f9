// Pixel motion on a real stream: synthetic camera (static scene unless motion is on) → supervisor
// FFmpeg → hub → our decoder. The clock text and the timestamp band change every frame: masked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../../demo/synthetic-camera.js';
import { CLOCK_TEXT_REGION, TIMESTAMP_BAND_REGION } from '../../../demo/timestamp-code.js';
import { streamKey } from '../../../contracts/stream-key.js';
import type { Supervisor } from '../../../supervisor/supervisor.js';
import { rawConfigFor, resolveOrThrow, startSupervisor } from '../../../../../test/helpers/setup.js';
import type { MotionEvent } from '../../../contracts/events.js';
import { silentLogger } from '../../../lib/log.js';
import { CameraControl } from '../../camera-control.js';
import { PixelMotionDetector } from './pixel-motion.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pixel motion', () => {
  let cam: SyntheticCamera;
  let sup: Supervisor;

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['yard'],
      motion: false,
      main: { width: 320, height: 180, fps: 10, gop: 10 },
      sub: { width: 320, height: 180, fps: 10, gop: 10 },
    });
    sup = await startSupervisor(resolveOrThrow(rawConfigFor(cam)));
  });

  after(async () => {
    await sup?.stop();
    await cam?.close();
  });

  test('static scene: no motion; moving object: motion within seconds; stops when it stops', async (t) => {
    const changes: Array<{ active: boolean; at: number }> = [];
    const errors: string[] = [];
    const det = new PixelMotionDetector({
      key: streamKey('yard', 'sub'),
      host: sup,
      fps: 4,
      masks: [TIMESTAMP_BAND_REGION, CLOCK_TEXT_REGION],
      onMotion: (active) => changes.push({ active, at: Date.now() }),
      onError: (m) => errors.push(m),
    });
    det.start();
    try {
      const until = async (what: string, cond: () => boolean, ms: number) => {
        const t0 = Date.now();
        while (!cond()) {
          if (Date.now() - t0 > ms)
            throw new Error(
              `timed out waiting for ${what} (frames ${det.frames}, errors ${errors.join('; ')})`,
            );
          await sleep(50);
        }
      };
      await until('frames', () => det.frames >= 8, 20_000);
      assert.equal(changes.length, 0, 'a static scene is not motion');
      assert.equal(sup.status(streamKey('yard', 'sub')).leases.length, 1, 'holds a motion lease');

      const on = Date.now();
      await cam.setMotion(true);
      await until('motion', () => changes.some((c) => c.active), 10_000);
      const onLatency = (changes[0]?.at ?? 0) - on;
      const off = Date.now();
      await cam.setMotion(false);
      await until('idle', () => changes.at(-1)?.active === false, 10_000);
      t.diagnostic(
        `pixel motion: on after ${onLatency} ms, off after ${(changes.at(-1)?.at ?? 0) - off} ms, ${det.frames} frames`,
      );
    } finally {
      await det.stop();
    }
    assert.equal(sup.status(streamKey('yard', 'sub')).leases.length, 0, 'lease released');
  });

  test('CameraControl: a camera without ONVIF events gets pixel motion as MotionEvents (source pixel)', async (t) => {
    const control = new CameraControl({
      cameras: sup,
      log: silentLogger(),
      offDelayMs: 300,
      pixelMotion: {
        host: sup,
        recordsOnMotion: (c) => c.id === 'yard',
        masks: [TIMESTAMP_BAND_REGION, CLOCK_TEXT_REGION],
        fps: 4,
      },
    });
    const events: MotionEvent[] = [];
    control.on('motion', (ev) => events.push(ev));
    control.start();
    t.after(() => control.stop());
    const until = async (what: string, cond: () => boolean, ms: number) => {
      const t0 = Date.now();
      while (!cond()) {
        if (Date.now() - t0 > ms)
          throw new Error(`timed out waiting for ${what}: ${JSON.stringify(control.events())}`);
        await sleep(50);
      }
    };
    await until('idle', () => control.events().states[0]?.state === 'idle', 20_000);
    await cam.setMotion(true);
    await until('motion', () => events.some((e) => e.active), 10_000);
    assert.equal(events[0]?.source, 'pixel');
    assert.equal(events[0]?.kind, 'motion');
    await cam.setMotion(false);
    await until('motion over', () => events.at(-1)?.active === false, 10_000);
    await control.stop();
    assert.equal(sup.status(streamKey('yard', 'sub')).leases.length, 0, 'lease released on stop');
  });
});
