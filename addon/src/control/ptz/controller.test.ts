// PTZ and presets through the real onvif library against the loopback ONVIF device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOnvifDevice, type OnvifDevice } from '../../../../test/fixtures/onvif-device/index.js';
import { CameraFault } from '../onvif/errors.js';
import { PtzController } from './controller.js';
import { OnvifSession } from '../onvif/session.js';
import { USER, cameraFor, sleep, waitFor } from '../camera-control.test-helper.js';

type T = { after: (fn: () => Promise<void> | void) => void };

async function setup(t: T, o: { safetyStopMs?: number; minMoveIntervalMs?: number } = {}, devOpts = {}) {
  const dev: OnvifDevice = await startOnvifDevice({ ...USER, panTiltSpeed: 1, zoomSpeed: 1, ...devOpts });
  const cam = cameraFor(dev, 'cam1');
  const session = new OnvifSession({ camera: 'cam1', endpoint: cam.onvif!, timeoutMs: 3000 });
  const ptz = new PtzController(cam, session, o);
  t.after(async () => {
    await ptz.close();
    session.close();
    await dev.close();
  });
  return { dev, ptz, session };
}

test('a continuous move with no stop is stopped by the safety timer', async (t) => {
  const { dev, ptz } = await setup(t, { safetyStopMs: 300 });
  const started = Date.now();
  await ptz.move({ pan: 0.5, tilt: 0, zoom: 0 });
  assert.equal(dev.callsTo('ContinuousMove').length, 1);
  assert.equal(dev.ptz.status().velocity.x, 0.5);
  await waitFor('Stop', () => dev.callsTo('Stop').length > 0, 3000);
  const stoppedAfter = (dev.callsTo('Stop')[0]?.time ?? 0) - started;
  assert.ok(stoppedAfter >= 250 && stoppedAfter < 1500, `stopped after ${stoppedAfter} ms`);
  assert.deepEqual(dev.ptz.status().velocity, { x: 0, y: 0, zoom: 0 });
  // The camera-side Timeout is sent too, as a second net.
  assert.equal(dev.callsTo('ContinuousMove')[0]?.params.timeoutMs, 300);
});

test('renewed moves keep moving; a burst is coalesced and rate-limited; stop cancels', async (t) => {
  const { dev, ptz } = await setup(t, { safetyStopMs: 400, minMoveIntervalMs: 150 });
  await ptz.move({ pan: 0.2, tilt: 0, zoom: 0 });
  // 10 moves in one burst: the first waits for its slot, the rest coalesce into the last velocity.
  await Promise.all(Array.from({ length: 10 }, (_, i) => ptz.move({ pan: 0.3, tilt: i / 10, zoom: 0 })));
  const moves = dev.callsTo('ContinuousMove');
  assert.equal(moves.length, 2, `sent ${moves.length} moves`);
  assert.deepEqual(moves[1]?.params.velocity, { x: 0.3, y: 0.9, zoom: 0 });
  assert.ok((moves[1]?.time ?? 0) - (moves[0]?.time ?? 0) >= 140, 'rate limit respected');
  // Renewing within the safety window: no Stop yet.
  for (let i = 0; i < 4; i++) {
    await sleep(200);
    await ptz.move({ pan: 0.3, tilt: 0, zoom: 0 });
  }
  assert.equal(dev.callsTo('Stop').length, 0, 'renewed moves are not stopped');
  await ptz.stop();
  assert.equal(dev.callsTo('Stop').length, 1);
  await sleep(600);
  assert.equal(dev.callsTo('Stop').length, 1, 'an explicit stop disarms the safety stop');
});

