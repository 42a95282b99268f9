/**
 * The supervisor's reload goes through its declared slice (STREAMS_SLICE, config/diff.ts): a field in
 * a stream's resolved profile, even one that does not exist yet, restarts that key and no other.
 * No lease is taken, so no FFmpeg runs: this is the diff, not the process lifecycle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../config/index.js';
import type { ResolvedConfig } from '../contracts/config.js';
import { silentLogger } from '../lib/log.js';
import { STREAMS_SLICE, Supervisor } from './supervisor.js';

function build(): ResolvedConfig {
  const r = resolveConfig(
    {
      cameras: [
        {
          id: 'front',
          profiles: { main: { url: 'rtsp://127.0.0.1:9/front' }, sub: { url: 'rtsp://127.0.0.1:9/fs' } },
        },
        { id: 'back', profiles: { main: { url: 'rtsp://127.0.0.1:9/back' } } },
      ],
    },
    { env: {}, baseDir: '/x' },
  );
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.config;
}

/** The config with a new field in one profile (as a future contract would add it). */
function withFutureField(cfg: ResolvedConfig, camera: string, value: number): ResolvedConfig {
  return {
    ...cfg,
    cameras: cfg.cameras.map((c) =>
      c.id !== camera
        ? c
        : { ...c, profiles: { ...c.profiles, main: { ...c.profiles.main!, futureField: value } as never } },
    ),
  };
}

test('a field added to a stream profile restarts that key on reload, and only that key', async (t) => {
  const sup = new Supervisor({ config: build(), log: silentLogger(), pidFile: null });
  await sup.start();
  t.after(() => sup.stop());
  assert.deepEqual([...STREAMS_SLICE(sup.currentConfig).keys()], ['front/main', 'front/sub', 'back/main']);

  const first = await sup.applyConfig(withFutureField(build(), 'front', 1));
  assert.deepEqual(first, {
    added: [],
    removed: [],
    restarted: ['front/main'],
    unchanged: ['front/sub', 'back/main'],
  });
  const same = await sup.applyConfig(withFutureField(build(), 'front', 1));
  assert.deepEqual(same.restarted, [], 'an equal value restarts nothing');
  const renamed = await sup.applyConfig({
    ...withFutureField(build(), 'front', 1),
    cameras: withFutureField(build(), 'front', 1).cameras.map((c) => ({ ...c, name: `${c.id} camera` })),
  });
  assert.deepEqual(renamed.restarted, [], 'a camera name is not in the streams slice');
  const second = await sup.applyConfig(withFutureField(build(), 'front', 2));
  assert.deepEqual(second.restarted, ['front/main']);
});
