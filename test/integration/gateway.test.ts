/**
 * The MediaMTX gateway, real MediaMTX (the binary scripts/setup.sh builds) in front of a
 * password-protected synthetic camera:
 * - the generated mediamtx.yml is 0600 and the camera password is in no process's command line;
 * - FFmpeg reads the loopback restream; the restream answers with the generated user only;
 * - /api/streams and /metrics show the path, its readers and bytes;
 * - MediaMTX killed with SIGKILL: restarted, the stream is live again by itself, no zombie, no orphan;
 * - a camera outage behind MediaMTX: stalled and live again within the README's times;
 * - Lookout's stop ends MediaMTX (no process left with its config path).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { join } from 'node:path';
import { runChild } from '../../addon/src/lib/child-process.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { CameraDetail, StreamGraph } from '../../addon/src/contracts/api.js';
import type { StreamStateEvent } from '../../addon/src/contracts/stream-state.js';
import type { Lookout } from '../../addon/src/main.js';
import { FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';
import { allProcesses, readProc, waitFor, zombieChildren } from '../helpers/processes.js';
import { loopbackGateway, mediamtxBinary, stopGatewayTest } from '../helpers/gateway.js';

const PASSWORD = 'Gw-s3cret!pass';

interface MtxUser {
  user: string;
  pass: string;
  ips: string[];
  permissions: Array<{ action: string }>;
}
const key = streamKey('gate', 'sub');

/** ffprobe through the restream: the codec names it sees, or its error. */
async function probeRestream(url: string): Promise<{ code: number | null; out: string }> {
  const r = await runChild({
    file: 'ffprobe',
    args: [
      '-v',
      'error',
      '-rtsp_transport',
      'tcp',
      '-show_entries',
      'stream=codec_name',
      '-of',
      'csv=p=0',
      url,
    ],
    timeoutMs: 15_000,
  });
  return { code: r.code, out: (r.stdout.toString() + r.stderrTail).trim() };
}

