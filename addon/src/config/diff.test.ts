import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedConfig } from '../contracts/config.js';
import { diffConfig, sliceChanged } from './diff.js';
import { resolveConfig } from './resolve.js';

function build(cameras: unknown[], server: Record<string, unknown> = {}): ResolvedConfig {
  const r = resolveConfig({ server, cameras }, { env: {}, baseDir: '/x' });
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.config;
}

const front = (extra: Record<string, unknown> = {}) => ({
  id: 'front',
  vendor: 'reolink',
  host: '10.0.0.1',
  profiles: { main: {}, sub: {} },
  ...extra,
});
const back = { id: 'back', profiles: { main: { url: 'rtsp://10.0.0.2/s' } } };

test('identical configs: everything unchanged', () => {
  const d = diffConfig(build([front(), back]), build([front(), back]));
  assert.deepEqual(d, {
    serverChanged: false,
    cameras: { added: [], removed: [], changed: [], unchanged: ['front', 'back'] },
    streams: { added: [], removed: [], changed: [], unchanged: ['front/main', 'front/sub', 'back/main'] },
  });
});

test('a changed URL changes that stream key only', () => {
  const d = diffConfig(
    build([front(), back]),
    build([front({ profiles: { main: {}, sub: { path: '/h264Preview_01_ext' } } }), back]),
  );
  assert.deepEqual(d.streams, {
    added: [],
    removed: [],
    changed: ['front/sub'],
    unchanged: ['front/main', 'back/main'],
  });
  assert.deepEqual(d.cameras.changed, ['front']);
});

test('renaming a camera changes the camera but no stream key', () => {
  const d = diffConfig(build([front(), back]), build([front({ name: 'Front door' }), back]));
  assert.deepEqual(d.cameras.changed, ['front']);
  assert.deepEqual(d.streams.changed, []);
  assert.equal(d.streams.unchanged.length, 3);
});

test('tuning inherited from defaults counts: a global change changes every key', () => {
  const a = resolveConfig({ cameras: [front(), back] }, { env: {} });
  const b = resolveConfig(
    { defaults: { stream: { idle_timeout: '1m' } }, cameras: [front(), back] },
    { env: {} },
  );
  assert.ok(a.ok && b.ok);
  assert.deepEqual(diffConfig(a.config, b.config).streams.changed, ['front/main', 'front/sub', 'back/main']);
});

test('added, removed, a dropped profile, and a disabled camera', () => {
  const d = diffConfig(
    build([front(), back]),
    build([
      front({ profiles: { main: {} } }),
      { ...back, enabled: false },
      { id: 'new', profiles: { main: { url: 'rtsp://10.0.0.3/s' } } },
    ]),
  );
  assert.deepEqual(d.cameras, { added: ['new'], removed: [], changed: ['front', 'back'], unchanged: [] });
  assert.deepEqual(d.streams, {
    added: ['new/main'],
    removed: ['front/sub', 'back/main'],
    changed: [],
    unchanged: ['front/main'],
  });
});

test('server slice', () => {
  const a = build([back]);
  assert.equal(diffConfig(a, build([back], { port: 9090 })).serverChanged, true);
  assert.equal(
    sliceChanged(a, build([back], { port: 9090 }), (c) => c.cameras),
    false,
  );
});
