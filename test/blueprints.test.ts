/**
 * The Home Assistant blueprints in blueprints/automation/lookout/: the structure HA's blueprint
 * schema documents (home-assistant.io docs/blueprint/schema: `blueprint` with name, description,
 * domain, author, source_url, homeassistant.min_version and inputs with name, description, default,
 * selector, or input sections; the automation keys of 2024.10+: triggers/conditions/actions with
 * `trigger:` and `action:`), `!input` references that match the declared inputs both ways, and
 * entity selectors that pick exactly the entities Lookout announces over MQTT discovery.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { parse, type Tags } from 'yaml';
import { resolveConfig } from '../addon/src/config/index.js';
import { PROJECT_URL } from '../addon/src/contracts/project.js';
import { cameraDiscovery } from '../addon/src/control/mqtt/discovery.js';

const Ajv = AjvModule.default;
const ROOT = new URL('..', import.meta.url).pathname;
const DIR = 'blueprints/automation/lookout';

/** `!input name` as HA's loader reads it: a reference to the blueprint input `name`. */
class Input {
  constructor(readonly name: string) {}
}
const customTags: Tags = [
  { tag: '!input', resolve: (name: string) => new Input(name), identify: (v) => v instanceof Input },
];

const str = { type: 'string', minLength: 1 };
/** A selector's `filter` list: objects with only these keys. */
const filters = (keys: string[], minItems = 0) => ({
  type: 'array',
  minItems,
  items: {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(keys.map((k) => [k, str])),
  },
});
const selector = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  properties: {
    entity: {
      type: 'object',
      additionalProperties: false,
      properties: {
        multiple: { type: 'boolean' },
        filter: filters(['integration', 'domain', 'device_class'], 1),
      },
    },
    device: {
      type: 'object',
      additionalProperties: false,
      properties: {
        multiple: { type: 'boolean' },
        filter: filters(['integration', 'manufacturer', 'model']),
      },
    },
    number: {
      type: 'object',
      additionalProperties: false,
      required: ['min', 'max'],
      properties: {
        min: { type: 'number' },
        max: { type: 'number' },
        step: { type: 'number', exclusiveMinimum: 0 },
        unit_of_measurement: str,
        mode: { enum: ['box', 'slider'] },
      },
    },
  },
  additionalProperties: false,
};
const input = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'selector'],
  properties: { name: str, description: str, default: {}, selector },
};
const BLUEPRINT_SCHEMA = {
  type: 'object',
  required: ['blueprint', 'triggers', 'actions'],
  additionalProperties: false,
  properties: {
    blueprint: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'domain', 'description', 'source_url', 'homeassistant', 'input'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 80 },
        description: str,
        domain: { const: 'automation' },
        author: str,
        source_url: { type: 'string', pattern: '^https://' },
        homeassistant: {
          type: 'object',
          additionalProperties: false,
          required: ['min_version'],
          properties: { min_version: { type: 'string', pattern: '^20[0-9]{2}\\.[0-9]{1,2}\\.[0-9]+$' } },
        },
        input: { type: 'object', minProperties: 1, additionalProperties: input },
      },
    },
    mode: { enum: ['single', 'restart', 'queued', 'parallel'] },
    max_exceeded: { enum: ['silent', 'critical', 'error', 'warning', 'info', 'debug'] },
    variables: { type: 'object' },
    triggers: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['trigger'], properties: { trigger: { type: 'string' } } },
    },
    conditions: { type: 'array' },
    actions: { type: 'array', minItems: 1, items: { type: 'object', minProperties: 1 } },
  },
};
const validate = new Ajv({ allErrors: true, strict: true }).compile(BLUEPRINT_SCHEMA);

type Doc = {
  blueprint: {
    name: string;
    source_url: string;
    homeassistant: { min_version: string };
    input: Record<
      string,
      { selector: Record<string, { filter?: Array<Record<string, string>> }>; default?: unknown }
    >;
  };
  actions: Array<Record<string, unknown>>;
  triggers: Array<Record<string, unknown>>;
};

function inputRefs(v: unknown, out: string[] = []): string[] {
  if (v instanceof Input) out.push(v.name);
  else if (Array.isArray(v)) for (const x of v) inputRefs(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) inputRefs(x, out);
  return out;
}

/** Every service call (`action: domain.service`) and trigger platform in the automation. */
function walk(v: unknown, key: string, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) walk(x, key, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === key && typeof x === 'string') out.push(x);
      else walk(x, key, out);
    }
  return out;
}

