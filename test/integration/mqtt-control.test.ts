/**
 * PTZ, presets and motion over MQTT, through the real CameraControl against the loopback ONVIF
 * device and a real mosquitto: commands reach the camera, the preset select is announced with the
 * camera's preset names, camera motion shows on the motion topics, each analytics kind the camera
 * has (declared in GetEventProperties, or first seen in an event) gets its own binary_sensor, and a
 * removed camera takes all of them along.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { startOnvifDevice, type OnvifDevice } from '../fixtures/onvif-device/index.js';
import type { MotionKind } from '../../addon/src/contracts/events.js';
import { mqttTopics } from '../../addon/src/contracts/mqtt.js';
import { MqttService } from '../../addon/src/control/mqtt/service.js';
import { CameraControl } from '../../addon/src/control/camera-control.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { resolveOrThrow, startSupervisor, tempDir, testLogger } from '../helpers/setup.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { recorder, request, testClient, waitUntil } from '../helpers/mqtt-client.js';
import { discoveryProblem } from '../helpers/ha-discovery.js';

const USER = { username: 'admin', password: 'Pw-s3cret!x' };
const t = mqttTopics('lookout');
let dev: OnvifDevice;
let broker: Mosquitto;
let sup: Supervisor;
let control: CameraControl;
let service: MqttService;
let client: MqttClient;
let raw: Record<string, unknown>;

before(async () => {
  [dev, broker] = await Promise.all([
    startOnvifDevice({ ...USER, panTiltSpeed: 1, zoomSpeed: 1 }),
    startMosquitto(),
  ]);
  raw = {
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
  };
  const config = resolveOrThrow(raw);
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

const kindConfig = (kind: MotionKind) => `homeassistant/binary_sensor/lookout_dome_motion_${kind}/config`;
const configOf = (rec: { latest: Map<string, Buffer> }, topic: string) => {
  const p = rec.latest.get(topic);
  return p && p.length > 0 ? (JSON.parse(p.toString()) as Record<string, unknown>) : null;
};

test('declared analytics: person/vehicle binary_sensors are announced, valid, and follow person events', async () => {
  const disc = await recorder(client, 'homeassistant/binary_sensor/#');
  const seen = await recorder(client, 'lookout/dome/motion/#');
  await waitUntil(
    () => configOf(disc, kindConfig('person')) !== null && configOf(disc, kindConfig('vehicle')) !== null,
    10_000,
    'person and vehicle binary_sensors announced',
  );
  assert.ok(dev.callsTo('GetEventProperties').length >= 1, 'kinds asked from the camera');
  for (const kind of ['person', 'vehicle'] as const) {
    const cfg = configOf(disc, kindConfig(kind))!;
    assert.equal(discoveryProblem(kindConfig(kind), cfg), null);
    assert.equal(cfg.state_topic, t.motionKind('dome', kind));
    assert.equal(cfg.device_class, 'occupancy');
  }
  // Neither declared nor seen (yet): no entity.
  assert.equal(configOf(disc, kindConfig('field')), null);
  assert.equal(configOf(disc, kindConfig('animal')), null);

  await waitUntil(() => dev.activeSubscriptions().some((s) => s.pulling), 10_000, 'subscription pulling');
  dev.emitMotion(true, 'person');
  await waitUntil(
    () => seen.latest.get(t.motionKind('dome', 'person'))?.toString() === 'ON',
    10_000,
    'person ON',
  );
  assert.equal(seen.latest.get(t.motion('dome'))?.toString(), 'ON', 'any-kind motion ON too');
  assert.notEqual(seen.latest.get(t.motionKind('dome', 'vehicle'))?.toString(), 'ON');
  assert.ok(!seen.latest.has(t.motionKind('dome', 'motion' as MotionKind)), 'plain motion has no kind topic');
  // Retained: a client subscribing now gets the current state at once.
  const fresh = await testClient(broker.url);
  const retained = await recorder(fresh, t.motionKind('dome', 'person'));
  await waitUntil(
    () => retained.latest.get(t.motionKind('dome', 'person'))?.toString() === 'ON',
    5000,
    'retained ON',
  );
  await fresh.endAsync();

  dev.emitMotion(false, 'person');
  await waitUntil(
    () => seen.latest.get(t.motionKind('dome', 'person'))?.toString() === 'OFF',
    10_000,
    'person OFF',
  );
});

test('event feed down: the person state stays as it was (unknown is never published as OFF)', async () => {
  const seen = await recorder(client, t.motionKind('dome', 'person'));
  await waitUntil(() => dev.activeSubscriptions().some((s) => s.pulling), 10_000, 'subscription pulling');
  dev.emitMotion(true, 'person');
  await waitUntil(
    () => seen.latest.get(t.motionKind('dome', 'person'))?.toString() === 'ON',
    10_000,
    'person ON',
  );
  const from = seen.log.length;
  const rebooted = dev.reboot(2000);
  const personState = () =>
    control.events().states.find((s) => s.camera === 'dome' && s.kind === 'person')?.state;
  await waitUntil(() => personState() === 'unknown', 10_000, 'person state unknown while the camera is down');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    seen.log.slice(from).map((m) => m.payload.toString()),
    [],
    'nothing published while unknown',
  );
  assert.equal(seen.latest.get(t.motionKind('dome', 'person'))?.toString(), 'ON');
  await rebooted;
  // Back up: the rebooted camera's state dump says idle, and that is a real OFF.
  await waitUntil(
    () => seen.latest.get(t.motionKind('dome', 'person'))?.toString() === 'OFF',
    30_000,
    'person OFF after the feed is back',
  );
  assert.equal(personState(), 'idle');
});

test('a kind the camera did not declare gets its entity on its first event', async () => {
  // One subscription for configs and states: one connection delivers in publish order.
  const all = await recorder(client, '#');
  await waitUntil(() => all.latest.has(kindConfig('person')), 5000, 'retained discovery');
  assert.equal(configOf(all, kindConfig('field')), null, 'not declared by the camera');
  await waitUntil(() => dev.activeSubscriptions().some((s) => s.pulling), 30_000, 'subscription pulling');
  const from = all.log.length;
  const field = { topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside', source: { Rule: 'Garden' } };
  dev.emitEvent({ ...field, data: { IsInside: true } });
  await waitUntil(
    () => all.latest.get(t.motionKind('dome', 'field'))?.toString() === 'ON',
    10_000,
    'field ON',
  );
  const cfg = configOf(all, kindConfig('field'));
  assert.ok(cfg, 'field binary_sensor announced');
  assert.equal(discoveryProblem(kindConfig('field'), cfg), null);
  assert.equal(cfg.device_class, 'motion');
  // The config went out before the state, so HA's new subscription finds the retained ON.
  const fresh = all.log.slice(from).map((m) => m.topic);
  assert.ok(
    fresh.indexOf(kindConfig('field')) < fresh.indexOf(t.motionKind('dome', 'field')),
    fresh.join(' '),
  );
  // The re-publish added an entity; the declared ones are still there.
  assert.ok(configOf(all, kindConfig('person')));
  dev.emitEvent({ ...field, data: { IsInside: false } });
  await waitUntil(
    () => all.latest.get(t.motionKind('dome', 'field'))?.toString() === 'OFF',
    10_000,
    'field OFF',
  );
});

test('a removed camera gets its kind entities and kind states cleared too', async () => {
  const before = await testClient(broker.url);
  const had = await recorder(before, '#');
  await waitUntil(() => had.latest.has(kindConfig('field')), 5000, 'retained field config');
  for (const k of ['person', 'vehicle', 'field'] as const) {
    assert.ok((had.latest.get(kindConfig(k))?.length ?? 0) > 0, k);
    assert.ok(had.latest.has(t.motionKind('dome', k)), k);
  }
  await before.endAsync();

  await sup.applyConfig(resolveOrThrow({ ...raw, cameras: [] }));
  await new Promise((r) => setTimeout(r, 500));
  const fresh = await testClient(broker.url);
  const all = await recorder(fresh, '#');
  await waitUntil(() => all.latest.has(t.status), 5000, 'retained lookout/status');
  await new Promise((r) => setTimeout(r, 300));
  const left = [...all.latest.keys()].filter(
    (k) => k.includes('lookout_dome_') || k.startsWith('lookout/dome/'),
  );
  assert.deepEqual(left, []);
  await fresh.endAsync();
});
