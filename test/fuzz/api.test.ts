/**
 * Fuzz: the real Lookout app with a live camera (synthetic RTSP camera, FFmpeg, hub) and a dead
 * one. Two targets share it:
 *  - every POST/PUT route, read from the running app's route table (a new route is fuzzed without
 *    touching this file), driven with app.inject: arbitrary JSON bodies (prototype keys, huge and
 *    nested values), malformed JSON, other content types, odd path parameters. Property: never a
 *    5xx, every 4xx a JSON `{error: {code, message}}`.
 *  - the MSE-over-WebSocket client messages (contracts/mse-ws.ts), over a real socket: any text or
 *    binary frame. Property: the server answers and keeps the socket.
 * Both: no unhandled rejection, and the live camera is never disturbed (same FFmpeg, still live).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import { cameraProfiles, FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';
import { corpus, fc, nastyJson, NASTY_STRINGS, params, PROTOTYPE_KEYS, trapUnhandled } from './harness.js';

const NO_CAPS = { ptz: false, presets: false, motion_events: false, audio_out: false };

/** `METHOD /path/:param` for every POST/PUT route, parsed from Fastify's route tree. */
function writeRoutes(tree: string): Array<{ method: string; path: string }> {
  const stack: string[] = [];
  const out: Array<{ method: string; path: string }> = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)[└├]── (\S+) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const depth = [...m[1]!].length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/^\/\//, '/');
    for (const method of m[3]!.split(', '))
      if (method === 'POST' || method === 'PUT') out.push({ method, path });
  }
  return out;
}

/** Percent-encoded; a value starting with `%` goes in raw (malformed escapes reach the router). */
function pathSegment(v: string): string {
  return v.startsWith('%') ? v : encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8')); // lone surrogates become U+FFFD;
}

