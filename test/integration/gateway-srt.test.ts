/**
 * SRT ingest through the MediaMTX gateway: a camera whose profile source is `srt://` gets a
 * publisher path; a real SRT publisher (FFmpeg, MPEG-TS over SRT, the publish URL from the camera's
 * API answer with the generated ingest user) pushes to it, and Lookout's key goes live from it.
 * (A wrong password is not refused from loopback: there MediaMTX lets anyone publish, as the SRTLA
 * receiver in the add-on does; LAN publishers need the generated user, untestable from loopback.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from '../../addon/src/lib/child-process.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { CameraDetail, StreamGraph } from '../../addon/src/contracts/api.js';
import type { Lookout } from '../../addon/src/main.js';
import { FAST_STREAM, resolveOrThrow, startTestLookout, tempDir } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';
import { loopbackGateway, mediamtxBinary, rtspCopy, stopGatewayTest } from '../helpers/gateway.js';

const key = streamKey('phone', 'main');

describe('SRT ingest through MediaMTX', { timeout: 120_000 }, () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let publisher: ChildProcess | null = null;

  const publish = (url: string) => rtspCopy(cam.url('src', 'sub'), ['-f', 'mpegts', url]);

  before(async () => {
    cam = await SyntheticCamera.start({ names: ['src'] });
    const raw = {
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir('lookout-srt-') },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      cameras: [{ id: 'phone', vendor: 'generic', profiles: { main: { url: 'srt://0.0.0.0:9000' } } }],
    };
    app = await startTestLookout(resolveOrThrow(raw), {
      tls: false,
      mqtt: false,
      gateway: { binary: mediamtxBinary(), listen: await loopbackGateway(), required: true },
    });
  });

  after(async () => {
    await publisher?.stop();
    await stopGatewayTest(app, cam);
  });

  test('the generated publish URL pushes the stream and the key goes live from it', async () => {
    const detail = (await (await fetch(`${app.url}/api/cameras/phone`)).json()) as CameraDetail;
    const url = detail.gateway!.restream[0]!.srtPublishUrl!;
    assert.match(
      url,
      /^srt:\/\/127\.0\.0\.1:\d+\?streamid=publish:phone_main:ingest:[A-Za-z0-9]+&pkt_size=1316$/,
    );

    app.supervisor.acquireLease(key, { kind: 'viewer', ttlMs: 60_000 });
    publisher = publish(url);
    await waitFor(
      () => app.supervisor.status(key).state === 'live',
      30_000,
      `phone/main live from SRT (${app.supervisor.status(key).reason})`,
    );
    const graph = (await (await fetch(`${app.url}/api/streams`)).json()) as StreamGraph;
    const path = graph.gateway!.paths.find((p) => p.path === 'phone_main')!;
    assert.equal(path.kind, 'publish');
    assert.equal(path.source, 'srtConn');
    assert.ok(path.readers.includes('rtspSession'));
    assert.ok(
      app.supervisor.status(key).media.codecs?.startsWith('avc1'),
      JSON.stringify(app.supervisor.status(key).media),
    );
  });
});
