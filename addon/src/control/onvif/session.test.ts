// The ONVIF session: auth errors (incl. the pre-auth trap), clock re-measurement, reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOnvifDevice, type OnvifDevice } from '../../../../test/fixtures/onvif-device/index.js';
import { CameraFault } from './errors.js';
import { normalisePresets } from '../ptz/presets.js';
import { OnvifSession } from './session.js';
import { USER, cameraFor, sleep } from '../camera-control.test-helper.js';

type T = { after: (fn: () => Promise<void> | void) => void };
const HOUR = 3_600_000;

async function device(t: T, o = {}): Promise<OnvifDevice> {
  const dev = await startOnvifDevice({ ...USER, rebootDownMs: 100, ...o });
  t.after(() => dev.close());
  return dev;
}

function session(t: T, dev: OnvifDevice, password = USER.password): OnvifSession {
  const s = new OnvifSession({
    camera: 'cam1',
    endpoint: cameraFor(dev, 'cam1', { password }).onvif!,
    timeoutMs: 2000,
    reconnectInitialMs: 20,
  });
  t.after(() => s.close());
  return s;
}

const WRONG = 'Wr0ng-Passw0rd';

test('wrong password → a clear auth error (502, camera_auth), the password never in it', async (t) => {
  const dev = await device(t);
  const s = session(t, dev, WRONG);
  const err = await s.call('getDeviceInformation').catch((e: unknown) => e);
  assert.ok(err instanceof CameraFault);
  assert.equal(err.status, 502);
  assert.equal(err.code, 'camera_auth');
  assert.match(err.message, /authentication failed for user "admin"/);
  assert.ok(!err.message.includes(WRONG) && !err.message.includes(USER.password));
});

test('pre-auth trap: connect "succeeds" with no profiles → reported as an auth error', async (t) => {
  const dev = await device(t, { checkPreAuthCredentials: false });
  const s = session(t, dev, WRONG);
  await assert.rejects(s.ready(), (e: CameraFault) => e.code === 'camera_auth' && !e.message.includes(WRONG));
  // And the next call within the backoff window fails fast with the same error, without traffic.
  const before = dev.calls.length;
  await assert.rejects(s.ready(), /authentication failed/);
  assert.equal(dev.calls.length, before);
});

test('camera clock skew: measured at connect; a later jump is recovered by re-measuring once', async (t) => {
  const dev = await device(t, { clockOffsetMs: HOUR });
  const s = session(t, dev);
  assert.equal((await s.call<{ model: string }>('getDeviceInformation')).model, 'Mockup Model');
  dev.setClockOffsetMs(-2 * HOUR); // NTP sync / reboot without RTC on the camera side
  assert.equal((await s.call<{ model: string }>('getDeviceInformation')).model, 'Mockup Model');
  const info = dev.callsTo('GetDeviceInformation');
  assert.equal(info.at(-2)?.fault, 'ter:NotAuthorized', 'first attempt refused');
  assert.equal(info.at(-1)?.fault, undefined, 'retried after re-measuring');
  assert.ok(dev.callsTo('GetSystemDateAndTime').length >= 2);
});

test('reboot: the call during the outage fails as unreachable, the next one reconnects', async (t) => {
  const dev = await device(t, { rebootDownMs: 150 });
  const s = session(t, dev);
  await s.call('getDeviceInformation');
  const rebooted = dev.reboot();
  await sleep(20);
  await assert.rejects(s.call('getDeviceInformation'), (e: CameraFault) => e.code === 'camera_unreachable');
  await rebooted;
  await sleep(50);
  assert.equal((await s.call<{ model: string }>('getDeviceInformation')).model, 'Mockup Model');
});

test('normalisePresets handles every shape the library has produced', () => {
  const want = [
    { name: 'door', token: '1' },
    { name: 'yard', token: 'P2' },
  ];
  // 0.8.2+: {name: preset} with $.token (numeric tokens become numbers)
  assert.deepEqual(
    normalisePresets({ door: { $: { token: 1 }, name: 'door' }, yard: { $: { token: 'P2' }, name: 'yard' } }),
    want,
  );
  // 0.8.1: {token: preset}
  assert.deepEqual(
    normalisePresets({ 1: { $: { token: '1' }, name: 'door' }, P2: { $: { token: 'P2' }, name: 'yard' } }),
    want,
  );
  // ≤0.7: {name: token}
  assert.deepEqual(normalisePresets({ door: 1, yard: 'P2' }), want);
  // arrays and names that came back numeric
  assert.deepEqual(normalisePresets([{ $: { token: 7 }, name: 42 }]), [{ name: '42', token: '7' }]);
  assert.deepEqual(normalisePresets(undefined), []);
});