describe('MediaMTX gateway', { timeout: 240_000 }, () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  const events: StreamStateEvent[] = [];
  const dataDir = tempDir('lookout-gw-');

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['gate'], username: 'admin', password: PASSWORD });
    const raw = {
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir },
      defaults: {
        audio: 'drop',
        // The README table's settings: production ladder, 5 s stall timeout, 2 s probe.
        stream: {
          ...FAST_STREAM,
          stall_timeout: '5s',
          probe_interval: '2s',
          backoff: ['1s', '2s', '5s', '10s', '30s', '60s'],
        },
      },
      cameras: [
        {
          id: 'gate',
          vendor: 'generic',
          credentials: { username: 'admin', password: '${GATE_PASSWORD}' },
          profiles: { main: { url: cam.url('gate', 'main') }, sub: { url: cam.url('gate', 'sub') } },
        },
      ],
    };
    const config = resolveOrThrow(raw, { GATE_PASSWORD: PASSWORD });
    // The reload test adds a second camera id on the same synthetic stream.
    const withSecond = { ...raw, cameras: [...raw.cameras, { ...raw.cameras[0]!, id: 'gate2' }] };
    app = await startTestLookout(config, {
      reloadConfig: async () => ({
        ok: true,
        config: resolveOrThrow(withSecond, { GATE_PASSWORD: PASSWORD }),
      }),
      tls: false,
      mqtt: false,
      gateway: { binary: mediamtxBinary(), listen: await loopbackGateway(), required: true },
    });
    app.supervisor.on('state', (e) => events.push(e));
  });

  after(async () => {
    await stopGatewayTest(app, cam);
  });

  test('FFmpeg reads the loopback restream; the config is 0600; no password in any command line', async () => {
    const gw = app.gateway!;
    app.supervisor.acquireLease(key, { kind: 'viewer', ttlMs: 10 * 60_000 });
    await waitFor(() => app.supervisor.status(key).state === 'live', 15_000, 'live through MediaMTX');
    assert.equal((statSync(gw.configFile).mode & 0o777).toString(8), '600');
    assert.equal((statSync(join(dataDir, 'mediamtx', 'users.json')).mode & 0o777).toString(8), '600');

    const ffmpeg = allProcesses().find((p) => p.pid === app.supervisor.status(key).pid)!;
    assert.ok(ffmpeg.cmdline.includes(`${gw.restreamBase}/gate_sub`), ffmpeg.cmdline);
    const leaks = allProcesses().filter(
      (p) => p.cmdline.includes(PASSWORD) || p.cmdline.includes(encodeURIComponent(PASSWORD)),
    );
    assert.deepEqual(leaks, [], 'camera password in a command line');
    const mtx = allProcesses().find((p) => p.pid === gw.pid)!;
    assert.equal(mtx.cmdline.split(' ').length, 2, `MediaMTX gets only its config path: ${mtx.cmdline}`);
  });

  test('restream: the generated user reads it, only loopback reads without it; graph and metrics show the path', async () => {
    const detail = (await (await fetch(`${app.url}/api/cameras/gate`)).json()) as CameraDetail;
    const r = detail.gateway!.restream.find((x) => x.profile === 'sub')!;
    assert.match(r.url, /^rtsp:\/\/127\.0\.0\.1:\d+\/gate_sub$/);
    assert.ok(!JSON.stringify(detail).includes(PASSWORD));
    const u = new URL(r.url);
    u.username = r.username;
    u.password = r.password;
    const ok = await probeRestream(u.href);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /h264/);
    // Only loopback reads without the generated user (Lookout's FFmpeg); a LAN client needs it. A
    // refusal cannot be shown from here: every test client is on loopback.
    const users = (parse(readFileSync(app.gateway!.configFile, 'utf8')) as { authInternalUsers: MtxUser[] })
      .authInternalUsers;
    const anonymous = users.filter((x) => !x.pass);
    assert.deepEqual(
      anonymous.map((x) => [x.user, x.ips]),
      [['any', ['127.0.0.1/32', '::1/128']]],
    );
    const reader = users.find((x) => x.user === r.username)!;
    assert.deepEqual(reader.permissions, [{ action: 'read' }]);

    const graph = (await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph;
    assert.equal(graph.gateway?.state, 'up');
    const path = graph.gateway!.paths.find((p) => p.key === 'gate/sub')!;
    assert.equal(path.available, true);
    assert.equal(path.source, 'rtspSource');
    assert.ok(path.readers.includes('rtspSession'), JSON.stringify(path));
    assert.ok(path.inboundBytes > 0);
    assert.equal(graph.streams.find((s) => s.key === 'gate/sub')?.gatewayPath, 'gate_sub');
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /^lookout_gateway_up 1$/m);
    assert.match(metrics, /^lookout_gateway_path_readers\{path="gate_sub",key="gate\/sub"\} [1-9]/m);
    assert.match(metrics, /^lookout_gateway_path_inbound_bytes\{path="gate_sub",key="gate\/sub"\} [1-9]/m);
    const status = await cam.status();
    assert.equal(status.cameras.gate?.subscribers.sub, 1, 'one camera session for gate/sub');
  });

  test('MediaMTX killed with SIGKILL: restarted, the stream is live again by itself, no zombie', async () => {
    const gw = app.gateway!;
    const oldPid = gw.pid!;
    const before = app.supervisor.status(key).counters.spawns;
    const t0 = Date.now();
    process.kill(oldPid, 'SIGKILL');
    await waitFor(() => gw.currentState === 'up' && gw.pid !== oldPid, 15_000, 'MediaMTX restarted');
    const upMs = Date.now() - t0;
    await waitFor(
      () =>
        app.supervisor.status(key).state === 'live' && app.supervisor.status(key).counters.spawns > before,
      20_000,
      'stream live again',
    );
    const liveMs = Date.now() - t0;
    console.log(`# MediaMTX SIGKILL: API up again after ${upMs} ms, gate/sub live again after ${liveMs} ms`);
    assert.equal((await gw.status()).counters.restarts, 1);
    assert.equal(readProc(oldPid), null, 'the killed MediaMTX was reaped');
    assert.deepEqual(zombieChildren(), []);
    assert.equal((await cam.status()).cameras.gate?.subscribers.sub, 1);
  });

  test('a config reload adds a camera: MediaMTX re-reads its file and serves the new path', async () => {
    const r = await app.reload();
    assert.ok(r.ok && r.applied.added.includes('gate2/sub'), JSON.stringify(r));
    const k2 = streamKey('gate2', 'sub');
    const lease = app.supervisor.acquireLease(k2, { kind: 'viewer', ttlMs: 60_000 });
    await waitFor(
      () => app.supervisor.status(k2).state === 'live',
      20_000,
      'gate2/sub live through MediaMTX',
    );
    const graph = (await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph;
    assert.equal(graph.gateway!.paths.find((p) => p.path === 'gate2_sub')?.available, true);
    assert.equal(graph.gateway!.counters.restarts, 1, 'the reload did not restart MediaMTX');
    app.supervisor.releaseLease(lease.lease.id);
  });

  test('camera outage behind MediaMTX: stalled and live again as fast as without it', async () => {
    await waitFor(() => app.supervisor.status(key).state === 'live', 15_000, 'live');
    const spawnsBefore = app.supervisor.status(key).counters.spawns;
    const down = Date.now();
    await cam.stop();
    await waitFor(
      () => events.some((e) => e.key === 'gate/sub' && e.to === 'stalled' && Date.parse(e.at) >= down),
      5000,
      'stalled',
    );
    const stalledMs = Date.now() - down;
    await new Promise((r) => setTimeout(r, 10_000 - (Date.now() - down)));
    const spawnsWhileAway = app.supervisor.status(key).counters.spawns - spawnsBefore;
    const back = Date.now();
    await cam.start();
    await waitFor(() => app.supervisor.status(key).state === 'live', 5000, 'live after return');
    const recoverMs = Date.now() - back;
    console.log(
      `# outage 10s behind MediaMTX: stalled after ${stalledMs} ms; live ${recoverMs} ms after return; ffmpeg spawned ${spawnsWhileAway}x while away`,
    );
    assert.ok(spawnsWhileAway <= 4, `spawned ${spawnsWhileAway} times while away`);
    assert.equal((await cam.status()).cameras.gate?.subscribers.sub, 1);
  });

  test('camera down when a viewer arrives: retried (not failed), live within seconds of its return', async () => {
    const k = streamKey('gate', 'main');
    assert.equal(app.supervisor.status(k).state, 'idle');
    await cam.stop();
    const from = Date.now();
    app.supervisor.acquireLease(k, { kind: 'viewer', ttlMs: 60_000 });
    await waitFor(() => app.supervisor.status(k).state === 'backoff', 15_000, 'backoff');
    await new Promise((r) => setTimeout(r, 3000));
    const seen = events.filter((e) => e.key === 'gate/main' && Date.parse(e.at) >= from).map((e) => e.to);
    assert.ok(
      !seen.includes('failed'),
      `MediaMTX's 404 for an unreachable camera is an outage: ${seen.join(' → ')}`,
    );
    const back = Date.now();
    await cam.start();
    await waitFor(() => app.supervisor.status(k).state === 'live', 8000, 'live after return');
    console.log(
      `# camera down at the first lease: ${seen.join(' → ')}; live ${Date.now() - back} ms after its return`,
    );
  });
});
