/**
 * A bonded phone as a Lookout camera, end to end: FFmpeg (H.264, SRT caller) → test sender over 3
 * links → the supervisor's SRTLA receiver → the `srt` camera's FFmpeg SRT listener → hub → LL-HLS,
 * played by hls.js in Chromium like any other camera. The groups and links show in /api/streams,
 * /api/srtla/stats and /metrics, labelled by the camera.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { StreamGraph } from '../../addon/src/contracts/api.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { SrtlaStatsAnswer } from '../../addon/src/contracts/srtla.js';
import type { Lookout } from '../../addon/src/main.js';
import { runChild } from '../../addon/src/lib/child-process.js';
import { launchChromium } from '../helpers/browser.js';
import { loopbackGateway, mediamtxBinary, stopGatewayTest } from '../helpers/gateway.js';
import { allProcesses, waitFor, zombieChildren } from '../helpers/processes.js';
import { FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';
import { ffmpegSrtCaller, freeUdpPort, type Peer } from '../helpers/srt-peers.js';
import { SrtlaTestSender } from '../helpers/srtla-sender.js';

const require = createRequire(import.meta.url);
const HLS_JS = readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
const KEY = streamKey('phone', 'main');

describe('SRTLA phone as a camera', () => {
  let app: Lookout;
  let sender: SrtlaTestSender;
  let caller: Peer;
  let browser: Browser | null = null;

  before(async () => {
    const [srtPort, srtlaPort] = [await freeUdpPort(), await freeUdpPort()];
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: { ...FAST_STREAM, startup_grace: '15s' } },
      srtla: { enabled: true, host: '127.0.0.1' },
      cameras: [
        {
          id: 'phone',
          name: 'Bonded phone',
          profiles: { main: { srt: { port: srtPort, srtla_port: srtlaPort } } },
        },
      ],
    });
    app = await startTestLookout(config, { tls: false, mqtt: false });
    sender = await threeLinkSender(srtlaPort);
    caller = ffmpegSrtCaller('127.0.0.1', sender.listenPort);
  });

  after(async () => {
    await browser?.close();
    await caller?.stop();
    await sender?.stop();
    await app?.stop();
    assert.deepEqual(zombieChildren(), []);
  });

  it('goes live, shows its groups and links, and plays in hls.js', { timeout: 90_000 }, async () => {
    const t0 = Date.now();
    await waitFor(() => app.supervisor.status(KEY).state === 'live', 30_000, 'phone/main live', 100);
    console.log(`SRTLA camera: live ${Date.now() - t0} ms after the encoder started`);

    const graph = (await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph;
    const entry = graph.streams.find((s) => s.key === 'phone/main')!;
    const group = entry.producers.find((p) => p.type === 'srtla');
    assert.ok(group && group.type === 'srtla', `an srtla producer: ${JSON.stringify(entry.producers)}`);
    assert.equal(group.links.length, 3);

    await new Promise((r) => setTimeout(r, 2000));
    const stats = (await (await fetch(`${app.url}/api/srtla/stats`)).json()) as SrtlaStatsAnswer;
    const pub = stats.publishers['phone/main'];
    assert.ok(pub, JSON.stringify(stats));
    assert.equal(pub.links.length, 3);
    assert.ok(pub.bitrate > 0);
    const shares = pub.links.reduce((s, l) => s + l.share, 0);
    assert.ok(Math.abs(shares - 1) < 0.05, `link shares add up to 1 (${shares})`);

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    assert.match(metrics, /lookout_srtla_groups\{camera="phone",profile="main"\} 1/);
    assert.match(metrics, /lookout_srtla_connections\{camera="phone",profile="main",group="[0-9a-f]{8}"\} 3/);
    assert.match(
      metrics,
      /lookout_srtla_link_bytes_forwarded_total\{camera="phone",profile="main",group="[0-9a-f]{8}",link="127\.0\.0\.2:\d+"\} [1-9]/,
    );

    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    await page.route(`${app.url}/__test/player.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html><body><video id=v muted autoplay playsinline></video><script>${HLS_JS}</script><script>
          window.errors = [];
          const hls = new Hls({ lowLatencyMode: true });
          hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) window.errors.push(d.details); });
          hls.loadSource('/hls/phone/main/index.m3u8'); hls.attachMedia(document.getElementById('v'));
        </script></body></html>`,
      }),
    );
    await page.goto(`${app.url}/__test/player.html`);
    // Evaluated in the page (a string: this file is compiled without the DOM types).
    const played = async () =>
      (await page.evaluate(
        '({ t: document.getElementById("v").currentTime, w: document.getElementById("v").videoWidth, errors: window.errors })',
      )) as { t: number; w: number; errors: string[] };
    const deadline = Date.now() + 30_000;
    let s = await played();
    while (s.t < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      s = await played();
    }
    assert.ok(s.t >= 3, `hls.js played ${s.t} s: ${JSON.stringify(s)}`);
    assert.deepEqual(s.errors, []);
    assert.equal(s.w, 320);
    console.log(`SRTLA camera: hls.js played ${s.t.toFixed(1)} s of the bonded stream (320x180)`);

    // The panel: the phone's tile shows its three links.
    const panel = await (await browser.newContext({ viewport: { width: 900, height: 600 } })).newPage();
    await panel.goto(`${app.url}/?tech=snapshot`);
    const rows = panel.locator('lookout-srtla-links tr[data-link]');
    await rows.first().waitFor({ timeout: 15_000 });
    assert.equal(await rows.count(), 3);
    assert.match((await rows.first().textContent()) ?? '', /127\.0\.0\.[234]:\d+.*%.*kbit\/s/s);
    mkdirSync('test-results/screenshots', { recursive: true });
    await panel.screenshot({ path: 'test-results/screenshots/panel-srtla-links.png' });
  });
});

/**
 * The same phone with the MediaMTX gateway (the add-on): the receiver forwards to MediaMTX's SRT
 * server (stream id publish:phone_main), Lookout's FFmpeg reads the loopback restream, and the
 * RTSP restream serves the bonded stream to other clients like any camera's.
 */
