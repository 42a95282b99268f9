/**
 * Config reload by diff: changing one camera's URL restarts only that key (other viewers never
 * notice), and an invalid file is rejected with its errors while the old config keeps serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { loadConfig } from '../../addon/src/config/index.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { StreamStateEvent } from '../../addon/src/contracts/stream-state.js';
import { createLogger } from '../../addon/src/lib/log.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { rawConfigFor, tempDir } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

/** Editors save by writing a temp file and renaming it over the old one; do the same. */
function writeAtomically(file: string, text: string) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

describe('config reload', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let file: string;
  const events: StreamStateEvent[] = [];
  const logLines: string[] = [];
  const k1 = streamKey('cam1', 'sub');
  const k2 = streamKey('cam2', 'sub');

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['cam1', 'cam2', 'cam3'] });
    const dir = tempDir();
    file = join(dir, 'cameras.yaml');
    writeFileSync(
      file,
      stringify(rawConfigFor(cam, { names: ['cam1', 'cam2'], dataDir: join(dir, 'data') })),
    );
    const loaded = await loadConfig(file);
    assert.ok(loaded.ok);
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => logLines.push(...d.toString().split('\n').filter(Boolean)));
    app = await startLookout({
      config: loaded.config,
      log: createLogger({ pretty: false, destination: sink }),
      reloadConfig: async () => {
        const r = await loadConfig(file);
        return r.ok ? { ok: true, config: r.config } : { ok: false, issues: r.errors };
      },
      watchFile: file,
      listen: { port: 0, host: '127.0.0.1' },
    });
    app.supervisor.on('state', (e) => events.push(e));
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
  });

  test('changing one camera URL restarts only that key', async () => {
    app.supervisor.acquireLease(k1, { kind: 'viewer' });
    app.supervisor.acquireLease(k2, { kind: 'viewer' });
    await waitFor(() => [k1, k2].every((k) => app.supervisor.status(k).state === 'live'), 6000, 'both live');
    const pid1 = app.supervisor.status(k1).pid;
    const pid2 = app.supervisor.status(k2).pid;
    const mark = events.length;
    const bytes1 = app.supervisor.status(k1).progress.bytes;

    const raw = rawConfigFor(cam, { names: ['cam1', 'cam2'] }) as ReturnType<typeof rawConfigFor>;
    const cams = raw.cameras as Array<{ profiles: { sub: { url: string } } }>;
    cams[1]!.profiles.sub.url = cam.url('cam3', 'sub'); // cam2 now reads cam3's stream
    // Keep the same server section (data dir), so only the camera changes.
    writeAtomically(file, stringify({ ...raw, server: parse(readFileSync(file, 'utf8')).server }));

    await waitFor(
      () => app.supervisor.status(k2).pid !== pid2 && app.supervisor.status(k2).state === 'live',
      8000,
      'cam2/sub restarted and live',
    );
    assert.equal(app.supervisor.status(k1).pid, pid1, 'cam1/sub kept its process');
    assert.equal(app.supervisor.status(k1).state, 'live');
    assert.ok(app.supervisor.status(k1).progress.bytes > bytes1, 'cam1/sub kept streaming');
    const touched = new Set(events.slice(mark).map((e) => e.key));
    assert.deepEqual([...touched], ['cam2/sub'], 'only the changed key saw state changes');
    assert.ok(logLines.some((l) => l.includes('config applied') && l.includes('cam2/sub')));
  });

  test('an invalid file is rejected with its errors; the old config keeps serving', async () => {
    const pid1 = app.supervisor.status(k1).pid;
    const mark = events.length;
    writeAtomically(file, 'server: { port: "eighty" }\ncameras:\n  - id: "Bad Id"\n    vendor: reolnik\n');
    await waitFor(() => logLines.some((l) => l.includes('config reload rejected')), 5000, 'rejection logged');
    const rejection = logLines.find((l) => l.includes('config reload rejected'))!;
    assert.match(rejection, /\/cameras\/0\/vendor/);
    assert.match(rejection, /\/cameras\/0\/id/);
    assert.match(rejection, /\/server\/port/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(app.supervisor.status(k1).pid, pid1);
    assert.equal(app.supervisor.status(k1).state, 'live');
    assert.equal(events.length, mark, 'nothing restarted');
    const res = await fetch(`${app.url}/api/cameras`);
    assert.equal(((await res.json()) as { cameras: unknown[] }).cameras.length, 2);
  });
});
