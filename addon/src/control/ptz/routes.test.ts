// The camera-control HTTP API on a real Lookout instance (config → supervisor → API) talking to
// the loopback ONVIF device: 404/409/400/502 paths, presets round trip, safety stop, events + SSE.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOnvifDevice, type OnvifDevice } from '../../../../test/fixtures/onvif-device/index.js';
import { resolveOrThrow, tempDir, startTestLookout } from '../../../../test/helpers/setup.js';
import type { EventsAnswer } from '../../contracts/events.js';
import type { PresetsAnswer } from '../../contracts/ptz.js';
import type { Lookout } from '../../main.js';
import { USER, waitFor } from '../camera-control.test-helper.js';

const WRONG = 'N0t-the-Passw0rd';

describe('camera control API', () => {
  let dev: OnvifDevice;
  let app: Lookout;
  const bodies: string[] = [];

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  }

  before(async () => {
    dev = await startOnvifDevice({ ...USER, panTiltSpeed: 1 });
    const onvif = (password: string) => ({
      host: '127.0.0.1',
      port: dev.port,
      credentials: { username: USER.username, password },
    });
    const profiles = { main: { url: 'rtsp://127.0.0.1:9/unused' } };
    const config = resolveOrThrow(
      {
        server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
        cameras: [
          {
            id: 'ptzcam',
            vendor: 'generic',
            profiles,
            onvif: onvif('${CAM_PW}'),
            capabilities: { ptz: true, presets: true, motion_events: true },
          },
          {
            id: 'fixed',
            vendor: 'generic',
            profiles,
            onvif: onvif('${CAM_PW}'),
            capabilities: { ptz: false },
          },
          {
            id: 'nopass',
            vendor: 'generic',
            profiles,
            onvif: onvif('${WRONG_PW}'),
            capabilities: { ptz: true, presets: true },
          },
        ],
      },
      { CAM_PW: USER.password, WRONG_PW: WRONG },
    );
    app = await startTestLookout(config, { tls: false });
  });

  after(async () => {
    await app?.stop();
    assert.deepEqual(dev.activeSubscriptions(), [], 'shutdown unsubscribed');
    await dev?.close();
    for (const b of bodies) {
      assert.ok(!b.includes(USER.password) && !b.includes(WRONG), `a password leaked: ${b}`);
    }
  });

  test('404 unknown camera, 409 camera without PTZ (with the reason), 400 bad bodies', async () => {
    assert.equal((await call('POST', '/api/cameras/nope/ptz/stop')).status, 404);
    const fixed = await call('POST', '/api/cameras/fixed/ptz/move', { pan: 0.5 });
    assert.equal(fixed.status, 409);
    assert.match(JSON.stringify(fixed.json), /capabilities\.ptz is false/);
    assert.equal((await call('GET', '/api/cameras/fixed/presets')).status, 409);
    for (const bad of [
      { pan: 1.5 },
      { tilt: -2 },
      { zoom: 'fast' },
      { pan: 0.1, spin: true },
      { pan: 0.1, timeout_ms: 10 },
    ]) {
      const r = await call('POST', '/api/cameras/ptzcam/ptz/move', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    assert.equal(dev.callsTo('ContinuousMove').length, 0);
  });

  test('move without stop: the device sees a Stop within the safety time', async () => {
    dev.clearCalls();
    const r = await call('POST', '/api/cameras/ptzcam/ptz/move', { pan: 0.5, tilt: -0.25 });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { ok: true, stops_in_ms: 1000 });
    const took = await waitFor('Stop', () => dev.callsTo('Stop').length > 0, 3000);
    assert.ok(took < 2000, `stopped after ${took} ms`);
    assert.deepEqual(dev.ptz.status().velocity, { x: 0, y: 0, zoom: 0 });
    assert.equal((await call('POST', '/api/cameras/ptzcam/ptz/home')).status, 200);
    const caps = await call('GET', '/api/cameras/ptzcam/ptz');
    assert.equal(caps.json?.continuous, true);
  });

  test('presets by name: PUT creates then overwrites, GET lists names only, goto, DELETE', async () => {
    await call('POST', '/api/cameras/ptzcam/ptz/absolute', { pan: 0.5, tilt: 0.5 });
    assert.equal((await call('PUT', '/api/cameras/ptzcam/presets/front%20door')).status, 201);
    assert.equal((await call('PUT', '/api/cameras/ptzcam/presets/front%20door')).status, 200);
    await call('POST', '/api/cameras/ptzcam/ptz/absolute', { pan: 0, tilt: 0 });
    const list = await call('GET', '/api/cameras/ptzcam/presets');
    assert.deepEqual((list.json as unknown as PresetsAnswer).presets, [{ name: 'front door' }]);
    assert.equal((await call('POST', '/api/cameras/ptzcam/presets/front%20door/goto')).status, 200);
    assert.deepEqual(dev.ptz.position(), { x: 0.5, y: 0.5, zoom: 0 });
    assert.equal((await call('DELETE', '/api/cameras/ptzcam/presets/front%20door')).status, 204);
    assert.equal((await call('POST', '/api/cameras/ptzcam/presets/front%20door/goto')).status, 404);
    assert.equal((await call('PUT', '/api/cameras/ptzcam/presets/%3Cx%3E')).status, 400);
  });

  test('an ONVIF fault is a 502 with the fault text; a wrong password a 502 auth error', async () => {
    dev.setFault('GotoHomePosition', 'PTZ motor overheated', 1);
    const r = await call('POST', '/api/cameras/ptzcam/ptz/home');
    assert.equal(r.status, 502);
    assert.match(JSON.stringify(r.json), /PTZ motor overheated/);
    const auth = await call('GET', '/api/cameras/nopass/presets');
    assert.equal(auth.status, 502);
    assert.equal((auth.json?.error as { code: string }).code, 'camera_auth');
  });

  test('GET /api/events and the SSE stream deliver motion', async () => {
    await waitFor('subscribed', () => dev.activeSubscriptions().some((s) => s.pulling), 3000);
    const state = await call('GET', '/api/events');
    const answer = state.json as unknown as EventsAnswer;
    assert.equal(answer.feeds[0]?.camera, 'ptzcam');
    assert.equal(answer.feeds[0]?.state, 'subscribed');
    assert.equal(answer.states.find((s) => s.kind === 'motion')?.state, 'idle');

    const ac = new AbortController();
    const res = await fetch(`${app.url}/api/events/stream`, { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (re: RegExp) => {
      while (!re.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${text}`);
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil(/event: snapshot/);
    const sent = Date.now();
    dev.emitMotion(true);
    await readUntil(/event: motion\ndata: .*"active":true/);
    const latency = Date.now() - sent;
    assert.ok(latency < 1000, `SSE motion after ${latency} ms`);
    assert.match(text, /"camera":"ptzcam","kind":"motion","active":true/);
    ac.abort();
    await reader.cancel().catch(() => undefined);
  });
});
