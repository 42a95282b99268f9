/**
 * The schema is the file format's definition, and the code has typed copies of its closed sets and
 * patterns. These tests keep the two from drifting apart, and keep the schema self-documenting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VENDORS } from '../contracts/config.js';
import { CAMERA_ID_PATTERN, PROFILE_NAMES } from '../contracts/stream-key.js';
import { BITRATE_PATTERN } from './bitrate.js';
import { DURATION_PATTERN } from './duration.js';
import { AUDIO_MODES, LOG_LEVELS, PROFILE_MODES, TRANSPORTS, X264_PRESETS } from './enums.js';
import { HOST_PATTERN } from './host.js';
import { CONFIG_SCHEMA, validateSchema } from './schema.js';
import { TUNING_KEYS } from './tuning.js';
import { VENDOR_REGISTRY } from '../vendors/registry.js';

type Json = Record<string, unknown>;
const defs = CONFIG_SCHEMA['$defs'] as Record<string, Json>;
const def = (name: string): Json => defs[name] as Json;
const props = (name: string): Json => def(name)['properties'] as Json;

test('the schema vendor enum and vendors section equal the vendor registry (vendors/registry.ts)', () => {
  const registered = Object.keys(VENDOR_REGISTRY);
  assert.deepEqual(def('vendor')['enum'], registered);
  assert.deepEqual(Object.keys(props('vendors')), registered);
  assert.deepEqual([...VENDORS], registered, 'contracts VENDORS lists the registry in its order');
});

test('schema closed sets equal the code and contract lists', () => {
  assert.deepEqual(Object.keys(props('profiles')), [...PROFILE_NAMES]);
  assert.deepEqual(def('transport')['enum'], [...TRANSPORTS]);
  assert.deepEqual(def('audio')['enum'], [...AUDIO_MODES]);
  assert.deepEqual((props('profile')['mode'] as Json)['enum'], [...PROFILE_MODES]);
  assert.deepEqual((props('server')['log_level'] as Json)['enum'], [...LOG_LEVELS]);
  assert.deepEqual((props('transcode')['preset'] as Json)['enum'], [...X264_PRESETS]);
  assert.deepEqual(Object.keys(props('stream_tuning')), Object.keys(TUNING_KEYS));
});

test("schema patterns equal the value-type parsers' patterns", () => {
  assert.equal(def('camera_id')['pattern'], CAMERA_ID_PATTERN);
  assert.equal(def('duration')['pattern'], DURATION_PATTERN);
  assert.equal(def('bitrate')['pattern'], BITRATE_PATTERN);
  assert.equal(def('host')['pattern'], HOST_PATTERN);
});

test('every key in the schema has a description (the schema doubles as documentation)', () => {
  const missing: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Json;
    for (const [key, sub] of Object.entries((n['properties'] as Json | undefined) ?? {})) {
      const s = sub as Json;
      const ref = typeof s['$ref'] === 'string' ? def(s['$ref'].replace('#/$defs/', '')) : undefined;
      if (!s['description'] && !ref?.['description']) missing.push(`${where}/${key}`);
      walk(s, `${where}/${key}`);
    }
    for (const [name, sub] of Object.entries((n['$defs'] as Json | undefined) ?? {}))
      walk(sub, `$defs/${name}`);
  };
  walk(CONFIG_SCHEMA, '');
  assert.deepEqual(missing, []);
});

test('every object in the schema forbids unknown keys', () => {
  const open: string[] = [];
  for (const [name, d] of Object.entries(defs)) {
    if (d['type'] === 'object' && d['additionalProperties'] !== false) open.push(name);
  }
  assert.equal(CONFIG_SCHEMA['additionalProperties'], false);
  assert.deepEqual(open, []);
});

test('ajv messages are rewritten for humans', () => {
  const issues = validateSchema({
    cameras: [
      {
        id: 'a',
        vendr: 'x',
        transport: 'TCP',
        profiles: { main: { url: 'udp://x' } },
        stream: { part_target: 'soon' },
      },
    ],
  });
  assert.deepEqual(issues, [
    {
      path: '/cameras/0/vendr',
      message:
        'unknown key "vendr" (did you mean "vendor"?); allowed here: id, name, enabled, hidden, vendor, host, rtsp_port, credentials, transport, audio, always_on, stream, profiles, onvif, snapshot_url, capabilities, motion, backchannel, recording',
    },
    {
      path: '/cameras/0/transport',
      message: 'must be one of: auto, tcp, udp (got "TCP"; did you mean "tcp"?)',
    },
    {
      path: '/cameras/0/stream/part_target',
      message:
        'invalid duration "soon": write a number of seconds, or a number with a unit ms, s, m or h (e.g. 200ms, 1.5s, 2m)',
    },
    {
      path: '/cameras/0/profiles/main/url',
      message: 'unsupported URL scheme "udp"; use one of rtsp, rtsps, srt, http, https, rtmp, file',
    },
  ]);
  assert.deepEqual(
    validateSchema({
      cameras: [
        { id: 'a', profiles: { main: { url: 'rtsp://x' } }, credentials: { username: 'u', password: 1234 } },
      ],
    }),
    [
      {
        path: '/cameras/0/credentials/password',
        message: 'must be a string (got a whole number); quote it in YAML, e.g. "0123", so it stays text',
      },
    ],
  );
});
