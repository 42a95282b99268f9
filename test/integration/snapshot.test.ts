/**
 * Snapshots from the hub: a JPEG of the stream's size decoded by FFmpeg, one decode shared by 20
 * concurrent requests, an idle key started with a short snapshot lease (released afterwards), 404/400.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import { SnapshotService } from '../../addon/src/outputs/snapshot/snapshot-service.js';
import { LookoutError } from '../../addon/src/lib/errors.js';
import { rawConfigFor, resolveOrThrow, testLogger, startTestLookout } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

/** Width and height from a baseline/progressive JPEG's SOF marker. */
function jpegSize(buf: Buffer): { width: number; height: number } {
  assert.equal(buf.readUInt16BE(0), 0xffd8, 'JPEG SOI');
  let i = 2;
  while (i + 9 < buf.length) {
    assert.equal(buf[i], 0xff, `marker at ${i}`);
    const marker = buf[i + 1]!;
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3)
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

describe('snapshots', () => {
  let cam: SyntheticCamera;
  let app: Lookout;

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['porch', 'shed'],
      main: { width: 640, height: 360, fps: 15, gop: 15 },
      sub: { width: 320, height: 180, fps: 15, gop: 15 },
    });
    const config = resolveOrThrow(rawConfigFor(cam));
    app = await startTestLookout(config);
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
  });

  const snap = async (path: string) => {
    const res = await fetch(`${app.url}${path}`);
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  };

  test('idle key: a short snapshot lease starts it, the JPEG has the stream size, the lease goes', async () => {
    const key = streamKey('porch', 'sub');
    assert.equal(app.supervisor.status(key).state, 'idle');
    const t0 = Date.now();
    const { res, body } = await snap('/api/cameras/porch/snapshot');
    assert.equal(res.status, 200, body.toString());
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(jpegSize(body), { width: 320, height: 180 });
    console.log(
      `# snapshot of an idle key: ${Date.now() - t0} ms total, decode ${res.headers.get('x-lookout-decode-ms')} ms, ${body.length} bytes`,
    );
    assert.equal(app.supervisor.status(key).leases.length, 0, 'snapshot lease released');
    // Nobody else holds a lease: the key goes back to idle after its idle timeout.
    await waitFor(() => app.supervisor.status(key).state === 'idle', 8000, 'back to idle');
  });

  test('20 concurrent requests share one decode; main profile has the main size', async () => {
    const key = streamKey('shed', 'main');
    const { lease } = app.supervisor.acquireLease(key, { kind: 'api', holder: 'test' });
    try {
      await waitFor(() => app.supervisor.status(key).state === 'live', 10_000, 'shed/main live');
      const t0 = Date.now();
      const all = await Promise.all(
        Array.from({ length: 20 }, () => snap('/api/cameras/shed/snapshot?profile=main')),
      );
      const elapsed = Date.now() - t0;
      const ids = new Set(all.map((r) => r.res.headers.get('x-lookout-decode-id')));
      for (const r of all) assert.equal(r.res.status, 200);
      assert.equal(ids.size, 1, `one decode for 20 requests, got decode ids ${[...ids].join(',')}`);
      assert.ok(
        all.every((r) => r.body.equals(all[0]!.body)),
        'same picture for everyone',
      );
      assert.deepEqual(jpegSize(all[0]!.body), { width: 640, height: 360 });
      console.log(
        `# snapshot, warm key, 20 concurrent: ${elapsed} ms for all, decode ${all[0]!.res.headers.get('x-lookout-decode-ms')} ms`,
      );
      // After the cache time, a new request decodes again (a newer keyframe).
      await new Promise((r) => setTimeout(r, 1600));
      const later = await snap('/api/cameras/shed/snapshot?profile=main');
      assert.equal(later.res.status, 200);
      assert.notEqual(later.res.headers.get('x-lookout-decode-id'), [...ids][0]);
    } finally {
      app.supervisor.releaseLease(lease.id);
    }
  });

  test('unknown camera 404, bad profile 400', async () => {
    const missing = await snap('/api/cameras/nope/snapshot');
    assert.equal(missing.res.status, 404);
    assert.match(
      (JSON.parse(missing.body.toString()) as { error: { message: string } }).error.message,
      /camera "nope" not found/,
    );
    const bad = await snap('/api/cameras/porch/snapshot?profile=fisheye');
    assert.equal(bad.res.status, 400);
    assert.match(bad.body.toString(), /profile must be main or sub/);
  });

  test('camera down: 503 with the reason within the bound, and the snapshot lease is released', async () => {
    await cam.stop('porch');
    const svc = new SnapshotService({ supervisor: app.supervisor, log: testLogger(), waitMs: 2000 });
    const key = streamKey('porch', 'main');
    const t0 = Date.now();
    await assert.rejects(svc.get(key), (err: unknown) => {
      assert.ok(err instanceof LookoutError);
      assert.equal(err.status, 503);
      assert.match(err.message, /no keyframe from porch\/main within 2s \(stream \w+: /);
      return true;
    });
    assert.ok(Date.now() - t0 < 4000, 'bounded wait');
    assert.equal(app.supervisor.status(key).leases.length, 0);
    assert.equal(svc.decodes, 0);
    await svc.close();
  });
});
