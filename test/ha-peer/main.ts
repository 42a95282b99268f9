/**
 * The Lookout peer of the Home Assistant integration tests (tests_ha/, Python): one process with a
 * synthetic RTSP camera (two cameras), the loopback ONVIF device (PTZ, presets and events for
 * "dome"), and Lookout itself with an API token, manual recording and the real MediaMTX gateway
 * (the RTSP restream HA's camera entities stream from), all on 127.0.0.1 free ports. It prints one JSON
 * line `{url, token, control, cameras}` on stdout when ready; `control` is a small loopback HTTP
 * server the tests ask for the ONVIF calls the device received (`GET /onvif/calls?command=Stop`)
 * make the device report motion (`POST /onvif/motion?active=true`), and add a camera to Lookout's
 * config as a user would (`POST /lookout/add-camera`: reload with a third camera, "gate").
 * It stops everything (FFmpeg exits awaited) on SIGTERM, SIGINT or when its stdin closes.
 *
 *   node --import tsx test/ha-peer/main.ts
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startOnvifDevice } from '../fixtures/onvif-device/index.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { loopbackGateway, mediamtxBinary } from '../helpers/gateway.js';
import { cameraProfiles, FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';

const ONVIF_USER = { username: 'admin', password: 'Pw-s3cret!x' };

async function main(): Promise<void> {
  const token = randomBytes(18).toString('base64url');
  const video = { width: 640, height: 360, fps: 10, gop: 10 };
  const [dev, cam] = await Promise.all([
    startOnvifDevice({
      ...ONVIF_USER,
      presets: [
        { token: 'tok-porch', name: 'Porch', position: { x: 0.5, y: 0, zoom: 0 } },
        { token: 'tok-gate', name: 'Gate', position: { x: -0.5, y: 0.2, zoom: 0.1 } },
      ],
    }),
    SyntheticCamera.start({ names: ['dome', 'yard'], main: video, sub: video }),
  ]);
  const dataDir = tempDir('lookout-ha-peer-');
  const configWith = (extra: boolean) =>
    resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir, token },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      recording: { root: join(dataDir, 'recordings'), mode: 'manual', profile: 'sub', segment_length: '60s' },
      cameras: [
        {
          id: 'dome',
          name: 'Dome',
          vendor: 'onvif',
          host: '127.0.0.1',
          credentials: ONVIF_USER,
          onvif: { port: dev.port },
          capabilities: { ptz: true, presets: true, motion_events: true },
          profiles: cameraProfiles(cam, 'dome'),
        },
        { id: 'yard', name: 'Yard', vendor: 'generic', profiles: cameraProfiles(cam, 'yard') },
        // A camera the user adds later (POST /lookout/add-camera): the yard's stream under another id.
        ...(extra
          ? [{ id: 'gate', name: 'Gate', vendor: 'generic', profiles: cameraProfiles(cam, 'yard') }]
          : []),
      ],
    });
  let withGate = false;

  // No MQTT: the integration owns every Lookout entity (README, "Home Assistant integration").
  const app = await startTestLookout(configWith(false), {
    reloadConfig: async () => ({ ok: true, config: configWith(withGate) }),
    mqtt: false,
    tls: false,
    gateway: { binary: mediamtxBinary(), listen: await loopbackGateway(), required: true },
  });

  const control: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname === '/onvif/calls') {
      const command = u.searchParams.get('command');
      const calls = command ? dev.callsTo(command) : dev.calls;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(calls.map((c) => ({ time: c.time, command: c.command, params: c.params }))));
      return;
    }
    if (u.pathname === '/lookout/add-camera' && req.method === 'POST') {
      withGate = true;
      void app.reload().then(
        (r) => res.writeHead(r.ok ? 204 : 500).end(),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (u.pathname === '/onvif/motion' && req.method === 'POST') {
      dev.emitMotion(u.searchParams.get('active') === 'true');
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      control.close();
      await app.stop();
      await Promise.all([cam.close(), dev.close()]);
      rmSync(dataDir, { recursive: true, force: true }); // recordings, PID records, MediaMTX config
      process.exit(0);
    })());
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop()).on('close', () => void stop());
  process.stdin.resume();

  const port = (control.address() as AddressInfo).port;
  process.stdout.write(
    `${JSON.stringify({ url: app.url, token, control: `http://127.0.0.1:${port}`, cameras: ['dome', 'yard'] })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`ha-peer: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
