/**
 * PTZ, presets and motion over MQTT, through the real CameraControl against the loopback ONVIF
 * device and a real mosquitto: commands reach the camera, the preset select is announced with the
 * camera's preset names, and camera motion shows on the motion topics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { startOnvifDevice, type OnvifDevice } from '../fixtures/onvif-device/index.js';
import { mqttTopics } from '../../addon/src/contracts/mqtt.js';
import { MqttService } from '../../addon/src/control/mqtt/service.js';
import { CameraControl } from '../../addon/src/control/onvif/control.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { resolveOrThrow, startSupervisor, tempDir, testLogger } from '../helpers/setup.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { recorder, request, testClient, waitUntil } from '../helpers/mqtt-client.js';

const USER = { username: 'admin', password: 'Pw-s3cret!x' };
const t = mqttTopics('lookout');
let dev: OnvifDevice;
let broker: Mosquitto;
let sup: Supervisor;
let control: CameraControl;
let service: MqttService;
let client: MqttClient;

before(async () => {
  [dev, broker] = await Promise.all([
    startOnvifDevice({ ...USER, panTiltSpeed: 1, zoomSpeed: 1 }),
    startMosquitto(),
  ]);
  const config = resolveOrThrow({
    server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
    mqtt: { url: broker.url, client_id: 'lookout-ctl-test' },
    cameras: [
      {
        id: 'dome',
        name: 'Dome',
        vendor: 'onvif',
        host: '127.0.0.1',
        credentials: USER,
        // Never started: no lease is taken in this test.
        profiles: { main: { url: 'rtsp://127.0.0.1:9/none' } },
        onvif: { port: dev.port },
        capabilities: { ptz: true, presets: true, motion_events: true },
      },
    ],
  });
  const log = testLogger();
  sup = await startSupervisor(config, log);
  control = new CameraControl({
    cameras: sup,
    log,
    timeoutMs: 3000,
    offDelayMs: 0,
    feedBackoffInitialMs: 50,
    feedBackoffMaxMs: 200,
  });
  control.start();
  service = new MqttService({
    settings: config.mqtt,
    host: sup,
    log,
    version: '0.0.0-test',
    ptz: control,
    motion: control,
    rediscoverDelayMs: [10, 20],
  });
  await service.start();
  client = await testClient(broker.url);
});

after(async () => {
  await client?.endAsync();
  await service?.stop();
  await control?.stop();
  await sup?.stop();
  await Promise.all([broker?.stop(), dev?.close()]);
});

test('PTZ and preset commands reach the camera; the preset select follows the preset list', async () => {
  const disc = await recorder(client, 'homeassistant/select/#');
  assert.deepEqual(
    await request(client, t.command('dome', 'preset_set'), JSON.stringify({ name: 'porch' })),
    { ok: true, preset: 'porch', created: true },
  );
  await waitUntil(
    () =>
      JSON.parse(
        disc.latest.get('homeassistant/select/lookout_dome_preset/config')?.toString() || '{}',
      ).options?.includes('porch'),
    10_000,
    'preset select announced with "porch"',
  );

  assert.deepEqual(await request(client, t.command('dome', 'preset_goto'), 'porch'), {
    ok: true,
    preset: 'porch',
  });
  assert.equal(dev.callsTo('GotoPreset').length, 1);
  const missing = await request(client, t.command('dome', 'preset_goto'), 'nowhere');
  assert.equal(missing.ok, false);
  assert.equal((missing.error as { code: string }).code, 'not_found');

  const move = await request(
    client,
    t.command('dome', 'ptz_move'),
    JSON.stringify({ pan: 0.5, timeout_ms: 500 }),
  );
  assert.equal(move.ok, true, JSON.stringify(move));
  assert.equal(dev.callsTo('ContinuousMove').length, 1);
  assert.deepEqual(await request(client, t.command('dome', 'ptz_stop'), ''), { ok: true });
  assert.deepEqual(await request(client, t.command('dome', 'ptz_home'), 'PRESS'), { ok: true });
  assert.equal(dev.callsTo('GotoHomePosition').length, 1);
  const bad = await request(client, t.command('dome', 'ptz_move'), JSON.stringify({ pan: 3 }));
  assert.equal((bad.error as { code: string }).code, 'bad_request');
});

test('camera motion drives the retained motion topic and the event topic', async () => {
  const seen = await recorder(client, 'lookout/dome/motion/#');
  await waitUntil(
    () => dev.activeSubscriptions().some((s) => s.pulling),
    10_000,
    'event subscription pulling',
  );
  dev.emitMotion(true);
  await waitUntil(() => seen.latest.get(t.motion('dome'))?.toString() === 'ON', 10_000, 'motion ON');
  const ev = JSON.parse(seen.latest.get(t.motionEvent('dome'))!.toString());
  assert.equal(ev.kind, 'motion');
  assert.equal(ev.active, true);
  dev.emitMotion(false);
  await waitUntil(() => seen.latest.get(t.motion('dome'))?.toString() === 'OFF', 10_000, 'motion OFF');
});
