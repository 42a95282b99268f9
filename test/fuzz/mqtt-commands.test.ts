/**
 * Fuzz: the MQTT command parser (control/mqtt/commands.ts) and its dispatch, for every command in
 * contracts/mqtt.ts, against a real Supervisor (its camera's source is a closed port: a lease starts
 * nothing but a failing probe). Payloads: raw bytes, HA's plain strings, and JSON objects whose
 * keys mix the commands' fields, the reply keys, Object.prototype's names and noise. Property:
 * every payload ends in an answer or a LookoutError with a 4xx/503 status — never an internal error
 * (a TypeError from a prototype key, a missing check), never an unhandled rejection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MQTT_COMMANDS, REPLY_KEYS, type MqttCommand } from '../../addon/src/contracts/mqtt.js';
import * as commands from '../../addon/src/control/mqtt/commands.js';
import { LookoutError } from '../../addon/src/lib/errors.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { resolveOrThrow, startSupervisor, tempDir } from '../helpers/setup.js';
import { assertQuick, corpus, fc, nastyJson, params, PROTOTYPE_KEYS, trapUnhandled } from './harness.js';

/**
 * The parse step: `parseCommand` (parse and field check in one pure function) where the tree has
 * it, else `parsePayload`, whose fields runCommand checks. Either way parse + run is the whole path.
 */
const mod = commands as unknown as Record<string, unknown>;
const parse = (mod.parseCommand ?? mod.parsePayload) as (
  c: MqttCommand,
  p: Buffer,
) => Record<string, unknown>;

const FIELDS = [
  'profile',
  'ttl_s',
  'holder',
  'lease',
  'pan',
  'tilt',
  'zoom',
  'speed',
  'timeout_ms',
  'name',
  'duration_s',
  'on',
];

/** A JSON object as text, keys written literally (so `__proto__` becomes an own key when parsed). */
const jsonObjectText = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...FIELDS, ...REPLY_KEYS, ...PROTOTYPE_KEYS), fc.string({ maxLength: 6 })),
      nastyJson,
    ),
    {
      maxLength: 5,
    },
  )
  .map(
    (entries) =>
      `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`,
  );

const payload = fc.oneof(
  jsonObjectText.map((t) => Buffer.from(t)),
  fc
    .constantFrom('', 'PRESS', 'ON', 'OFF', 'on', '{', '[]', 'null', '{"name":"x"}', ' {} ', '\u0000')
    .map((t) => Buffer.from(t)),
  fc.string({ maxLength: 80 }).map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

/** A key of a JSON-object payload that no command accepts (strict parsing must refuse it), or null. */
function unknownField(body: Buffer): string | null {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const known = new Set<string>([...FIELDS, ...REPLY_KEYS]);
  return Object.keys(v).find((k) => !known.has(k)) ?? null;
}

describe('fuzz: MQTT command parser', () => {
  const trap = trapUnhandled();
  let sup: Supervisor;
  let deps: commands.CommandDeps;

  before(async () => {
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      cameras: [{ id: 'cam', profiles: { main: { url: 'rtsp://127.0.0.1:1/closed' } } }],
    });
    sup = await startSupervisor(config);
    deps = { host: sup, holder: 'mqtt:fuzz', publishSnapshot: async () => undefined };
  });
  after(async () => {
    await sup?.stop();
    trap.dispose();
  });

  /** One command: an answer, or a client-side LookoutError; a field no command knows is refused. */
  async function judge(camera: string, command: MqttCommand, body: Buffer): Promise<void> {
    const t0 = Date.now();
    const unknown = unknownField(body);
    try {
      await commands.runCommand(deps, camera, command, parse(command, body));
      assert.equal(unknown, null, `${command}: unknown field ${unknown} accepted in ${body.toString()}`);
    } catch (err) {
      assert.ok(
        err instanceof LookoutError,
        `${command} ${JSON.stringify(body.toString())}: not a LookoutError: ${(err as Error).stack}`,
      );
      assert.notEqual(err.code, 'internal', `${command}: internal error for ${body.toString()}`);
      assert.ok(
        (err.status >= 400 && err.status < 500) || err.status === 503,
        `${command}: status ${err.status}`,
      );
      assert.ok(
        err.message.length > 0 && err.message.length < 500,
        `${command}: unclear message ${err.message}`,
      );
    }
    assertQuick(t0, 1000, `${command} ${body.toString().slice(0, 80)}`);
  }

  test('corpus: every payload that once broke the parser gets a clear answer', async () => {
    // File name: <command>.<anything>; content: the payload bytes.
    for (const { name, data } of corpus('mqtt-commands')) {
      const command = name.split('.')[0] as MqttCommand;
      assert.ok((MQTT_COMMANDS as readonly string[]).includes(command), `corpus ${name}: unknown command`);
      await judge('cam', command, data);
    }
    trap.check('mqtt corpus');
  });

  test('any payload to any command, on a known and an unknown camera', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...MQTT_COMMANDS),
        fc.constantFrom('cam', 'cam', 'nope'),
        payload,
        async (command, camera, body) => judge(camera, command, body),
      ),
      params(400),
    );
    await new Promise((r) => setImmediate(r));
    trap.check('mqtt commands');
    // The camera's table stays bounded by what the fuzzer asked for, and the supervisor still answers.
    assert.equal(sup.status({ camera: 'cam', profile: 'main' }).key, 'cam/main');
  });
});
