/**
 * API authentication (server.token) against a real Lookout with a real synthetic camera, on both
 * listeners: 401 without credentials (API, LL-HLS, metrics, the page, WebSocket upgrades), bearer,
 * the ?token= → cookie redirect, the cookie for WebSockets and HLS, trusted proxies (a second
 * loopback address, 127.0.0.2, stands in for HA's ingress proxy), /api/health open, and the token in
 * no log line and not in `config explain`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { configExplain } from '../../addon/src/cli/config-commands.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { createLogger } from '../../addon/src/lib/log.js';
import { SecretRedactor } from '../../addon/src/lib/redact.js';
import type { Lookout } from '../../addon/src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { processesMatching, zombieChildren } from '../helpers/processes.js';
import { rawConfigFor, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';

const TOKEN = 'tok-3f9c1a7e5b2d4c6e8a0b1c2d';
const WRONG = 'tok-0000wrongwrongwrong0000';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over a real socket; `localAddress` picks the client's loopback address. */
function get(
  url: string,
  opts: { headers?: Record<string, string>; localAddress?: string; method?: string } = {},
): Promise<Answer> {
  const u = new URL(url);
  const req = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(
      u,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        localAddress: opts.localAddress,
        rejectUnauthorized: false, // the listener's self-signed certificate
        agent: false,
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
    r.end();
  });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
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
    ws.once('error', (err) => reject(err));
  });
}

function assertUnauthorized(a: Answer, what: string): void {
  assert.equal(a.status, 401, `${what}: ${a.status} ${a.body}`);
  assert.equal(JSON.parse(a.body).error.code, 'unauthorized', what);
  assert.match(String(a.headers['www-authenticate']), /^Bearer/);
  assert.ok(!a.body.includes(TOKEN) && !a.body.includes(WRONG), `${what}: no token echoed`);
}

