/**
 * HTTP API over a real socket: answer shapes, 404/400 paths, and redaction — the camera password
 * (which needs percent-encoding) must never appear in any response or any log line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { createLogger } from '../../addon/src/lib/log.js';
import { SecretRedactor } from '../../addon/src/lib/redact.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import type { CameraDetail, LeaseAnswer, StreamGraph } from '../../addon/src/contracts/api.js';
import { FAST_STREAM, resolveOrThrow, tempDir, cameraProfiles } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

const PASSWORD = 's3cr#t)pw@x';
/** Credentials in a profile's `path:` query (Foscam style): no URL user-info to mask, only the redactor. */
const PATH_PASSWORD = 'fosc4m-LoginPas';
const PATH_PWD = 'second-Pwd-9';

describe('HTTP API', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  const logLines: string[] = [];
  const responses: string[] = [];

  async function call(method: string, path: string, body?: unknown, raw?: string) {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
    const text = await res.text();
    responses.push(text);
    const isJson = res.headers.get('content-type')?.includes('application/json') ?? false;
    return { status: res.status, text, json: isJson && text ? (JSON.parse(text) as unknown) : null };
  }

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['gate'], username: 'admin', password: PASSWORD });
    const config = resolveOrThrow(
      {
        server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
        defaults: { audio: 'drop', stream: FAST_STREAM },
        cameras: [
          {
            id: 'gate',
            name: 'Gate',
            vendor: 'generic',
            credentials: { username: 'admin', password: '${GATE_PASSWORD}' },
            profiles: cameraProfiles(cam, 'gate'),
            capabilities: { ptz: false, presets: false, motion_events: false, audio_out: false },
          },
          {
            id: 'foscam',
            vendor: 'generic',
            host: '127.0.0.1',
            rtsp_port: cam.port,
            // The synthetic camera wants credentials: FFmpeg fails with 401 and prints this URL.
            profiles: {
              main: { path: `/gate/main?loginuse=admin&loginpas=${PATH_PASSWORD}&pwd=${PATH_PWD}` },
            },
            capabilities: { ptz: false, presets: false, motion_events: false, audio_out: false },
          },
        ],
      },
      { GATE_PASSWORD: PASSWORD },
    );
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => logLines.push(...d.toString().split('\n').filter(Boolean)));
    // The app's redactor, the one the logger writes through (as `lookout serve` wires them).
    const redactor = new SecretRedactor();
    const log = createLogger({ pretty: false, level: 'debug', destination: sink, redactor });
    app = await startLookout({ config, log, redactor, listen: { port: 0, host: '127.0.0.1' } });
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
  });

  test('cameras list and detail: shapes, no credentials', async () => {
    const list = await call('GET', '/api/cameras');
    assert.equal(list.status, 200);
    const cams = (list.json as { cameras: CameraDetail[] }).cameras.filter((c) => c.id !== 'foscam');
    assert.equal(cams.length, 1);
    assert.equal(cams[0]!.id, 'gate');
    assert.deepEqual(
      cams[0]!.profiles.map((p) => p.key),
      ['gate/main', 'gate/sub'],
    );
    assert.match(cams[0]!.profiles[0]!.source, /^rtsp:\/\/127\.0\.0\.1:\d+\/gate\/main$/);
    const detail = await call('GET', '/api/cameras/gate');
    assert.equal(detail.status, 200);
    const d = detail.json as CameraDetail;
    assert.equal(d.hasCredentials, true);
    assert.equal(d.streams.length, 2);
    assert.ok(!('credentials' in d));
  });

  test('lease lifecycle over HTTP: 201 on acquire, live with the password-protected camera, renew, release', async () => {
    const r = await call('POST', '/api/streams/gate/sub/leases', {
      kind: 'viewer',
      ttl_ms: 20000,
      holder: 'test',
    });
    assert.equal(r.status, 201);
    const answer = r.json as LeaseAnswer;
    assert.equal(answer.lease.key, 'gate/sub');
    assert.equal(answer.lease.ttlMs, 20000);
    await waitFor(
      () => app.supervisor.status({ camera: 'gate', profile: 'sub' }).state === 'live',
      6000,
      'live',
    );
    const graph = (await call('GET', '/api/streams')).json as StreamGraph;
    const entry = graph.streams.find((s) => s.key === 'gate/sub')!;
    assert.equal(entry.state, 'live');
    assert.equal(entry.consumers.length, 1);
    assert.equal(entry.producers[0]!.type, 'ffmpeg');
    assert.ok(entry.producers[0]!.pid! > 0);
    const renewed = await call('POST', `/api/leases/${answer.lease.id}/renew`, { ttl_ms: 30000 });
    assert.equal(renewed.status, 200);
    assert.equal((renewed.json as LeaseAnswer).lease.ttlMs, 30000);
    const status = await call('GET', '/api/streams/gate/sub');
    assert.equal(status.status, 200);
    const metrics = await call('GET', '/metrics');
    assert.match(metrics.text, /lookout_stream_state\{camera="gate",profile="sub",state="live"\} 1/);
    assert.match(metrics.text, /lookout_stream_viewers\{camera="gate",profile="sub"\} 1/);
    // Make FFmpeg fail while connected: its stderr names the input URL (with credentials), and the
    // supervisor logs that tail. The redactor must have masked it.
    await cam.stop();
    await waitFor(() => logLines.some((l) => l.includes('ffmpeg ended')), 8000, 'ffmpeg ended logged');
    await cam.start();
    assert.equal((await call('DELETE', `/api/leases/${answer.lease.id}`)).status, 204);
    assert.equal((await call('DELETE', `/api/leases/${answer.lease.id}`)).status, 404);
  });

  test('errors: unknown camera/profile/lease → 404 JSON, malformed input → 400 with the reason', async () => {
    const cases: Array<[string, string, unknown, string | undefined, number, RegExp]> = [
      ['GET', '/api/cameras/nope', undefined, undefined, 404, /camera "nope" not found/],
      ['POST', '/api/streams/nope/main/leases', {}, undefined, 404, /camera "nope" not found/],
      ['GET', '/api/streams/gate/fisheye', undefined, undefined, 400, /profile/],
      ['POST', '/api/leases/unknown/renew', {}, undefined, 404, /lease "unknown" not found/],
      ['POST', '/api/streams/gate/main/leases', undefined, '{"kind": "viewer",', 400, /malformed JSON/],
      ['POST', '/api/streams/gate/main/leases', { kind: 'watcher' }, undefined, 400, /kind/],
      ['POST', '/api/streams/gate/main/leases', { ttl_ms: -5 }, undefined, 400, /ttl_ms/],
      ['POST', '/api/streams/gate/main/leases', { colour: 'red' }, undefined, 400, /additional/],
      ['GET', '/api/nothing-here', undefined, undefined, 404, /no route/],
    ];
    for (const [method, path, body, raw, status, re] of cases) {
      const r = await call(method, path, body, raw);
      assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
      const err = (r.json as { error: { code: string; message: string } }).error;
      assert.ok(err.code, `${method} ${path} has an error code`);
      assert.match(err.message, re, `${method} ${path}: ${err.message}`);
    }
    const health = await call('GET', '/api/health');
    assert.equal(health.status, 200);
    assert.equal((health.json as { status: string }).status, 'ok');
  });

  test('credentials in a path query: masked in the camera list, the stream status (stderr, reason) and the log', async () => {
    const list = await call('GET', '/api/cameras');
    const foscam = (list.json as { cameras: CameraDetail[] }).cameras.find((c) => c.id === 'foscam')!;
    assert.match(foscam.profiles[0]!.source, /loginuse=admin&loginpas=\*\*\*&pwd=\*\*\*$/);
    const lease = await call('POST', '/api/streams/foscam/main/leases', { kind: 'viewer', holder: 'test' });
    assert.equal(lease.status, 201);
    // FFmpeg is refused (401) and names its input URL on stderr; the runner keeps that tail.
    const deadline = Date.now() + 15_000;
    let st: { stderrTail: string[]; reason: string } = { stderrTail: [], reason: '' };
    while (!st.stderrTail.some((l) => l.includes('loginpas=')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      st = (await call('GET', '/api/streams/foscam/main')).json as typeof st;
    }
    assert.ok(
      st.stderrTail.some((l) => l.includes('loginpas=***')),
      st.stderrTail.join('\n'),
    );
    await call('DELETE', `/api/leases/${(lease.json as LeaseAnswer).lease.id}`);
    for (const text of [...responses, ...logLines])
      for (const pw of [PATH_PASSWORD, PATH_PWD])
        assert.ok(!text.includes(pw), `path password leaked in: ${text.slice(0, 300)}`);
  });

  test('the password (raw or percent-encoded) appears in no response and no log line', () => {
    const forms = [PASSWORD, encodeURIComponent(PASSWORD), PATH_PASSWORD, PATH_PWD];
    assert.ok(logLines.length >= 4, 'logs were captured');
    assert.ok(
      logLines.some((l) => l.includes('ffmpeg started')),
      'logs include the FFmpeg start with its source',
    );
    for (const text of [...responses, ...logLines]) {
      for (const f of forms) assert.ok(!text.includes(f), `secret leaked in: ${text.slice(0, 200)}`);
    }
  });
});
