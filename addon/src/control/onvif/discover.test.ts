// `lookout discover`: one unicast ONVIF device described from its own answers, no password shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOnvifDevice } from '../../../../test/fixtures/onvif-device/index.js';
import { discover, renderDiscovery } from './discover.js';
import { USER } from '../camera-control.test-helper.js';

test('discover reports profiles, stream URIs, PTZ and event topics, and a config block', async (t) => {
  const dev = await startOnvifDevice({ ...USER, rtspUrl: 'rtsp://127.0.0.1:8554/cam' });
  t.after(() => dev.close());
  const r = await discover({ host: '127.0.0.1', port: dev.port, ...USER, timeoutMs: 3000 });
  assert.deepEqual(r.problems, []);
  assert.equal(r.device.manufacturer, 'Mockup Manufacturer');
  assert.equal(r.profiles[0]?.token, 'main');
  assert.equal(r.profiles[0]?.streamUri, 'rtsp://127.0.0.1:8554/cam');
  assert.equal(r.profiles[0]?.width, 1920);
  assert.equal(r.ptz?.continuous, true);
  assert.equal(r.events?.pullPoint, true);
  assert.ok(
    r.events?.topics.some((x) => x.includes('CellMotionDetector/Motion (motion)')),
    JSON.stringify(r.events),
  );
  assert.ok(r.events?.topics.some((x) => x.endsWith('(person)')));
  const out = renderDiscovery(r, USER.username);
  assert.match(out, /capabilities: \{ ptz: true, presets: true, motion_events: true \}/);
  assert.match(out, /main: \{ url: "rtsp:\/\/127\.0\.0\.1:8554\/cam" \}/);
  assert.ok(!out.includes(USER.password));
  assert.equal(dev.callsTo('CreatePullPointSubscription').length, 0, 'discover never subscribes');
});

test('discover with a wrong password says so, without the password', async (t) => {
  const dev = await startOnvifDevice(USER);
  t.after(() => dev.close());
  const r = await discover({
    host: '127.0.0.1',
    port: dev.port,
    username: 'admin',
    password: 'Wr0ng-pass',
    timeoutMs: 3000,
  });
  assert.equal(r.profiles.length, 0);
  assert.match(r.problems.join('\n'), /authentication failed for user "admin"/);
  assert.ok(!renderDiscovery(r).includes('Wr0ng-pass'));
});

test('lookout discover (CLI): password from the environment, report on stdout', async (t) => {
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const dev = await startOnvifDevice(USER);
  t.after(() => dev.close());
  const cli = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
  const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cli, 'discover', '127.0.0.1', '--port', String(dev.port), '--user', USER.username],
      { env: { ...process.env, LOOKOUT_ONVIF_PASSWORD: USER.password }, timeout: 30_000 },
      (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }),
    );
  });
  assert.equal(out.code, 0, out.stdout);
  assert.match(out.stdout, /ONVIF device at 127\.0\.0\.1:\d+: Mockup Manufacturer Mockup Model/);
  assert.ok(!out.stdout.includes(USER.password));
});
