/**
 * HA discovery payloads, validated against the keys HA documents (shared HA.md §2.2/§2.5): one small
 * ajv schema per component, additionalProperties false so a typo or a deprecated key (object_id)
 * fails here instead of being silently ignored by HA.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import AjvModule from 'ajv';
import { resolveConfig } from '../../config/index.js';
import type { ResolvedCamera } from '../../contracts/config.js';
import {
  cameraDiscovery,
  cameraDiscoveryTopics,
  hubDiscovery,
  hubDeviceId,
  type DiscoveryContext,
} from './discovery.js';

const Ajv = AjvModule.default;

const str = { type: 'string', minLength: 1 };
const topic = { type: 'string', pattern: '^[^#+]+$' };
const strList = { type: 'array', items: str, minItems: 1 };
const common = {
  name: { type: ['string', 'null'] },
  unique_id: { type: 'string', pattern: '^[a-zA-Z0-9_-]+$' },
  default_entity_id: { type: 'string', pattern: '^[a-z_]+\\.[a-z0-9_]+$' },
  icon: { type: 'string', pattern: '^mdi:' },
  entity_category: { enum: ['config', 'diagnostic'] },
  enabled_by_default: { type: 'boolean' },
  json_attributes_topic: topic,
  qos: { enum: [0, 1, 2] },
  device: {
    type: 'object',
    additionalProperties: false,
    required: ['identifiers'],
    properties: {
      identifiers: strList,
      name: str,
      manufacturer: str,
      model: str,
      model_id: str,
      sw_version: str,
      hw_version: str,
      serial_number: str,
      suggested_area: str,
      configuration_url: str,
      via_device: str,
      connections: { type: 'array' },
    },
  },
  o: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: str, sw: str, url: { type: 'string', pattern: '^https?://' } },
  },
  availability: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['topic'],
      properties: { topic, payload_available: str, payload_not_available: str, value_template: str },
    },
  },
  availability_mode: { enum: ['all', 'any', 'latest'] },
};
const entity = (required: string[], own: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: ['unique_id', 'device', 'o', ...required],
  properties: { ...common, ...own },
});
const SCHEMAS: Record<string, object> = {
  sensor: entity(['state_topic'], {
    state_topic: topic,
    value_template: str,
    unit_of_measurement: str,
    device_class: str,
    state_class: { enum: ['measurement', 'total', 'total_increasing'] },
    suggested_display_precision: { type: 'integer', minimum: 0 },
    options: strList,
    expire_after: { type: 'integer' },
  }),
  binary_sensor: entity(['state_topic'], {
    state_topic: topic,
    device_class: { enum: ['motion', 'occupancy', 'connectivity', 'problem'] },
    payload_on: str,
    payload_off: str,
    off_delay: { type: 'integer' },
  }),
  switch: entity(['command_topic'], {
    command_topic: topic,
    state_topic: topic,
    payload_on: str,
    payload_off: str,
    optimistic: { type: 'boolean' },
    retain: { const: false },
  }),
  button: entity(['command_topic'], {
    command_topic: topic,
    payload_press: str,
    device_class: { enum: ['restart', 'update', 'identify'] },
    retain: { const: false },
  }),
  select: entity(['command_topic', 'options'], {
    command_topic: topic,
    options: strList,
    state_topic: topic,
    optimistic: { type: 'boolean' },
    retain: { const: false },
  }),
  camera: entity(['topic'], { topic, image_encoding: { const: 'b64' } }),
};
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = Object.fromEntries(Object.entries(SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));

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
};

test('every discovery payload validates against HA’s documented keys for its component', () => {
  for (const cam of cameras()) {
    for (const m of cameraDiscovery(cam, ctx)) {
      const [prefix, component, objectId, last] = m.topic.split('/');
      assert.equal(prefix, 'homeassistant');
      assert.equal(last, 'config');
      assert.match(objectId!, /^[a-zA-Z0-9_-]+$/);
      const validate = validators[component!];
      assert.ok(validate, `no schema for ${component}`);
      assert.ok(validate(m.payload), `${m.topic}: ${ajv.errorsText(validate.errors)}`);
      assert.equal(m.payload!.unique_id, objectId, 'object_id = unique_id');
      assert.equal((m.payload!.default_entity_id as string).split('.')[0], component);
    }
  }
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
  for (const k of ['ptz_home', 'motion', 'preset', 'stream_sub', 'snapshot', 'recording', 'camera']) {
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
  assert.deepEqual(p.o, { name: 'Lookout', sw: '1.2.3', url: 'https://github.com/lookout/lookout' });
  assert.deepEqual(p.availability, [{ topic: 'lookout/status' }, { topic: 'lookout/front-door/status' }]);
  assert.equal(p.availability_mode, 'all');
});

test('the clearing list covers every topic a camera can announce', () => {
  const door = cameras()[1]!;
  const all = new Set(cameraDiscoveryTopics('front-door', ctx));
  for (const m of cameraDiscovery(door, ctx)) assert.ok(all.has(m.topic), m.topic);
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
