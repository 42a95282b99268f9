/**
 * What a web page the user opens, or a host on the LAN, can do to a Lookout started with the
 * defaults (no token, loopback): each test is one attack from issue 12, made over real sockets
 * against a real Lookout with a real synthetic camera and recorder, on both listeners.
 *   - a text/plain POST from a foreign Origin (a CORS "simple request") starts no recording;
 *   - a DNS-rebinding Host header is refused, the names Lookout is reached by are not;
 *   - a WebSocket upgrade from a foreign Origin is refused, same-origin and listed ones open;
 *   - no `access-control-allow-origin: *` on LL-HLS or anywhere; listed origins get theirs;
 *   - 50 POSTs with bodies that never complete are all closed within the body timeout;
 *   - WebSocket caps (per client address, total) and the SSE cap; every drop counted in /metrics;
 *   - a refused wider bind (0.0.0.0 without a token) and the recordings status without its path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { connect as h2connect } from 'node:http2';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { API_LIMIT_DEFAULTS } from '../../addon/src/control/api/limits.js';
import { REQUEST_BODY_MS } from '../../addon/src/control/api/timeouts.js';
import { loadScaledMs, processesMatching, zombieChildren } from '../helpers/processes.js';
import {
  FAST_STREAM,
  rawConfigFor,
  resolveOrThrow,
  startTestLookout,
  tempDir,
  testLogger,
} from '../helpers/setup.js';

const FRIEND = 'http://friend.example:8123';
const EVIL = 'http://evil.example';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  const u = new URL(url);
  const req = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(
      u,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        localAddress: opts.localAddress,
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(opts.body);
  });
}

/** 101 when the socket opened, else the HTTP status of the refusal. */
function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** The promise, or a clear failure after `ms` (a cap that does not hold must fail, not hang). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function metric(app: Lookout, reason: string): Promise<number> {
  const text = (await call(`${app.url}/metrics`)).body;
  const m = new RegExp(`^lookout_http_dropped_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `metric for ${reason} present`);
  return Number(m[1]);
}

describe('HTTP security with the defaults (no token, loopback)', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let root: string;
  const isRecording = async () => {
    const s = JSON.parse((await call(`${app.url}/api/recordings/status`)).body) as {
      cameras: Array<{ camera: string; recording: boolean }>;
    };
    return s.cameras.find((c) => c.camera === 'gate')!.recording;
  };

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['gate'] });
    root = tempDir('lookout-sec-rec-');
    const raw = rawConfigFor(cam);
    const config = resolveOrThrow({
      ...raw,
      // 127.0.0.2 stands in for HA's ingress proxy (a trusted proxy, judged by socket address).
      server: {
        ...raw.server,
        cors_origins: [FRIEND],
        allowed_hosts: ['nvr.home.arpa'],
        trusted_proxies: ['127.0.0.2'],
      },
      recording: { root, mode: 'manual', profile: 'sub', segment_length: '60s' },
    });
    app = await startTestLookout(config, { tls: {} });
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
    if (cam) assert.deepEqual(processesMatching(`127.0.0.1:${cam.port}/`), [], 'no FFmpeg left behind');
    assert.deepEqual(zombieChildren(), [], 'no zombies');
  });

  test('a text/plain POST (CORS simple request) from a foreign page starts no recording', async () => {
    const url = `${app.url}/api/cameras/gate/recording/start`;
    const simple = { 'content-type': 'text/plain;charset=UTF-8', origin: EVIL };
    const foreign = await call(url, { method: 'POST', headers: simple, body: '{"duration_s":30}' });
    assert.equal(foreign.status, 403, foreign.body);
    assert.equal(JSON.parse(foreign.body).error.code, 'origin_not_allowed');
    assert.match(JSON.parse(foreign.body).error.message, /server\.cors_origins/);
    // Even without an Origin (a script), text/plain and form bodies are not JSON: 415.
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await call(url, { method: 'POST', headers: { 'content-type': type }, body: 'duration_s=30' });
      assert.equal(r.status, 415, `${type}: ${r.body}`);
      assert.equal(JSON.parse(r.body).error.code, 'unsupported_media_type');
    }
    // A foreign Origin without a body, as a form or fetch(no-cors) could send it.
    assert.equal((await call(url, { method: 'POST', headers: { origin: EVIL } })).status, 403);
    assert.equal(await isRecording(), false, 'no recording started');
    assert.ok((await metric(app, 'origin_not_allowed')) >= 2);
    assert.ok((await metric(app, 'unsupported_media_type')) >= 3);

    // Lookout's own page (same origin) and a listed origin may.
    const own = await call(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: '{"duration_s":30}',
    });
    assert.equal(own.status, 200, own.body);
    assert.equal(await isRecording(), true);
    const stop = await call(`${app.url}/api/cameras/gate/recording/stop`, {
      method: 'POST',
      headers: { origin: FRIEND },
    });
    assert.equal(stop.status, 200, stop.body);
    assert.equal(stop.headers['access-control-allow-origin'], FRIEND);
  });

  test('DNS rebinding: a foreign Host name is refused; IPs, localhost, allowed_hosts and the host name pass', async () => {
    const port = new URL(app.url).port;
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `localhost.evil.example:${port}`,
    ]) {
      const r = await call(`${app.url}/api/streams`, { headers: { host } });
      assert.equal(r.status, 403, `${host}: ${r.body}`);
      assert.equal(JSON.parse(r.body).error.code, 'host_not_allowed');
      assert.match(JSON.parse(r.body).error.message, /server\.allowed_hosts/);
      assert.equal(await wsStatus(`${app.url.replace(/^http/, 'ws')}/api/ws`, { host }), 403, `ws ${host}`);
    }
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `nvr.home.arpa:${port}`,
      `cam.localhost:${port}`,
    ])
      assert.equal((await call(`${app.url}/api/streams`, { headers: { host } })).status, 200, host);
    assert.ok((await metric(app, 'host_not_allowed')) >= 6);
  });

  test('WebSocket upgrades: a foreign Origin is refused on both listeners; same-origin and listed origins open', async () => {
    const ws = app.url.replace(/^http/, 'ws');
    for (const path of ['/api/ws', '/live/ws']) {
      assert.equal(await wsStatus(`${ws}${path}`, { origin: EVIL }), 403, path);
      assert.equal(await wsStatus(`${ws}${path}`, { origin: 'null' }), 403, `${path} Origin: null`);
      assert.equal(await wsStatus(`${ws}${path}`, { origin: app.url }), 101, `${path} same origin`);
      assert.equal(await wsStatus(`${ws}${path}`, { origin: FRIEND }), 101, `${path} listed origin`);
      assert.equal(await wsStatus(`${ws}${path}`), 101, `${path} no Origin (not a browser)`);
    }
    const tls = await new Promise<number>((resolve, reject) => {
      const s = new WebSocket(`${app.tlsUrl!.replace(/^https/, 'wss')}/api/ws`, {
        headers: { origin: EVIL },
        rejectUnauthorized: false,
      });
      s.once('open', () => (s.close(), resolve(101)));
      s.once('unexpected-response', (_q, res) => (res.resume(), s.terminate(), resolve(res.statusCode ?? 0)));
      s.once('error', reject);
    });
    assert.equal(tls, 403, 'TLS listener');
  });

  test('through a trusted proxy (HA ingress): its Host passes, the Origin is compared with X-Forwarded-Host', async () => {
    const ws = `${app.url.replace(/^http/, 'ws')}/api/ws`;
    const ha = { host: '172.30.33.5:8080', 'x-forwarded-host': 'homeassistant.local:8123' };
    const viaProxy = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const s = new WebSocket(ws, { headers, localAddress: '127.0.0.2' });
        s.once('open', () => (s.close(), resolve(101)));
        s.once(
          'unexpected-response',
          (_q, res) => (res.resume(), s.terminate(), resolve(res.statusCode ?? 0)),
        );
        s.once('error', reject);
      });
    assert.equal(await viaProxy({ ...ha, origin: 'http://homeassistant.local:8123' }), 101, 'the HA page');
    assert.equal(await viaProxy({ ...ha, origin: EVIL }), 403, 'a foreign page through the proxy');
    const post = await call(`${app.url}/api/cameras/gate/recording/stop`, {
      method: 'POST',
      headers: { ...ha, origin: 'http://homeassistant.local:8123' },
      localAddress: '127.0.0.2',
    });
    assert.equal(post.status, 200, post.body);
    // The same Host from anywhere else is a rebinding name.
    assert.equal(
      (await call(`${app.url}/api/streams`, { headers: { host: 'homeassistant.local:8123' } })).status,
      403,
    );
  });

  test('no access-control-allow-origin: * on LL-HLS or the API; a listed origin gets its own', async () => {
    for (const path of ['/hls/gate/sub/index.m3u8', '/api/streams', '/api/health', '/metrics']) {
      const evil = await call(`${app.url}${path}`, { headers: { origin: EVIL } });
      assert.equal(evil.headers['access-control-allow-origin'], undefined, `${path}: ${evil.status}`);
      const friend = await call(`${app.url}${path}`, { headers: { origin: FRIEND } });
      assert.equal(friend.headers['access-control-allow-origin'], FRIEND, path);
    }
    const pre = await call(`${app.url}/api/cameras/gate/recording/start`, {
      method: 'OPTIONS',
      headers: {
        origin: FRIEND,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
  });

  test('slow bodies: 50 POSTs whose bodies never complete are all closed within the body timeout (HTTP/1.1 and HTTP/2)', async () => {
    const { port } = new URL(app.url);
    const sockets: Socket[] = [];
    const closedAt: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      const s = netConnect(Number(port), '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closedAt.push(Date.now() - t0));
      s.write(
        `POST /api/cameras/gate/recording/start HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"dur',
      );
      sockets.push(s);
    }
    // HTTP/2 over TLS: one session, 10 streams with bodies that never end.
    const session = h2connect(app.tlsUrl!, { rejectUnauthorized: false });
    session.on('error', () => undefined);
    const streamsClosed: number[] = [];
    for (let i = 0; i < 10; i++) {
      const st = session.request({
        ':method': 'POST',
        ':path': '/api/cameras/gate/recording/start',
        'content-type': 'application/json',
      });
      st.on('error', () => undefined);
      st.on('close', () => streamsClosed.push(Date.now() - t0));
      st.write('{"dur');
    }
    const bound = REQUEST_BODY_MS + loadScaledMs(5000).limitMs;
    const deadline = Date.now() + bound;
    while ((closedAt.length < 50 || streamsClosed.length < 10) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const open = sockets.filter((s) => !s.destroyed && !s.closed).length;
    for (const s of sockets) s.destroy();
    session.destroy();
    console.log(
      `# slow bodies: ${closedAt.length}/50 HTTP/1.1 connections and ${streamsClosed.length}/10 HTTP/2 streams closed; ` +
        `last after ${Math.max(...closedAt, 0)} ms (body timeout ${REQUEST_BODY_MS} ms)`,
    );
    assert.equal(open, 0, `${open} of 50 slow POSTs still open after ${bound} ms`);
    assert.equal(streamsClosed.length, 10, 'every slow HTTP/2 stream closed');
    // Not before the timeout: a slow but honest client gets its time.
    assert.ok(Math.min(...closedAt) >= REQUEST_BODY_MS - 1000, `closed after ${Math.min(...closedAt)} ms`);
    assert.equal(await isRecording(), false);
  });

  test('WebSocket caps: per client address and in total; refusals say why and are counted', async () => {
    const ws = `${app.url.replace(/^http/, 'ws')}/api/ws`;
    const { maxSockets, maxSocketsPerClient } = API_LIMIT_DEFAULTS;
    const open = (localAddress: string) =>
      new Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }>((resolve, reject) => {
        const s = new WebSocket(ws, { localAddress });
        const closed = new Promise<{ code: number; reason: string }>((r) =>
          s.once('close', (code, reason) => r({ code, reason: reason.toString() })),
        );
        s.once('open', () => resolve({ ws: s, closed }));
        s.once('error', reject);
      });
    const held: WebSocket[] = [];
    try {
      for (let i = 0; i < maxSocketsPerClient; i++) held.push((await open('127.0.0.1')).ws);
      const extra = await open('127.0.0.1');
      const why = await within(
        extra.closed,
        loadScaledMs(5000).limitMs,
        'the socket over the per-client cap closed',
      );
      assert.equal(why.code, 1013);
      assert.match(why.reason, /too many WebSockets from this address/);
      assert.ok((await metric(app, 'ws_per_client')) >= 1);
      // Fill the total from other loopback addresses (127.0.0.2, ...).
      let addr = 2;
      while (held.length < maxSockets) {
        for (let i = 0; i < maxSocketsPerClient && held.length < maxSockets; i++)
          held.push((await open(`127.0.0.${addr}`)).ws);
        addr++;
      }
      const over = await open(`127.0.0.${addr}`);
      const whyTotal = await within(
        over.closed,
        loadScaledMs(5000).limitMs,
        'the socket over the total cap closed',
      );
      assert.equal(whyTotal.code, 1013);
      assert.match(whyTotal.reason, /too many WebSockets open/);
      assert.ok((await metric(app, 'ws_total')) >= 1);
      assert.match(
        (await call(`${app.url}/metrics`)).body,
        new RegExp(`^lookout_http_websockets ${maxSockets}$`, 'm'),
      );
    } finally {
      for (const s of held) s.terminate();
    }
    // The places come back when sockets close.
    const deadline = Date.now() + loadScaledMs(5000).limitMs;
    while (
      Date.now() < deadline &&
      !/^lookout_http_websockets 0$/m.test((await call(`${app.url}/metrics`)).body)
    )
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(await wsStatus(ws), 101);
  });

  test('SSE cap: event streams beyond the cap get 503 and are counted; a closed one frees its place', async () => {
    const { maxSseClients } = API_LIMIT_DEFAULTS;
    const streams: Array<ReturnType<typeof httpRequest>> = [];
    const openOne = () =>
      new Promise<number>((resolve, reject) => {
        const r = httpRequest(`${app.url}/api/events/stream`, { agent: false }, (res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
        });
        r.on('error', reject);
        r.end();
        streams.push(r);
      });
    try {
      for (let i = 0; i < maxSseClients; i++) assert.equal(await openOne(), 200);
      const over = await call(`${app.url}/api/events/stream`);
      assert.equal(over.status, 503);
      assert.match(JSON.parse(over.body).error.message, /too many event streams/);
      assert.ok((await metric(app, 'sse_clients')) >= 1);
      streams.shift()!.destroy();
      const deadline = Date.now() + loadScaledMs(5000).limitMs;
      let again = 503;
      while (again !== 200 && Date.now() < deadline) {
        again = await openOne();
        if (again !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(again, 200);
    } finally {
      for (const r of streams) r.destroy();
    }
  });

  test('recordings status shows no absolute path; files are 0640 in 0750 folders', async () => {
    const r = await call(`${app.url}/api/recordings/status`);
    assert.equal(r.status, 200);
    assert.ok(!r.body.includes(root), 'the recording root is not in the answer');
    assert.equal((JSON.parse(r.body) as { root?: string }).root, undefined);
    const start = await call(`${app.url}/api/cameras/gate/recording/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"duration_s":2}',
    });
    assert.equal(start.status, 200, start.body);
    const deadline = Date.now() + loadScaledMs(20_000).limitMs;
    let rec: { id: string; path?: string } | undefined;
    while (!rec && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 500));
      rec = (
        JSON.parse((await call(`${app.url}/api/recordings?camera=gate`)).body) as {
          recordings: Array<{ id: string }>;
        }
      ).recordings[0];
    }
    assert.ok(rec, 'a recording was written');
    const file = app.recordings.get(rec.id).path;
    assert.equal(statSync(file).mode & 0o777, 0o640, 'file mode');
    assert.equal(statSync(join(file, '..')).mode & 0o777, 0o750, 'day folder mode');
    // A thumbnail FFmpeg cannot make: neither its stderr nor a path reaches the client.
    writeFileSync(file, 'not an mp4 any more');
    const thumb = await call(`${app.url}/api/recordings/${rec.id}/thumbnail`);
    assert.equal(thumb.status, 500, thumb.body);
    assert.ok(!thumb.body.includes(root) && !/ffmpeg|invalid data|moov/i.test(thumb.body), thumb.body);
  });
});

describe('binding beyond loopback', () => {
  test('0.0.0.0 without a token or trusted proxies is refused, in the config and on --host', async () => {
    const cfg = (server: Record<string, unknown>) =>
      resolveOrThrow({
        server: { port: 0, data_dir: tempDir(), ...server },
        defaults: { audio: 'drop', stream: FAST_STREAM },
        cameras: [],
      });
    assert.throws(() => cfg({ host: '0.0.0.0' }), /\/server\/host: listening on 0\.0\.0\.0 .*server\.token/);
    assert.equal(cfg({}).server.host, '127.0.0.1', 'the default is loopback');
    await assert.rejects(
      startLookout({
        config: cfg({}),
        log: testLogger(),
        listen: { host: '0.0.0.0', port: 0 },
        tls: false,
        mqtt: false,
      }),
      /refusing to start: listening on 0\.0\.0\.0/,
    );
    // With a token (or trusted proxies, as in the add-on) a wider bind is the user's choice.
    assert.equal(cfg({ host: '0.0.0.0', token: 'a-token-of-24-characters' }).server.host, '0.0.0.0');
    assert.equal(cfg({ host: '0.0.0.0', trusted_proxies: ['172.30.32.2'] }).server.host, '0.0.0.0');
  });
});
