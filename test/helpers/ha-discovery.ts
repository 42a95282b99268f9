/**
 * Home Assistant MQTT discovery payloads, validated against the keys HA documents (shared HA.md
 * §2.2/§2.5): one small ajv schema per component, additionalProperties false so a typo or a
 * deprecated key (object_id) fails instead of being silently ignored by HA. Used by the discovery
 * unit test and by the MQTT integration tests on what the service really published.
 */
import AjvModule from 'ajv';

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
      // http(s):// or HA's internal homeassistant:// link (HA.md §2.2).
      configuration_url: { type: 'string', pattern: '^(https?|homeassistant)://[^\\s]+$' },
      via_device: str,
      connections: { type: 'array' },
    },
  },
  o: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: str,
      sw: str,
      url: { type: 'string', pattern: '^https?://' },
      support_url: { type: 'string', pattern: '^https?://' },
    },
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
export const SCHEMAS: Record<string, object> = {
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
    // HA's BinarySensorDeviceClass values we use (tamper: "on means tampering detected").
    device_class: { enum: ['motion', 'occupancy', 'connectivity', 'problem', 'tamper'] },
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
  // HA 2023.7+ MQTT image (HA.md §2.5): image_topic xor url_topic; content_type only with image_topic.
  image: {
    ...entity([], {
      image_topic: topic,
      url_topic: topic,
      url_template: str,
      content_type: { type: 'string', pattern: '^image/[a-z0-9.+-]+$' },
      image_encoding: { const: 'b64' },
    }),
    if: { required: ['image_topic'], properties: { image_topic: topic } },
    then: { properties: { url_topic: false, url_template: false } },
    else: { required: ['url_topic'], properties: { url_topic: topic, content_type: false } },
  },
};
export const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
export const validators = Object.fromEntries(Object.entries(SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));

/**
 * Checks one retained discovery message (`<prefix>/<component>/<object_id>/config`): the payload
 * validates for its component, object_id = unique_id, default_entity_id is in that domain.
 * Returns the problem, or null when it is fine.
 */
export function discoveryProblem(topic: string, payload: unknown): string | null {
  const [, component, objectId, last] = topic.split('/');
  if (last !== 'config' || !objectId || !/^[a-zA-Z0-9_-]+$/.test(objectId)) return `${topic}: bad topic`;
  const validate = validators[component!];
  if (!validate) return `${topic}: no schema for ${component}`;
  if (!validate(payload)) return `${topic}: ${ajv.errorsText(validate.errors)}`;
  const p = payload as { unique_id?: unknown; default_entity_id?: unknown };
  if (p.unique_id !== objectId) return `${topic}: object_id ${objectId} ≠ unique_id ${String(p.unique_id)}`;
  if (String(p.default_entity_id).split('.')[0] !== component)
    return `${topic}: default_entity_id ${String(p.default_entity_id)} is not a ${component}`;
  return null;
}
