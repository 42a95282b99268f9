/**
 * The add-on's run script (addon/rootfs/usr/local/bin/lookout-run), executed as the image runs it:
 * the supervisor built to dist/ (as the Dockerfile's build stage does), the add-on paths (/data,
 * /config, /opt/lookout, /media) pointed at a temp folder, SUPERVISOR_TOKEN set and the Supervisor's
 * MQTT service answered by a Supervisor-shaped HTTP server in front of a real mosquitto:
 * - first start writes the commented starter lookout.yaml (0600), answers /api/health on the
 *   ingress port, takes MQTT from the Supervisor, and the image's HEALTHCHECK command passes;
 * - a user's lookout.yaml is never overwritten; its camera runs, with MediaMTX and the
 *   restream_host option in the restream URLs; recordings go to the recordings option's folder;
 * - SIGTERM ends it cleanly (MediaMTX and FFmpeg too), and the HEALTHCHECK then fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild, spawnChild, type ChildProcess } from '../../addon/src/lib/child-process.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { CameraSummary } from '../../addon/src/contracts/api.js';
import { tempDir } from '../helpers/setup.js';
import { processesMatching, waitFor, zombieChildren } from '../helpers/processes.js';
import { loopbackGateway, mediamtxBinary } from '../helpers/gateway.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { recorder, testClient } from '../helpers/mqtt-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RUN = join(root, 'addon/rootfs/usr/local/bin/lookout-run');
const HEALTHCHECK = join(root, 'addon/rootfs/usr/local/bin/lookout-healthcheck');
const STARTER = join(root, 'addon/rootfs/usr/share/lookout/lookout.starter.yaml');
const TOKEN = 'supervisor-token-for-the-test';

describe('add-on run script, as the image runs it', { timeout: 300_000 }, () => {
  const base = tempDir('lookout-addon-');
  const app = join(base, 'opt/lookout');
  const data = join(base, 'data');
  const config = join(base, 'config');
  const media = join(base, 'media/lookout');
  let supervisor: Server;
  let supervisorUrl = '';
  const supervisorAsked: string[] = [];
  /** Bodies of the add-on's Supervisor discovery posts (the HA integration's async_step_hassio). */
  const discoveries: unknown[] = [];
  let broker: Mosquitto;
  let cam: SyntheticCamera;
  let port = 0;
  let running: ChildProcess | null = null;
  let output = '';

  async function start(): Promise<ChildProcess> {
    const gw = await loopbackGateway();
    port = gw.whepPort; // any other free port would do; this one is free and not used below
    const whep = await loopbackGateway();
    output = '';
    const child = spawnChild({
      file: RUN,
      args: [],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: 'C',
        LOOKOUT_ADDON_DATA: data,
        LOOKOUT_ADDON_CONFIG: config,
        LOOKOUT_APP: app,
        LOOKOUT_STARTER: STARTER,
        LOOKOUT_PORT: String(port),
        LOOKOUT_HOST: '127.0.0.1',
        LOOKOUT_GATEWAY_HOST: '127.0.0.1',
        LOOKOUT_MEDIAMTX: mediamtxBinary(),
        LOOKOUT_RTSP_PORT: String(gw.rtspPort),
        LOOKOUT_WEBRTC_PORT: String(gw.webrtcPort),
        LOOKOUT_SRT_PORT: String(gw.srtPort),
        LOOKOUT_MEDIAMTX_API_PORT: String(gw.apiPort),
        LOOKOUT_WHEP_PORT: String(whep.whepPort),
        SUPERVISOR_TOKEN: TOKEN,
        SUPERVISOR_URL: supervisorUrl,
      },
      onStdout: (c) => (output += c.toString()),
      onStderr: (c) => (output += c.toString()),
    });
    running = child;
    const t0 = Date.now();
    for (;;) {
      if (!child.running) assert.fail(`run script exited: ${output.slice(-2000)}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return child;
      } catch {
        /* not up yet */
      }
      if (Date.now() - t0 > 60_000) assert.fail(`no /api/health within 60 s: ${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const healthcheck = async () =>
    (
      await runChild({
        file: HEALTHCHECK,
        args: [],
        env: { PATH: process.env.PATH, LOOKOUT_PORT: String(port) },
        timeoutMs: 15_000,
      })
    ).code;

  before(async () => {
    // The image's build stage: dist/ from the sources, beside the locked node_modules.
    mkdirSync(app, { recursive: true });
    const built = await runChild({
      file: join(root, 'node_modules/.bin/tsc'),
      args: ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(app, 'dist')],
      timeoutMs: 240_000,
    });
    assert.equal(built.code, 0, built.stdout.toString() + built.stderrTail);
    cpSync(join(root, 'package.json'), join(app, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
    mkdirSync(data, { recursive: true });
    writeFileSync(
      join(data, 'options.json'),
      JSON.stringify({ log_level: 'info', recordings: media, restream_host: 'cams.example.lan' }),
    );

    broker = await startMosquitto({ users: { addons: 'mqtt-pass-from-supervisor' } });
    supervisor = createServer((req, res) => {
      supervisorAsked.push(
        `${req.method} ${req.url} ${req.headers.authorization === `Bearer ${TOKEN}` ? 'token' : 'no token'}`,
      );
      if (
        req.method === 'POST' &&
        req.url === '/discovery' &&
        req.headers.authorization === `Bearer ${TOKEN}`
      ) {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          discoveries.push(JSON.parse(body));
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ result: 'ok', data: { uuid: 'discovery-uuid' } }));
        });
        return;
      }
      if (req.url !== '/services/mqtt' || req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(403).end(JSON.stringify({ result: 'error', message: 'No access' }));
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          result: 'ok',
          data: {
            host: '127.0.0.1',
            port: broker.port,
            ssl: false,
            protocol: '3.1.1',
            username: 'addons',
            password: 'mqtt-pass-from-supervisor',
            addon: 'core_mosquitto',
          },
        }),
      );
    });
    await new Promise<void>((r) => supervisor.listen(0, '127.0.0.1', r));
    supervisorUrl = `http://127.0.0.1:${(supervisor.address() as { port: number }).port}`;
    cam = await SyntheticCamera.start({ names: ['porch'] });
  });

  after(async () => {
    await running?.stop(5000);
    await cam?.close();
    await broker?.stop();
    await new Promise((r) => supervisor?.close(r));
    assert.deepEqual(zombieChildren(), []);
    assert.deepEqual(processesMatching(base), [], 'nothing left running from the add-on folder');
  });

  test('first start: starter config written once, health on the ingress port, MQTT from the Supervisor, HEALTHCHECK passes', async () => {
    const mqtt = await testClient(broker.url, { username: 'addons', password: 'mqtt-pass-from-supervisor' });
    const seen = await recorder(mqtt, 'lookout/status');
    const child = await start();
    const file = join(config, 'lookout.yaml');
    assert.ok(existsSync(file));
    assert.equal((statSync(file).mode & 0o777).toString(8), '600');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^cameras: \[\]$/m);
    assert.match(text, new RegExp(`data_dir: ${join(data, 'lookout')}`));
    assert.match(output, /wrote a starter config/);
    assert.equal(await healthcheck(), 0, 'HEALTHCHECK command');
    await waitFor(
      () => seen.latest.get('lookout/status')?.toString() === 'online',
      15_000,
      'Lookout online on the Supervisor broker',
      100,
    );
    assert.ok(supervisorAsked.includes('GET /services/mqtt token'), supervisorAsked.join(', '));
    // The add-on tells HA's Lookout integration where it is: the API port, the container host name.
    await waitFor(() => discoveries.length > 0, 10_000, 'Supervisor discovery post', 100);
    const announced = discoveries[0] as { service: string; config: { host: string; port: number } };
    assert.equal(announced.service, 'lookout');
    assert.equal(announced.config.port, port);
    assert.ok(announced.config.host.length > 0, JSON.stringify(announced));
    await mqtt.endAsync();
    const exit = await child.stop(10_000);
    assert.equal(exit.signal, null, `clean exit on SIGTERM: ${JSON.stringify(exit)}`);
    assert.equal(exit.code, 0);
    assert.notEqual(await healthcheck(), 0, 'HEALTHCHECK fails once Lookout is gone');
  });

  test("a user's config is kept; its camera runs through MediaMTX with the options applied", async () => {
    const file = join(config, 'lookout.yaml');
    const mine = `# mine\nserver:\n  data_dir: ${join(data, 'lookout')}\nrecording:\n  mode: manual\n  profile: sub\ncameras:\n  - id: porch\n    profiles:\n      main: { url: '${cam.url('porch', 'main')}' }\n      sub: { url: '${cam.url('porch', 'sub')}' }\n`;
    writeFileSync(file, mine, { mode: 0o600 });
    const hash = createHash('sha256').update(mine).digest('hex');
    const child = await start();
    assert.match(output, /using .*lookout\.yaml/);
    assert.equal(
      createHash('sha256').update(readFileSync(file)).digest('hex'),
      hash,
      'the file is untouched',
    );
    const cams = (
      (await (await fetch(`http://127.0.0.1:${port}/api/cameras`)).json()) as { cameras: CameraSummary[] }
    ).cameras;
    assert.deepEqual(
      cams.map((c) => c.id),
      ['porch'],
    );
    const restream = cams[0]!.gateway!.restream.map((r) => r.url);
    assert.ok(
      restream.every((u) => u.startsWith('rtsp://cams.example.lan:')),
      restream.join(' '),
    );
    const lease = await fetch(`http://127.0.0.1:${port}/api/streams/porch/sub/leases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"kind":"viewer"}',
    });
    assert.equal(lease.status, 201);
    const rec = await fetch(`http://127.0.0.1:${port}/api/cameras/porch/recording/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"duration_s": 2}',
    });
    assert.equal(rec.status, 200, await rec.text());
    await waitFor(() => existsSync(join(media, 'porch')), 20_000, `a recording under ${media}`, 200);
    const exit = await child.stop(10_000);
    assert.equal(exit.code, 0, output.slice(-1500));
    assert.deepEqual(
      processesMatching(join(data, 'lookout', 'mediamtx')),
      [],
      'MediaMTX ended with the add-on',
    );
  });
});
