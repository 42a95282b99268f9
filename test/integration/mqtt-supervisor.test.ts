/**
 * In the add-on with no mqtt.url, Lookout asks HA's Supervisor for the MQTT broker
 * (GET $SUPERVISOR_URL/services/mqtt with SUPERVISOR_TOKEN) and connects there; when that fails it
 * warns once and runs its embedded broker.
 *
 * The Supervisor here is a loopback HTTP server answering like the real one (shared/docs/HA.md §1.7):
 * a stand-in for a peer that cannot exist outside a Home Assistant OS host. The broker it names is a
 * real mosquitto with a user and password, and Lookout is the real supervisor started by main.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { MqttClient } from 'mqtt';
import { mqttTopics } from '../../addon/src/contracts/mqtt.js';
import { createLogger, type Logger } from '../../addon/src/lib/log.js';
import { SecretRedactor } from '../../addon/src/lib/redact.js';
import type { Lookout } from '../../addon/src/main.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { recorder, testClient, waitUntil } from '../helpers/mqtt-client.js';
import { readProc, zombieChildren } from '../helpers/processes.js';
import { resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';

const SUPERVISOR_TOKEN = 'sup-8d1e0c9b7a6f5e4d3c2b1a09';
const USER = 'addons';
const PASSWORD = 'Mq-pa55/word#9f2e41';
const WARNING = 'no MQTT broker from the Home Assistant Supervisor; running the embedded broker';
const t = mqttTopics('lookout');

type Mode = 'ok' | 'missing-port' | 'not-json' | 'no-service' | 'hang';

describe('MQTT broker from the HA Supervisor', () => {
  let mosq: Mosquitto;
  let supervisor: Server;
  let mode: Mode = 'ok';
  const asked: { path: string; auth: string | undefined }[] = [];
  const held: ServerResponse[] = [];
  const saved = { token: process.env.SUPERVISOR_TOKEN, url: process.env.SUPERVISOR_URL };

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    asked.push({ path: req.url ?? '', auth: req.headers.authorization });
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${SUPERVISOR_TOKEN}`)
      return json(401, { result: 'error', message: 'Unauthorized' });
    if (req.url !== '/services/mqtt') return json(404, { result: 'error', message: 'not found' });
    // The real Supervisor stores port as an int though it is documented as a string; send the string.
    const data = {
      host: '127.0.0.1',
      port: String(mosq.port),
      ssl: false,
      username: USER,
      password: PASSWORD,
      protocol: '3.1.1',
      addon: 'core_mosquitto',
    };
    switch (mode) {
      case 'ok':
        return json(200, { result: 'ok', data });
      case 'missing-port':
        return json(200, { result: 'ok', data: { ...data, port: undefined } });
      case 'not-json':
        return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
      case 'no-service':
        return json(400, { result: 'error', message: 'Service not enabled' });
      case 'hang':
        held.push(res); // never answered: the 3 s deadline must fire
        return;
    }
  };

  before(async () => {
    mosq = await startMosquitto({ users: { [USER]: PASSWORD } });
    supervisor = createServer(answer);
    await new Promise<void>((r) => supervisor.listen(0, '127.0.0.1', r));
    process.env.SUPERVISOR_TOKEN = SUPERVISOR_TOKEN;
    process.env.SUPERVISOR_URL = `http://127.0.0.1:${(supervisor.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const k of ['token', 'url'] as const) {
      const name = k === 'token' ? 'SUPERVISOR_TOKEN' : 'SUPERVISOR_URL';
      if (saved[k] === undefined) delete process.env[name];
      else process.env[name] = saved[k];
    }
    for (const res of held) res.destroy();
    await new Promise<void>((r) => supervisor?.close(() => r()));
    await mosq?.stop();
    if (mosq) assert.equal(readProc(mosq.pid), null, 'mosquitto is gone');
    assert.deepEqual(zombieChildren(), [], 'no zombies');
  });

  /** Lookout with no cameras and no mqtt.url, its log lines captured. */
  async function start(): Promise<{ app: Lookout; lines: () => string[]; log: Logger }> {
    const captured: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => captured.push(...c.toString().split('\n').filter(Boolean)));
    const redactor = new SecretRedactor();
    const log = createLogger({ destination: sink, pretty: false, level: 'debug', redactor });
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      cameras: [],
    });
    assert.equal(config.mqtt.url, null);
    const app = await startTestLookout(config, { log, redactor, tls: false });
    return { app, lines: () => captured, log };
  }

  test('the Supervisor names a broker with credentials: Lookout publishes its availability there', async () => {
    mode = 'ok';
    asked.length = 0;
    const { app, lines, log } = await start();
    let client: MqttClient | undefined;
    try {
      assert.equal(app.mqtt?.url, `mqtt://127.0.0.1:${mosq.port}`);
      // The broker, and the add-on's own info for the devices' panel link (control/mqtt/panel-link.ts).
      assert.deepEqual(
        asked.filter((a) => a.path === '/services/mqtt'),
        [{ path: '/services/mqtt', auth: `Bearer ${SUPERVISOR_TOKEN}` }],
      );
      assert.deepEqual(asked.map((a) => a.path).sort(), ['/addons/self/info', '/services/mqtt']);
      client = await testClient(mosq.url, { username: USER, password: PASSWORD });
      const seen = await recorder(client, 'lookout/#');
      await waitUntil(
        () => seen.latest.get(t.status)?.toString() === 'online',
        10_000,
        'lookout/status online',
      );

      // The password reached the redactor: even logged on purpose it comes out masked.
      log.info(`test: the broker password is ${PASSWORD}`);
      await waitUntil(() => lines().some((l) => l.includes('the broker password is')), 2000, 'log line');
      const text = lines().join('\n');
      assert.ok(text.includes('the broker password is ***'));
      assert.ok(!text.includes(PASSWORD), 'password in the logs');
      assert.ok(!text.includes(SUPERVISOR_TOKEN), 'Supervisor token in the logs');
      assert.ok(text.includes('using the MQTT broker named by the Home Assistant Supervisor'));
      assert.ok(!text.includes('embedded MQTT broker listening'));
    } finally {
      await client?.endAsync();
      await app.stop();
    }
    // A clean stop publishes offline on the Supervisor's broker.
    const check = await testClient(mosq.url, { username: USER, password: PASSWORD });
    try {
      const seen = await recorder(check, t.status);
      await waitUntil(
        () => seen.latest.get(t.status)?.toString() === 'offline',
        5000,
        'lookout/status offline',
      );
    } finally {
      await check.endAsync();
    }
  });

  const fallbacks: { mode: Mode; cause: RegExp; token?: string }[] = [
    { mode: 'missing-port', cause: /malformed MQTT service answer: data\.port/ },
    { mode: 'not-json', cause: /the answer is not JSON/ },
    { mode: 'no-service', cause: /HTTP 400: Service not enabled/ },
    { mode: 'ok', token: 'sup-wrong-token-0000000000', cause: /HTTP 401: Unauthorized/ },
    { mode: 'hang', cause: /no answer within 3000 ms/ },
  ];
  for (const f of fallbacks) {
    test(`${f.token ? 'a rejected token' : f.mode}: one warning, then the embedded broker`, async () => {
      mode = f.mode;
      process.env.SUPERVISOR_TOKEN = f.token ?? SUPERVISOR_TOKEN;
      const t0 = Date.now();
      const { app, lines } = await start();
      const startMs = Date.now() - t0;
      let client: MqttClient | undefined;
      try {
        assert.match(app.mqtt?.url ?? '', /^mqtt:\/\/127\.0\.0\.1:\d+$/);
        assert.notEqual(app.mqtt?.url, `mqtt://127.0.0.1:${mosq.port}`);
        const warnings = lines()
          .map((l) => JSON.parse(l) as { level: number; msg: string; err?: string })
          .filter((l) => l.level === 40);
        assert.equal(warnings.length, 1, JSON.stringify(warnings));
        assert.equal(warnings[0]!.msg, WARNING);
        assert.match(String(warnings[0]!.err), f.cause);
        const text = lines().join('\n');
        assert.ok(
          !text.includes(PASSWORD) && !text.includes(SUPERVISOR_TOKEN) && !text.includes('sup-wrong'),
        );
        if (f.mode === 'hang') {
          assert.ok(startMs >= 2900 && startMs < 8000, `gave up after ${startMs} ms`);
          console.log(`# supervisor lookup timeout: Lookout started after ${startMs} ms`);
        }
        // The embedded broker works: availability is there.
        client = await testClient(app.mqtt!.url, { protocolVersion: 4 });
        const seen = await recorder(client, t.status);
        await waitUntil(() => seen.latest.get(t.status)?.toString() === 'online', 10_000, 'embedded online');
      } finally {
        await client?.endAsync();
        await app.stop();
        process.env.SUPERVISOR_TOKEN = SUPERVISOR_TOKEN;
      }
    });
  }
});
