/**
 * A full disk mid-clip (a tiny tmpfs as the recording root): the write error is reported in the
 * recorder state and the metrics, the file written so far is repaired and indexed (never listed
 * corrupt), and the live stream keeps running. Needs `mount -t tmpfs` (root); skipped otherwise.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { FAST_STREAM, resolveOrThrow, tempDir, startTestLookout, cameraProfiles } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

const root = mkdtempSync(join(tmpdir(), 'lookout-full-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=192k', 'tmpfs', root]).status === 0;

describe('recording on a full disk', { skip: mounted ? false : 'cannot mount a tmpfs here' }, () => {
  let cam: SyntheticCamera;
  let app: Lookout;

  before(async () => {
    const profile = { width: 640, height: 360, fps: 10, gop: 10 };
    cam = await SyntheticCamera.start({ names: ['porch'], main: profile, sub: profile });
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      recording: { root, mode: 'manual', profile: 'sub', min_free_bytes: 0 },
      cameras: [
        {
          id: 'porch',
          vendor: 'generic',
          profiles: cameraProfiles(cam, 'porch'),
        },
      ],
    });
    app = await startTestLookout(config, { tls: false });
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
    if (mounted) spawnSync('umount', [root]);
    rmdirSync(root);
  });

  test('ENOSPC: reported, the partial file is repaired and listed, live keeps going', async () => {
    const rec = app.recordings.recorder('porch');
    rec.startManual();
    await waitFor(() => rec.state().counters.writeErrors > 0, 60_000, 'the disk to fill', 100);
    assert.match(rec.state().error ?? '', /ENOSPC/);
    await waitFor(
      () => app.recordings.list({ camera: 'porch' }).length > 0,
      20_000,
      'the salvaged file',
      100,
    );
    const [entry] = app.recordings.list({ camera: 'porch' });
    assert.ok(entry && entry.repaired && entry.durationS > 1, JSON.stringify(entry));
    const path = app.recordings.get(entry.id).path;
    const check = spawnSync(
      'ffmpeg',
      ['-v', 'error', '-i', path, '-enc_time_base', '-1', '-f', 'null', '-'],
      { encoding: 'utf8' },
    );
    assert.equal(check.stderr, '');
    console.log(
      `# recording full disk: salvaged ${entry.durationS}s (${entry.size} bytes) of a 192 KiB tmpfs`,
    );
    const hub = app.supervisor.hub({ camera: 'porch', profile: 'sub' });
    const n = hub.status().counters.fragmentsIn;
    await waitFor(() => hub.status().counters.fragmentsIn > n + 10, 10_000, 'live fragments', 100);
    await rec.stopManual();
  });
});
