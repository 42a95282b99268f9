/**
 * kill -9 during a clip, for real: a child process runs Lookout and records; the parent SIGKILLs
 * it mid-write (its FFmpeg is left orphaned, as after a real crash), then starts Lookout again on
 * the same data folder. The new instance reaps the orphan (PID records), repairs the partial file
 * (truncate to the last complete moof+mdat, finalise, index) and lists it; it plays without errors
 * and no more than 1 s of what the child had written is lost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { FAST_STREAM, resolveOrThrow, tempDir, testLogger, cameraProfiles } from '../helpers/setup.js';

describe('recording survives kill -9', () => {
  let cam: SyntheticCamera;
  let app: Lookout | undefined;

  before(async () => {
    const profile = { width: 640, height: 360, fps: 10, gop: 10 };
    cam = await SyntheticCamera.start({ names: ['shed'], main: profile, sub: profile });
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
  });

  test('the partial clip is repaired and indexed; loss ≤ 1 s', async () => {
    const dataDir = tempDir();
    const root = join(dataDir, 'recordings');
    const raw = {
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      recording: { root, mode: 'manual', profile: 'sub', segment_length: '5m' },
      cameras: [
        {
          id: 'shed',
          vendor: 'generic',
          profiles: cameraProfiles(cam, 'shed'),
        },
      ],
    };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, '../helpers/recorder-child.ts')],
      {
        detached: true, // own process group
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LOOKOUT_CHILD_CONFIG: JSON.stringify(raw) },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<string>((resolve) =>
      child.on('exit', (code, sig) => resolve(`${sig ?? code}`)),
    );
    let written = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child never recorded 3 s: ${stderr.slice(-500)}`)),
        60_000,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /^PROGRESS ([\d.]+)$/.exec(line);
        if (!m) return;
        written = Number(m[1]);
        if (written >= 3) {
          clearTimeout(timer);
          process.kill(-child.pid!, 'SIGKILL'); // mid-write: no finish, no rename, no sidecar update
          resolve();
        }
      });
    });
    assert.equal(await exited, 'SIGKILL');
    const day = readdirSync(join(root, 'shed'))[0]!;
    assert.ok(
      readdirSync(join(root, 'shed', day)).some((n) => n.endsWith('.mp4.partial')),
      'a partial file was left',
    );

    app = await startLookout({
      config: resolveOrThrow(raw),
      log: testLogger(),
      listen: { port: 0, host: '127.0.0.1' },
      tls: false,
    });
    const list = app.recordings.list({ camera: 'shed' });
    assert.equal(list.length, 1);
    const entry = list[0]!;
    assert.equal(entry.repaired, true);
    assert.ok(!readdirSync(join(root, 'shed', day)).some((n) => n.endsWith('.partial')));
    const path = app.recordings.get(entry.id).path;
    const check = spawnSync(
      'ffmpeg',
      ['-v', 'error', '-i', path, '-enc_time_base', '-1', '-f', 'null', '-'],
      { encoding: 'utf8' },
    );
    assert.equal(check.stderr, '');
    const lost = written - entry.durationS;
    console.log(
      `# recording kill -9: child had written ${written.toFixed(2)}s, recovered ${entry.durationS.toFixed(2)}s (lost ${lost.toFixed(2)}s)`,
    );
    assert.ok(lost <= 1, `lost ${lost}s`);
  });
});