describe('SRTLA phone behind the MediaMTX gateway', () => {
  let app: Lookout;
  let sender: SrtlaTestSender;
  let caller: Peer;

  before(async () => {
    const [srtPort, srtlaPort] = [await freeUdpPort(), await freeUdpPort()];
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: { ...FAST_STREAM, startup_grace: '15s' } },
      srtla: { enabled: true, host: '127.0.0.1' },
      cameras: [{ id: 'phone', profiles: { main: { srt: { port: srtPort, srtla_port: srtlaPort } } } }],
    });
    const gateway = { binary: mediamtxBinary(), listen: await loopbackGateway(), required: true };
    app = await startTestLookout(config, { tls: false, mqtt: false, gateway });
    sender = await threeLinkSender(srtlaPort);
    // SRTLA forwards the SRT handshake as is: the phone itself names the MediaMTX path (as the
    // tile's "SRT publish" URL tells the user); loopback publishes without a credential.
    caller = ffmpegSrtCaller('127.0.0.1', sender.listenPort, { streamId: 'publish:phone_main' });
  });

  after(async () => {
    await caller?.stop();
    await sender?.stop();
    await stopGatewayTest(app, undefined);
  });

  it(
    'is published to MediaMTX, read back from the restream and served to an RTSP client',
    { timeout: 90_000 },
    async () => {
      const gw = app.gateway!;
      await waitFor(() => app.supervisor.status(KEY).state === 'live', 45_000, 'phone/main live', 100).catch(
        async (err: Error) => {
          const why = {
            status: app.supervisor.status(KEY),
            srtla: app.srtla.stats(),
            gateway: await gw.status(),
          };
          throw new Error(`${err.message}: ${JSON.stringify(why)}`);
        },
      );
      const ffmpeg = allProcesses().find((p) => p.pid === app.supervisor.status(KEY).pid)!;
      assert.ok(ffmpeg.cmdline.includes(`${gw.restreamBase}/phone_main`), ffmpeg.cmdline);

      const graph = (await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph;
      const entry = graph.streams.find((s) => s.key === 'phone/main')!;
      assert.equal(entry.gatewayPath, 'phone_main');
      const group = entry.producers.find((p) => p.type === 'srtla');
      assert.ok(group && group.type === 'srtla', JSON.stringify(entry.producers));
      assert.equal(group.target, `127.0.0.1:${gw.listen.srtPort}`, 'the group feeds MediaMTX');
      assert.equal(group.links.length, 3);

      const probe = await runChild({
        file: 'ffprobe',
        args: [
          '-v',
          'error',
          '-rtsp_transport',
          'tcp',
          '-show_entries',
          'stream=codec_name,width',
          '-of',
          'csv=p=0',
          gw.restreamUrl(KEY, '127.0.0.1'),
        ],
        timeoutMs: 15_000,
      });
      assert.equal(probe.code, 0, probe.stderrTail);
      assert.match(probe.stdout.toString(), /h264,320/);
    },
  );
});

/** The test sender bonding over 127.0.0.2-4 to the receiver on `srtlaPort`, once all three links are up. */
async function threeLinkSender(srtlaPort: number): Promise<SrtlaTestSender> {
  const sender = new SrtlaTestSender({
    listen: { host: '127.0.0.1', port: 0 },
    receiver: { host: '127.0.0.1', port: srtlaPort },
    localAddresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
  });
  await sender.start();
  // Stopped here on failure: the caller's after() only sees a sender that was returned.
  await waitFor(() => sender.activeLinks === 3, 10_000, 'three links registered').catch(async (err) => {
    await sender.stop();
    throw err;
  });
  return sender;
}
