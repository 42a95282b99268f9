/** The shipped examples are documentation, so they are tested like code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { explainConfig } from './explain.js';
import { formatIssues } from './errors.js';
import { loadConfig, parseConfigText } from './load.js';

const EXAMPLES = fileURLToPath(new URL('../../../config/examples/', import.meta.url));
const ENV = {
  FRONT_DOOR_PASSWORD: 'fr0nt-d00r)#pw',
  NURSERY_PASSWORD: 'nursery-pw',
  SHED_PASSWORD: 'shed-pw',
};
const CONFIGS = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') && !f.startsWith('secrets.'));

test('the examples folder holds the expected configs, none named config.yaml', () => {
  assert.deepEqual(CONFIGS.sort(), ['invalid-many-errors.yaml', 'minimal.yaml', 'multi-vendor.yaml']);
});

for (const file of CONFIGS.filter((f) => !f.startsWith('invalid'))) {
  test(`example ${file} loads`, async () => {
    const r = await loadConfig(EXAMPLES + file, { env: ENV });
    assert.ok(r.ok, r.ok ? '' : formatIssues(r.errors, file));
  });
}

test('multi-vendor example: brands, secrets and the cascade as documented in its comments', async () => {
  const r = await loadConfig(EXAMPLES + 'multi-vendor.yaml', { env: ENV });
  assert.ok(r.ok);
  const cams = new Map(r.config.cameras.map((c) => [c.id, c]));
  assert.ok(new Set(r.config.cameras.map((c) => c.vendor)).size >= 4);
  assert.equal(cams.get('garage')!.credentials!.password, 'g@rage:pa#ss/100%');
  assert.equal(
    decodeURIComponent(new URL(cams.get('garage')!.profiles.main!.sourceUrl).password),
    'g@rage:pa#ss/100%',
  );
  assert.equal(
    cams.get('driveway')!.profiles.main!.displayUrl,
    'rtsp://192.168.1.22:10554/Streaming/Channels/101',
  );
  assert.equal(cams.get('backyard')!.profiles.main!.displayUrl, 'rtsp://192.168.1.5:7447/aBcDeF1234567890');
  assert.equal(cams.get('front_door')!.onvif!.port, 8000);
  assert.equal(cams.get('garage')!.profiles.sub!.alwaysOn, false);
  assert.equal(cams.get('nursery')!.profiles.sub!.transcode!.fps, 15);
  assert.equal(r.config.server.dataDir, `${EXAMPLES}.lookout`);
  for (const s of ['fr0nt-d00r)#pw', 'g@rage:pa#ss/100%', 'hik)vision 2024', 'nursery-pw']) {
    assert.ok(r.config.secrets.includes(s), s);
  }
  const text = explainConfig(r);
  for (const s of r.config.secrets) assert.ok(!text.includes(s), `explain leaked a secret`);
});

test('invalid-many-errors example reports every problem, each at its path', async () => {
  const r = await loadConfig(EXAMPLES + 'invalid-many-errors.yaml', { env: {} });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(
    r.errors.map((e) => e.path),
    [
      '/server/port',
      '/server/log_level',
      '/secret_file',
      '/defaults/transport',
      '/defaults/stream/part_target',
      '/defaults/stream/backoff/2',
      '/vendors/reolnik',
      '/cameras/0/stream/stall_timeout',
      '/cameras/0/profiles/sub/transcode',
      '/cameras/1/strem',
      '/cameras/1/profiles/main',
      '/cameras/2/id',
      '/cameras/2/profiles/main/url',
      '/cameras/3/host',
      '/cameras/3/credentials/password',
      '/cameras/3/profiles/main/mode',
      '/cameras/4/id',
      '/cameras/4/vendor',
      '/cameras/4/profiles/main/transport',
      '/cameras/5/credentials/password',
      '/cameras/5/profiles/main/transcode/keyframe_interval',
      '/cameras/5/profiles/main/transcode/width',
      '/cameras/6/profiles',
    ],
  );
  // Each one also says where in the file it is, and the password in the file is never quoted.
  assert.ok(r.errors.every((e) => typeof e.line === 'number'));
  assert.ok(!formatIssues(r.errors).includes('hunter2'));
});

test('the shape shown in config/README.md is a valid config', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../config/README.md', import.meta.url)), 'utf8');
  const block = /## Shape\s+```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a Shape yaml block');
  const r = parseConfigText(block, { env: { FRONT_DOOR_PASSWORD: 'pw' }, secrets: {}, baseDir: '/tmp' });
  assert.ok(r.ok, r.ok ? '' : formatIssues(r.errors, 'config/README.md'));
});