/** A JSON value as text, object keys written literally (so `__proto__` stays an own key). */
function jsonText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const FIELD_NAMES = [
  'kind',
  'ttl_ms',
  'holder',
  'pan',
  'tilt',
  'zoom',
  'timeout_ms',
  'duration_s',
  'mode',
  'kept',
  'camera',
  'from',
  'to',
  'x',
  'y',
  'speed',
];
const bodyObject = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...FIELD_NAMES, ...PROTOTYPE_KEYS), fc.string({ maxLength: 6 })),
      nastyJson,
    ),
    { maxLength: 5 },
  )
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`);
const body = fc.oneof(
  { weight: 4, arbitrary: bodyObject },
  { weight: 1, arbitrary: nastyJson.map(jsonText) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"a":',
      'null',
      '[]',
      '"x"',
      '1e999',
      '{"a":1}{',
      '\u0000',
      '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  null,
);
const param = (name: string) =>
  name === 'profile'
    ? fc.oneof(
        fc.constantFrom('main', 'sub', 'main~h264', 'x'),
        fc.constantFrom(...NASTY_STRINGS),
        fc.string({ maxLength: 8 }),
      )
    : name === 'id' || name === 'camera'
      ? fc.oneof(
          fc.constantFrom('gate', 'other', 'nope'),
          fc.constantFrom(...NASTY_STRINGS),
          fc.string({ maxLength: 12 }),
        )
      : fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 12 }));

describe('fuzz: HTTP route bodies and MSE-WS messages against the real app', () => {
  const trap = trapUnhandled();
  let cam: SyntheticCamera;
  let app: Lookout;
  let gatePid: number | null;
  let gateSpawns: number;

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['gate'] });
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      cameras: [
        { id: 'gate', vendor: 'generic', profiles: cameraProfiles(cam, 'gate'), capabilities: NO_CAPS },
        {
          id: 'other',
          vendor: 'generic',
          profiles: { main: { url: 'rtsp://127.0.0.1:1/closed' } },
          capabilities: NO_CAPS,
        },
      ],
    });
    app = await startTestLookout(config, { tls: false, mqtt: false });
    app.supervisor.acquireLease(
      { camera: 'gate', profile: 'main' },
      { kind: 'viewer', holder: 'fuzz-watcher', ttlMs: 600_000 },
    );
    await waitFor(
      () => app.supervisor.status({ camera: 'gate', profile: 'main' }).state === 'live',
      20_000,
      'gate live',
    );
    const st = app.supervisor.status({ camera: 'gate', profile: 'main' });
    gatePid = st.pid;
    gateSpawns = st.counters.spawns;
  });
  after(async () => {
    await app?.stop();
    await cam?.close();
    trap.dispose();
  });

  /** The live camera was not disturbed: same FFmpeg, no new spawn, still live. */
  function assertGateUndisturbed(what: string): void {
    const st = app.supervisor.status({ camera: 'gate', profile: 'main' });
    assert.equal(st.state, 'live', `${what}: the live camera is ${st.state} (${st.reason})`);
    assert.equal(st.pid, gatePid, `${what}: the live camera's FFmpeg changed`);
    assert.equal(st.counters.spawns, gateSpawns, `${what}: the live camera restarted`);
  }

  async function judgeRequest(
    method: string,
    url: string,
    payload: string,
    type: string | null,
  ): Promise<void> {
    const res = await app.api.inject({
      method: method as 'POST',
      url,
      payload,
      headers: type === null ? {} : { 'content-type': type },
    });
    const what = `${method} ${url} [${type}] ${payload.slice(0, 200)}`;
    assert.ok(res.statusCode < 500, `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (res.statusCode >= 400) {
      const err = (res.json() as { error?: { code?: unknown; message?: unknown } }).error;
      assert.ok(
        typeof err?.code === 'string' && typeof err.message === 'string' && err.message.length > 0,
        `${what}: unclear error ${res.body}`,
      );
    }
  }

  test('corpus: every request that once broke a route gets a clear answer', async () => {
    // File: JSON {method, url, contentType, body}.
    for (const { name, data } of corpus('api-routes')) {
      const c = JSON.parse(data.toString('utf8')) as {
        method: string;
        url: string;
        contentType: string | null;
        body: string;
      };
      await judgeRequest(c.method, c.url, c.body, c.contentType);
      void name;
    }
    trap.check('api corpus');
  });

  test('every POST/PUT route: arbitrary bodies, content types and path parameters', async () => {
    const routes = writeRoutes(app.api.printRoutes({ commonPrefix: false }));
    // The route table is read, not listed here: a parse that finds too few would fuzz nothing.
    assert.ok(routes.length >= 12, `only ${routes.length} POST/PUT routes found`);
    const request = fc.nat({ max: routes.length - 1 }).chain((i) => {
      const r = routes[i]!;
      const names = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      return fc.record({
        route: fc.constant(r),
        values: names.length ? fc.tuple(...names.map(param)) : fc.constant([] as string[]),
        names: fc.constant(names),
        payload: body,
        type: contentType,
      });
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, values, names, payload, type }) => {
        let url = route.path;
        names.forEach((n, k) => (url = url.replace(`:${n}`, pathSegment(values[k]!))));
        await judgeRequest(route.method, url, payload, type);
      }),
      params(300),
    );
    await new Promise((r) => setTimeout(r, 100));
    trap.check('api routes');
    assertGateUndisturbed('after the route fuzz');
  });

  test('MSE-WS: any client frame; the server answers every bad one and keeps the socket', async () => {
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/api/ws`);
    const replies: Array<{ type?: string; id?: unknown }> = [];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) replies.push(JSON.parse(data.toString()) as { type?: string; id?: unknown });
    });
    await new Promise<void>(
      (resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)),
    );
    const message = fc.oneof(
      fc
        .record(
          {
            type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'Subscribe', '', 'ping'), nastyJson),
            id: fc.oneof(fc.constantFrom(0, 1, 65535, 65536, -1, 1.5, '1', null), fc.nat({ max: 70_000 })),
            key: fc.oneof(
              fc.constantFrom(
                'gate/main',
                'gate/sub',
                'gate/main~h264',
                'other/main',
                'nope/main',
                'gate',
                '/',
                '../x',
              ),
              nastyJson,
            ),
          },
          { requiredKeys: [] },
        )
        .map((m) => ({ text: jsonText(m) })),
      nastyJson.map((v) => ({ text: jsonText(v) })),
      fc.string({ maxLength: 40 }).map((text) => ({ text })),
      fc
        .constantFrom('x'.repeat(1025), '{"type":"subscribe","id":1,"key":"' + 'a'.repeat(2000) + '"}')
        .map((text) => ({ text })),
      fc.uint8Array({ maxLength: 32 }).map((b) => ({ binary: Buffer.from(b) })),
    );
    const corpusFrames = corpus('mse-ws').map((c) => ({ text: c.data.toString('utf8') }));
    const frames = [
      ...corpusFrames,
      ...fc.sample(message, { seed: params(1).seed, numRuns: params(300).numRuns }),
    ];
    for (const f of frames) {
      if ('binary' in f && f.binary) ws.send(f.binary, { binary: true });
      else ws.send((f as { text: string }).text);
    }
    // A probe after the burst: an unknown type with a fresh id must get its error answer.
    ws.send(JSON.stringify({ type: 'probe', id: 65_533 }));
    await waitFor(
      () => replies.some((r) => r.type === 'error' && r.id === 65_533),
      20_000,
      'the probe answer',
    );
    assert.equal(ws.readyState, WebSocket.OPEN, 'the server kept the socket');
    ws.close();
    await new Promise((r) => setTimeout(r, 200));
    trap.check('mse-ws');
    assertGateUndisturbed('after the MSE-WS fuzz');
  });
});
