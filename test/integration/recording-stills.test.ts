/**
 * Periodic stills (timelapse): one JPEG per interval from the shared snapshot service, listed and
 * served by the API with opaque ids, and deleted by retention.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { FAST_STREAM, resolveOrThrow, tempDir, startTestLookout, cameraProfiles } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

describe('periodic stills', { timeout: 60_000 }, () => {
  let cam: SyntheticCamera;
  let app: Lookout;

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['drive'],
      sub: { width: 320, height: 180, fps: 10, gop: 10 },
    });
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      recording: { root: tempDir('lookout-stills-') },
      cameras: [
        {
          id: 'drive',
          vendor: 'generic',
          profiles: cameraProfiles(cam, 'drive'),
          recording: { stills: { interval: '1500ms', retention: '1d' } },
        },
      ],
    });
    app = await startTestLookout(config, { tls: false, mqtt: false });
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
  });

  test('stills are taken on schedule, listed, served as JPEG, and pruned by retention', async () => {
    type List = { stills: Array<{ id: string; camera: string; at: string; size: number }> };
    let list: List = { stills: [] };
    await waitFor(() => (app.recordings.stillsTaker('drive')?.taken ?? 0) >= 2, 15_000, 'two stills');
    list = (await (await fetch(`${app.url}/api/recordings/stills?camera=drive`)).json()) as List;
    assert.ok(list.stills.length >= 2, JSON.stringify(list));
    const first = list.stills[0]!;
    assert.match(first.id, /^drive\.\d{13}$/);
    assert.ok(Date.parse(list.stills[1]!.at) > Date.parse(first.at), 'ordered, distinct capture times');
    const res = await fetch(`${app.url}/api/recordings/stills/${first.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    const jpeg = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8], 'JPEG start-of-image');
    assert.equal(jpeg.length, first.size);

    assert.equal((await fetch(`${app.url}/api/recordings/stills/..%2F..%2Fetc%2Fpasswd`)).status, 400);
    assert.equal((await fetch(`${app.url}/api/recordings/stills/drive.0000000000001`)).status, 404);

    // Retention 1 d: two days from now, every still is old enough to go.
    await app.recordings.applyRetention(Date.now() + 2 * 86_400_000);
    const pruned = (await (await fetch(`${app.url}/api/recordings/stills?camera=drive`)).json()) as List;
    assert.ok(
      pruned.stills.every((s) => Date.parse(s.at) > Date.now() - 5000),
      'old stills deleted',
    );
  });
});