test('velocity validation, capabilities from GetNodes, home, relative and absolute moves', async (t) => {
  const { dev, ptz } = await setup(t);
  await assert.rejects(ptz.move({ pan: 1.5, tilt: 0, zoom: 0 }), (e: CameraFault) => e.status === 400);
  await assert.rejects(ptz.move({ pan: Number.NaN, tilt: 0, zoom: 0 }), /pan must be a number/);
  const caps = await ptz.capabilities();
  assert.deepEqual(caps, {
    continuous: true,
    relative: true,
    absolute: true,
    home: true,
    presets: true,
    max_presets: 360,
  });
  await ptz.absolute({ pan: 0.5, tilt: 0.25, zoom: 0.5 });
  assert.deepEqual(dev.ptz.position(), { x: 0.5, y: 0.25, zoom: 0.5 });
  await ptz.relative({ pan: -0.25, tilt: 0, zoom: 0 });
  assert.equal(dev.ptz.position().x, 0.25);
  await ptz.home();
  assert.deepEqual(dev.ptz.position(), { x: 0, y: 0, zoom: 0 });
  assert.ok(
    dev.calls
      .filter((c) => c.service === 'ptz' && c.command !== 'GetNodes')
      .every((c) => c.params.profileToken === 'main'),
  );
});

test('presets by name: save (create, overwrite), list, goto, remove; tokens stay internal', async (t) => {
  const { dev, ptz } = await setup(t);
  await ptz.absolute({ pan: -0.5, tilt: 0.5, zoom: 0.2 });
  assert.deepEqual(await ptz.savePreset('door'), { preset: { name: 'door', token: '1' }, created: true });
  await ptz.absolute({ pan: 0.1, tilt: 0, zoom: 0 });
  await ptz.savePreset('yard');
  assert.deepEqual(await ptz.presets(), [
    { name: 'door', token: '1' },
    { name: 'yard', token: '2' },
  ]);
  await ptz.gotoPreset('door');
  assert.deepEqual(dev.ptz.position(), { x: -0.5, y: 0.5, zoom: 0.2 });
  assert.equal(dev.callsTo('GotoPreset')[0]?.params.presetToken, '1');
  // Overwrite by name keeps the token and moves the preset to the current position.
  await ptz.absolute({ pan: 0.3, tilt: 0.3, zoom: 0 });
  assert.deepEqual(await ptz.savePreset('door'), { preset: { name: 'door', token: '1' }, created: false });
  assert.deepEqual(dev.presets().find((p) => p.name === 'door')?.position, { x: 0.3, y: 0.3, zoom: 0 });
  await ptz.removePreset('door');
  assert.deepEqual(await ptz.presets(), [{ name: 'yard', token: '2' }]);
  await assert.rejects(ptz.gotoPreset('door'), (e: CameraFault) => e.status === 404);
  await assert.rejects(ptz.savePreset('<evil>'), (e: CameraFault) => e.status === 400);
});

test('config gates: no PTZ or no ONVIF → 409 with the reason, before any request', async () => {
  const noPtz = new PtzController(cameraFor(null, 'fixed', { ptz: false }), null);
  await assert.rejects(
    noPtz.move({ pan: 0.1, tilt: 0, zoom: 0 }),
    (e: CameraFault) => e.status === 409 && /capabilities\.ptz is false/.test(e.message),
  );
  const noOnvif = new PtzController(cameraFor(null, 'x', { ptz: true }), null);
  await assert.rejects(
    noOnvif.presets(),
    (e: CameraFault) => e.status === 409 && /no ONVIF endpoint/.test(e.message),
  );
});

test('a camera fault becomes a 502 with the fault text; Stop not implemented → zero-velocity move', async (t) => {
  const { dev, ptz } = await setup(t);
  dev.setFault('GotoHomePosition', 'motor jammed');
  await assert.rejects(ptz.home(), (e: CameraFault) => e.status === 502 && /motor jammed/.test(e.message));
  dev.setFault('ptz.Stop', 'Optional Action Not Implemented');
  await ptz.move({ pan: 0.4, tilt: 0, zoom: 0 });
  await ptz.stop();
  const last = dev.callsTo('ContinuousMove').at(-1);
  assert.deepEqual(last?.params.velocity, { x: 0, y: 0, zoom: 0 });
  assert.deepEqual(dev.ptz.status().velocity, { x: 0, y: 0, zoom: 0 });
});