const files = readdirSync(join(ROOT, DIR)).filter((f) => f.endsWith('.yaml'));

/** The entities Lookout announces for a pixel-motion camera, as (domain, device_class). */
function announced(): Array<{ domain: string; device_class?: string; entity: string }> {
  const r = resolveConfig(
    {
      cameras: [
        {
          id: 'front_door',
          motion: { source: 'pixel' },
          profiles: { main: { url: 'rtsp://127.0.0.1:1/m' } },
        },
      ],
    },
    { env: {}, baseDir: '/tmp' },
  );
  assert.ok(r.ok);
  return cameraDiscovery(r.config.cameras[0]!, {
    baseTopic: 'lookout',
    prefix: 'homeassistant',
    version: '0',
  }).map((m) => {
    const p = m.payload as { default_entity_id: string; device_class?: string };
    return {
      domain: p.default_entity_id.split('.')[0]!,
      entity: p.default_entity_id,
      ...(p.device_class ? { device_class: p.device_class } : {}),
    };
  });
}

test('two blueprints: motion → notification with the snapshot, motion → record a clip', () => {
  assert.deepEqual(files.sort(), ['motion_notify_snapshot.yaml', 'motion_record_clip.yaml']);
});

for (const file of files) {
  test(`${file}: HA's blueprint structure, inputs used both ways, Lookout's entities selectable`, () => {
    const doc = parse(readFileSync(join(ROOT, DIR, file), 'utf8'), { customTags }) as Doc;
    assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
    const bp = doc.blueprint;
    assert.equal(bp.source_url, `${PROJECT_URL}/blob/main/${DIR}/${file}`, 'source_url: HA imports from it');
    // triggers/actions with `trigger:` and `action:` keys: HA 2024.10 and later.
    assert.ok(bp.homeassistant.min_version >= '2024.10.0', bp.homeassistant.min_version);
    const declared = Object.keys(bp.input).sort();
    const used = [...new Set(inputRefs(doc))].sort();
    assert.deepEqual(used, declared, 'every input used, every !input declared');
    for (const [name, i] of Object.entries(bp.input))
      if ('number' in i.selector && i.default !== undefined) {
        const n = i.selector.number as unknown as { min: number; max: number };
        assert.ok(
          typeof i.default === 'number' && i.default >= n.min && i.default <= n.max,
          `${name} default in range`,
        );
      }
    for (const platform of walk(doc.triggers, 'trigger')) assert.equal(platform, 'state');
    for (const service of walk(doc.actions, 'action')) assert.match(service, /^[a-z_]+\.[a-z_]+$/);
    // Each entity input's filter matches an entity Lookout announces for a camera with motion.
    const entities = announced();
    for (const [name, i] of Object.entries(bp.input)) {
      const filters = i.selector.entity?.filter;
      if (!filters) continue;
      for (const f of filters) {
        assert.equal(f.integration, 'mqtt', `${name}: Lookout's entities come from MQTT discovery`);
        const hit = entities.filter(
          (e) => e.domain === f.domain && (!f.device_class || e.device_class === f.device_class),
        );
        assert.ok(hit.length > 0, `${name}: no Lookout entity is a ${f.domain}/${f.device_class ?? '*'}`);
      }
    }
  });
}

test('the notification blueprint sends the Last motion image; the clip blueprint drives the Recording switch', () => {
  const read = (f: string) => parse(readFileSync(join(ROOT, DIR, f), 'utf8'), { customTags }) as Doc;
  const notify = read('motion_notify_snapshot.yaml');
  const step = notify.actions.find((a) => a.type === 'notify') as { domain: string; data: { image: string } };
  assert.equal(step.domain, 'mobile_app');
  assert.equal(step.data.image, '/api/image_proxy/{{ image_entity }}');
  assert.deepEqual(notify.blueprint.input.last_motion_image!.selector.entity!.filter, [
    { integration: 'mqtt', domain: 'image' },
  ]);
  const clip = read('motion_record_clip.yaml');
  assert.deepEqual(walk(clip.actions, 'action'), ['switch.turn_on', 'switch.turn_off']);
  const e = announced().map((x) => x.entity);
  for (const id of [
    'binary_sensor.lookout_front_door_motion',
    'image.lookout_front_door_last_motion',
    'switch.lookout_front_door_recording',
  ])
    assert.ok(e.includes(id), `${id} announced (the blueprints' descriptions name it)`);
});
