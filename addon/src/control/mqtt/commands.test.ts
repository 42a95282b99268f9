import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MQTT_COMMANDS } from '../../contracts/mqtt.js';
import { LookoutError } from '../../lib/errors.js';
import { parseCommand } from './commands.js';

const parse = (command: (typeof MQTT_COMMANDS)[number], text: string) =>
  parseCommand(command, Buffer.from(text));

/** The LookoutError a payload gets (anything else, such as a TypeError, fails the test). */
function refusal(command: (typeof MQTT_COMMANDS)[number], text: string): LookoutError {
  try {
    parse(command, text);
  } catch (err) {
    assert.ok(err instanceof LookoutError, `${command} ${text}: ${String(err)}`);
    return err;
  }
  assert.fail(`${command} ${text} was accepted`);
}

test("Object.prototype's names are unknown fields on every command, never known ones or a crash", () => {
  for (const command of MQTT_COMMANDS)
    for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
      const e = refusal(command, `{"${key}":1}`);
      assert.equal(e.code, 'bad_request');
      assert.equal(e.message, `unknown field "${key}"`);
    }
  const e = refusal('stream_start', '{"toString":"x"}');
  assert.equal(e.message, 'unknown field "toString"');
});

test('__proto__ with an object value: a validation error, the prototype untouched', () => {
  const e = refusal('ptz_move', '{"__proto__":{"pan":1},"tilt":0.5}');
  assert.equal(e.code, 'bad_request');
  assert.equal(({} as Record<string, unknown>)['pan'], undefined);
});

test('required fields are own properties: "lease" inherited from nowhere is missing', () => {
  assert.equal(refusal('stream_stop', '{}').message, 'missing field "lease"');
  assert.equal(refusal('preset_goto', '{"constructor":"x"}').message, 'unknown field "constructor"');
});

test('valid payloads still parse; HA plain strings; preset names normalised by the one rule', () => {
  assert.deepEqual(parse('stream_start', '{"profile":"sub","ttl_s":30}'), { profile: 'sub', ttl_s: 30 });
  assert.deepEqual(parse('record', 'ON'), { on: true });
  assert.deepEqual(parse('ptz_stop', 'PRESS'), {});
  assert.equal(parse('preset_goto', 'Gate').name, 'Gate');
  assert.deepEqual(
    parse('stream_stop', '{"lease":"x","response_topic":"lookout/_replies/a","correlation_id":3}'),
    {
      lease: 'x',
      response_topic: 'lookout/_replies/a',
      correlation_id: 3,
    },
  );
  assert.equal(refusal('ptz_move', '{"pan":2}').message, 'invalid value for "pan"');
  assert.equal(refusal('stream_start', '[1]').message, 'payload must be a JSON object');
});

test('an unknown field name is cut in the message (a megabyte key is not echoed back)', () => {
  const e = refusal('snapshot', `{"${'k'.repeat(100_000)}":1}`);
  assert.ok(e.message.length < 100, e.message);
});
