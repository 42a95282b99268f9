/**
 * HA discovery payloads, validated against the keys HA documents (shared HA.md §2.2/§2.5) with the
 * schemas in test/helpers/ha-discovery.ts (additionalProperties false, so a typo or a deprecated key
 * such as object_id fails here instead of being silently ignored by HA).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../config/index.js';
import type { ResolvedCamera } from '../../contracts/config.js';
import { MOTION_KINDS } from '../../contracts/events.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ISSUES_URL, PROJECT_URL } from '../../contracts/project.js';
import { ajv, discoveryProblem, SCHEMAS } from '../../../../test/helpers/ha-discovery.js';
import {
  cameraDiscovery,
  cameraDiscoveryTopics,
  detectionKinds,
  deviceId,
  hubDiscovery,
  hubDeviceId,
  type DiscoveryContext,
} from './discovery.js';

function cameras(): ResolvedCamera[] {
  const r = resolveConfig(
    {
      server: { port: 0 },
      cameras: [
        {
          id: 'gate',
          name: 'Gate',
          vendor: 'generic',
          profiles: { main: { url: 'rtsp://127.0.0.1:1/main' } },
        },
        {
          id: 'front-door',
          name: 'Front door',
          vendor: 'reolink',
          host: '127.0.0.1',
          profiles: { main: { url: 'rtsp://127.0.0.1:1/main' }, sub: { url: 'rtsp://127.0.0.1:1/sub' } },
          onvif: { port: 8000 },
          capabilities: { ptz: true, presets: true, motion_events: true },
        },
      ],
    },
    { env: {}, baseDir: '/tmp' },
  );
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return r.config.cameras;
}

const ctx: DiscoveryContext = {
  baseTopic: 'lookout',
  prefix: 'homeassistant',
  version: '1.2.3',
  presets: (c) => (c === 'front-door' ? ['door', 'drive'] : null),
  // gate has no motion_events: its kinds must not give it entities.
  motionKinds: () => ['motion', 'person', 'vehicle', 'tamper', 'person'],
};

test('every discovery payload validates against HA’s documented keys for its component', () => {
  let checked = 0;
  for (const cam of cameras()) {
    for (const m of cameraDiscovery(cam, ctx)) {
      assert.ok(m.topic.startsWith('homeassistant/'), m.topic);
      assert.equal(discoveryProblem(m.topic, m.payload), null);
      checked++;
    }
  }
  // The validator itself rejects what HA would ignore: a deprecated key, a wrong device class.
  const person = cameraDiscovery(cameras()[1]!, ctx).find((m) => m.topic.includes('_motion_person/'))!;
  assert.match(
    discoveryProblem(person.topic, { ...person.payload, object_id: 'x' }) ?? '',
    /additional properties/,
  );
  assert.notEqual(discoveryProblem(person.topic, { ...person.payload, device_class: 'person' }), null);
  assert.ok(checked > 20, `${checked} payloads`);
});

test('entities follow capabilities; unique ids are stable and unique', () => {
  const [gate, door] = cameras();
  const ids = (c: ResolvedCamera) => cameraDiscovery(c, ctx).map((m) => m.payload!.unique_id as string);
  const g = ids(gate!);
  const d = ids(door!);
  assert.deepEqual(ids(gate!), g, 'same input, same ids');
  assert.equal(new Set([...g, ...d]).size, g.length + d.length);
  assert.ok(
    !g.includes('lookout_gate_ptz_home') &&
      !g.includes('lookout_gate_motion') &&
      !g.includes('lookout_gate_preset'),
  );
  assert.ok(!g.includes('lookout_gate_stream_sub'), 'no sub profile, no sub sensors');
  for (const k of [
    'ptz_home',
    'motion',
    'last_motion',
    'preset',
    'stream_sub',
    'snapshot',
    'recording',
    'camera',
  ]) {
    assert.ok(d.includes(`lookout_front-door_${k}`), k);
  }
  const select = cameraDiscovery(door!, ctx).find((m) => m.topic.includes('/select/'))!;
  assert.deepEqual(select.payload!.options, ['door', 'drive']);
  assert.equal(select.payload!.default_entity_id, 'select.lookout_front_door_preset');
  // No preset names known yet: no select (HA needs options).
  assert.ok(
    !cameraDiscovery(door!, { ...ctx, presets: () => null }).some((m) => m.topic.includes('/select/')),
  );
});

test('device, origin and availability blocks', () => {
  const door = cameras()[1]!;
  const p = cameraDiscovery(door, ctx)[0]!.payload!;
  assert.deepEqual(p.device, {
    identifiers: ['lookout_front-door'],
    name: 'Front door',
    manufacturer: 'Reolink',
    model: 'reolink camera',
    sw_version: '1.2.3',
    via_device: 'lookout_hub',
  });
  assert.deepEqual(p.o, { name: 'Lookout', sw: '1.2.3', url: PROJECT_URL });
  assert.deepEqual(p.availability, [{ topic: 'lookout/status' }, { topic: 'lookout/front-door/status' }]);
  assert.equal(p.availability_mode, 'all');
});

test('configuration_url: every device links to the panel (ingress in the add-on)', () => {
  const link = 'homeassistant://hassio/ingress/a0d7b954_lookout';
  const withLink = { ...ctx, configurationUrl: link };
  for (const cam of cameras())
    for (const m of cameraDiscovery(cam, withLink)) {
      assert.equal((m.payload!.device as { configuration_url?: string }).configuration_url, link, m.topic);
      assert.equal(discoveryProblem(m.topic, m.payload), null);
    }
  const hub = hubDiscovery(withLink);
  assert.equal((hub.payload!.device as { configuration_url?: string }).configuration_url, link);
  const p = cameraDiscovery(cameras()[0]!, { ...ctx, configurationUrl: 'ftp://x/' })[0]!;
  assert.match(
    discoveryProblem(p.topic, p.payload) ?? '',
    /configuration_url/,
    'only http(s) or homeassistant links',
  );
  assert.ok(!('configuration_url' in (cameraDiscovery(cameras()[0]!, ctx)[0]!.payload!.device as object)));
});

test('pictures: the camera reads the retained latest image; a last-motion image entity per motion camera', () => {
  const [gate, door] = cameras();
  const find = (c: ResolvedCamera, key: string) =>
    cameraDiscovery(c, ctx).find((m) => m.payload!.unique_id === `${deviceId('lookout', c.id)}_${key}`);
  assert.equal(find(door!, 'camera')!.payload!.topic, 'lookout/front-door/image');
  const img = find(door!, 'last_motion')!;
  assert.equal(img.topic, 'homeassistant/image/lookout_front-door_last_motion/config');
  assert.equal(img.payload!.image_topic, 'lookout/front-door/last_motion/image');
  assert.equal(img.payload!.json_attributes_topic, 'lookout/front-door/last_motion');
  assert.equal(img.payload!.content_type, 'image/jpeg');
  assert.equal(img.payload!.default_entity_id, 'image.lookout_front_door_last_motion');
  assert.equal(discoveryProblem(img.topic, img.payload), null);
  // The image schema holds HA's rules: image_topic xor url_topic.
  assert.notEqual(discoveryProblem(img.topic, { ...img.payload, url_topic: 'x/y' }), null);
  assert.notEqual(discoveryProblem(img.topic, { ...img.payload, image_topic: undefined }), null);
  // gate has no motion source: no motion entities; set to pixel motion, it has both.
  assert.equal(find(gate!, 'last_motion'), undefined);
  assert.equal(find(gate!, 'motion'), undefined);
  const pixel = { ...gate!, motion: { ...gate!.motion, source: 'pixel' as const } };
  assert.ok(find(pixel, 'last_motion') && find(pixel, 'motion'));
});

test('one project URL: the discovery origin, the add-on manifests and the npm packages agree', () => {
  const root = new URL('../../../../', import.meta.url).pathname;
  const yaml = (f: string) => parseYaml(readFileSync(root + f, 'utf8')) as { url: string };
  const json = (f: string) =>
    JSON.parse(readFileSync(root + f, 'utf8')) as { repository: { url: string }; bugs: { url: string } };
  assert.equal((hubDiscovery(ctx).payload!.o as { url: string }).url, PROJECT_URL);
  assert.equal(yaml('repository.yaml').url, PROJECT_URL);
  assert.equal(yaml('addon/config.yaml').url, PROJECT_URL);
  for (const f of ['package.json', 'nodes/package.json']) {
    assert.equal(json(f).repository.url, `git+${PROJECT_URL}.git`, f);
    assert.equal(json(f).bugs.url, PROJECT_ISSUES_URL, f);
  }
});

test('the clearing list covers every topic a camera can announce', () => {
  const door = cameras()[1]!;
  // Built from the id alone: what the service knows about kinds does not change it.
  const list = cameraDiscoveryTopics('front-door', { ...ctx, motionKinds: () => null });
  const all = new Set(list);
  assert.equal(all.size, list.length);
  const everyKind = { ...ctx, motionKinds: () => MOTION_KINDS };
  for (const m of cameraDiscovery(door, everyKind)) assert.ok(all.has(m.topic), m.topic);
  for (const k of detectionKinds(MOTION_KINDS))
    assert.ok(all.has(`homeassistant/binary_sensor/lookout_front-door_motion_${k}/config`), k);
  assert.ok(all.has('homeassistant/sensor/lookout_front-door_start_latency_sub/config'));
});

test('the hub device exists for via_device and validates', () => {
  const hub = hubDiscovery(ctx);
  assert.equal(hub.topic, 'homeassistant/binary_sensor/lookout_hub_connected/config');
  const v = ajv.compile({
    ...(SCHEMAS.binary_sensor as object),
    required: ['unique_id', 'device', 'o', 'state_topic'],
  });
  assert.ok(v(hub.payload), ajv.errorsText(v.errors));
  assert.deepEqual((hub.payload!.device as { identifiers: string[] }).identifiers, [hubDeviceId('lookout')]);
  const cam = cameraDiscovery(cameras()[0]!, ctx)[0]!.payload!;
  assert.equal((cam.device as { via_device: string }).via_device, hubDeviceId('lookout'));
});

test('analytics kinds: one binary_sensor per kind the camera has, on its own state topic', () => {
  const [gate, door] = cameras();
  const kindIds = (c: ResolvedCamera, c2: DiscoveryContext) =>
    cameraDiscovery(c, c2)
      .map((m) => m.payload!.unique_id as string)
      .filter((id) => id.includes('_motion_'));
  assert.deepEqual(kindIds(gate!, ctx), [], 'no motion_events, no kind entities');
  // Plain motion has no entity of its own (the motion entity is "any kind"); duplicates collapse.
  assert.deepEqual(kindIds(door!, ctx), [
    'lookout_front-door_motion_person',
    'lookout_front-door_motion_vehicle',
    'lookout_front-door_motion_tamper',
  ]);
  assert.deepEqual(kindIds(door!, { ...ctx, motionKinds: () => null }), []);
  const byId = new Map(cameraDiscovery(door!, ctx).map((m) => [m.payload!.unique_id, m]));
  const person = byId.get('lookout_front-door_motion_person')!;
  assert.equal(person.topic, 'homeassistant/binary_sensor/lookout_front-door_motion_person/config');
  assert.equal(person.payload!.state_topic, 'lookout/front-door/motion/person');
  assert.equal(person.payload!.device_class, 'occupancy');
  assert.equal(person.payload!.name, 'Person');
  assert.equal(byId.get('lookout_front-door_motion_tamper')!.payload!.device_class, 'tamper');
  assert.equal(byId.get('lookout_front-door_motion')!.payload!.state_topic, 'lookout/front-door/motion');
  assert.deepEqual(
    detectionKinds(MOTION_KINDS),
    MOTION_KINDS.filter((k) => k !== 'motion'),
  );
});

test('start latency: a diagnostic duration sensor per profile, reading startLatencyMs', () => {
  const door = cameras()[1]!;
  const latency = cameraDiscovery(door, ctx).filter((m) => m.topic.includes('_start_latency_'));
  assert.deepEqual(
    latency.map((m) => m.payload!.unique_id),
    ['lookout_front-door_start_latency_main', 'lookout_front-door_start_latency_sub'],
  );
  const main = latency[0]!.payload!;
  assert.equal(main.state_topic, 'lookout/front-door/main/state');
  assert.equal(main.value_template, '{{ value_json.startLatencyMs }}');
  assert.equal(main.unit_of_measurement, 'ms');
  assert.equal(main.device_class, 'duration');
  assert.equal(main.state_class, 'measurement');
  assert.equal(main.entity_category, 'diagnostic');
});