describe('API authentication (server.token)', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  const logs: string[] = [];
  const bearer = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['gate'] });
    const raw = rawConfigFor(cam);
    const config = resolveOrThrow(
      { ...raw, server: { ...raw.server, token: '${LOOKOUT_TOKEN}', trusted_proxies: ['127.0.0.2'] } },
      { LOOKOUT_TOKEN: TOKEN },
    );
    assert.equal(config.server.token, TOKEN);
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => logs.push(c.toString()));
    const redactor = new SecretRedactor();
    const log = createLogger({ destination: sink, pretty: false, level: 'debug', redactor });
    app = await startTestLookout(config, { log, redactor, tls: {} });
    log.info({ config: config.server }, 'test: the server settings, logged on purpose');
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
    if (cam) assert.deepEqual(processesMatching(`127.0.0.1:${cam.port}/`), [], 'no FFmpeg left behind');
    assert.deepEqual(zombieChildren(), [], 'no zombies');
  });

  test('without credentials: 401 on the API, LL-HLS, metrics, the page, unknown routes and WebSockets', async () => {
    for (const path of [
      '/api/streams',
      '/api/cameras/gate',
      '/api/recordings/events',
      '/api/exports',
      '/hls/gate/sub/index.m3u8',
      '/metrics',
      '/',
      '/no/such/route',
    ])
      assertUnauthorized(await get(app.url + path), path);
    assertUnauthorized(
      await get(`${app.url}/api/streams/gate/sub/leases`, { method: 'POST' }),
      'POST leases',
    );
    const ws = app.url.replace(/^http/, 'ws');
    assert.equal(await wsStatus(`${ws}/api/ws`), 401);
    assert.equal(await wsStatus(`${ws}/live/ws`), 401);
    // ?token= is for page GETs only, not for upgrades (a WebSocket cannot follow the redirect).
    assert.equal(await wsStatus(`${ws}/api/ws?token=${TOKEN}`), 401);
    assert.equal(
      app.supervisor.status(streamKey('gate', 'sub')).leases.length,
      0,
      'a refused request holds no lease',
    );
  });

  test('wrong credentials: 401, nothing echoed', async () => {
    assertUnauthorized(
      await get(`${app.url}/api/streams`, { headers: { authorization: `Bearer ${WRONG}` } }),
      'wrong bearer',
    );
    assertUnauthorized(
      await get(`${app.url}/api/streams`, { headers: { cookie: `lookout_session=${TOKEN}` } }),
      'the token itself is not a session cookie',
    );
    const q = await get(`${app.url}/?token=${WRONG}`);
    assertUnauthorized(q, 'wrong ?token=');
    assert.equal(q.headers['set-cookie'], undefined);
  });

  test('/api/health stays open and says nothing secret', async () => {
    const h = await get(`${app.url}/api/health`);
    assert.equal(h.status, 200);
    assert.equal(JSON.parse(h.body).status, 'ok');
    assert.ok(!h.body.includes(TOKEN));
  });

  test('bearer: the API, metrics and an LL-HLS playlist answer', async () => {
    assert.equal((await get(`${app.url}/api/streams`, { headers: bearer })).status, 200);
    assert.equal((await get(`${app.url}/metrics`, { headers: bearer })).status, 200);
    const hls = await get(`${app.url}/hls/gate/sub/index.m3u8`, { headers: bearer });
    assert.equal(hls.status, 200, hls.body);
    assert.match(hls.body, /^#EXTM3U/);
  });

  test('?token= on a page GET: 302 with the session cookie to the same URL without the token; the cookie opens /api/ws and /hls', async () => {
    const r = await get(`${app.url}/?token=${TOKEN}&view=grid`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, './?view=grid');
    assert.ok(!String(r.headers.location).includes(TOKEN));
    const setCookie = String(r.headers['set-cookie']);
    assert.match(
      setCookie,
      /^lookout_session=\d+\.[A-Za-z0-9_-]+; Max-Age=604800; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    assert.ok(!setCookie.includes(TOKEN), 'the cookie is derived from the token, not the token');
    const cookie = setCookie.split(';')[0]!;
    // The redirect target resolves against the request URL, keeping a proxy's path prefix.
    assert.equal((await get(`${app.url}/api/cameras?token=${TOKEN}`)).headers.location, './cameras');

    const page = await get(new URL(String(r.headers.location), `${app.url}/`).href, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.equal((await get(`${app.url}/api/streams`, { headers: { cookie } })).status, 200);
    const hls = await get(`${app.url}/hls/gate/sub/index.m3u8`, { headers: { cookie } });
    assert.equal(hls.status, 200);

    // MSE over WebSocket with the cookie only: the socket opens and media arrives.
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/api/ws`, { headers: { cookie } });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 1, key: 'gate/sub' })));
        ws.on('message', (_d, isBinary) => isBinary && resolve());
        ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
        ws.once('error', reject);
        setTimeout(() => reject(new Error('no media over /api/ws within 15 s')), 15_000).unref();
      });
    } finally {
      ws.close();
    }
  });

  test('a trusted proxy address needs no token; other addresses do', async () => {
    const viaProxy = await get(`${app.url}/api/streams`, { localAddress: '127.0.0.2' });
    assert.equal(viaProxy.status, 200, viaProxy.body);
    const direct = await get(`${app.url}/api/streams`, { localAddress: '127.0.0.1' });
    assert.equal(direct.status, 401);
  });

  test('the HTTP/2 + TLS listener applies the same rule; its cookie is Secure', async () => {
    assert.ok(app.tlsUrl, 'TLS listener running');
    assertUnauthorized(await get(`${app.tlsUrl}/api/streams`), 'TLS without credentials');
    assert.equal((await get(`${app.tlsUrl}/api/streams`, { headers: bearer })).status, 200);
    const r = await get(`${app.tlsUrl}/?token=${TOKEN}`);
    assert.equal(r.status, 302);
    assert.match(String(r.headers['set-cookie']), /; Secure$/);
  });

  test('Chromium: /?token= loads the page without the token in its address; its API calls and video work', async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext()).newPage();
      const answers: { url: string; status: number }[] = [];
      page.on('response', (r) => answers.push({ url: r.url(), status: r.status() }));
      await page.goto(`${app.url}/?token=${TOKEN}`);
      assert.equal(page.url(), `${app.url}/`);
      // Some video in the page (inside the panel's shadow roots) plays: media requests carry the cookie.
      await page.waitForFunction(
        `(() => { const find = (root) => [...root.querySelectorAll('*')].flatMap((el) =>
            el.tagName === 'VIDEO' ? [el] : el.shadowRoot ? find(el.shadowRoot) : []);
          return find(document).some((v) => v.currentTime > 0.5); })()`,
        undefined,
        { timeout: 30_000, polling: 250 },
      );
      // The Review tab's list and timelines come over the same cookie.
      await page.locator('lookout-grid-card .tabs button', { hasText: 'Review' }).click();
      await page
        .locator('lookout-review .sentinel', { hasText: /No recordings|No more events/ })
        .waitFor({ timeout: 15_000 });
      const api = answers.filter((a) => new URL(a.url).pathname.startsWith('/api/'));
      assert.ok(api.length > 0, 'the page called the API');
      assert.ok(
        api.some((a) => new URL(a.url).pathname === '/api/recordings/events' && a.status === 200),
        'the review list answered',
      );
      assert.deepEqual(
        answers.filter((a) => a.status === 401),
        [],
        'no request of the page was refused',
      );
      assert.ok(
        answers.every((a) => !a.url.includes(TOKEN) || a.status === 302),
        'the token only in the first URL',
      );
      console.log(
        `# chromium with the session cookie: ${api.length} API answers, ${answers.length} in all, none refused`,
      );
    } finally {
      await browser.close();
    }
  });

  test('the token appears in no log line and not in config explain', async () => {
    const text = logs.join('');
    assert.ok(text.includes('the server settings, logged on purpose'), 'logs were captured');
    assert.ok(!text.includes(TOKEN), 'token in the logs');
    assert.ok(!text.includes(WRONG), 'a wrong token in the logs');

    const dir = tempDir();
    const file = join(dir, 'cams.yaml');
    writeFileSync(
      file,
      `server: { token: '${TOKEN}' }\ncameras:\n  - { id: porch, profiles: { main: { url: 'rtsp://10.0.0.2/s' } } }\n`,
    );
    const out = await configExplain(file);
    assert.equal(out.exitCode, 0, out.output);
    assert.match(out.output, /server\.token\s+\*\*\*\s+global\s+\/server\/token/);
    assert.ok(!out.output.includes(TOKEN));
  });
});
