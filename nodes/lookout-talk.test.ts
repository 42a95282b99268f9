/**
 * lookout-talk in a real Node-RED 4 runtime (node-red-node-test-helper) against the real Lookout
 * (talk service, embedded MQTT broker) and the synthetic camera's ONVIF RTSP backchannel, which
 * records each backchannel session to a WAV: a WAV Buffer and a media-folder path go through the
 * MQTT `talk` command and come out of the camera's speaker as the tone they carry; failures reach a
 * Catch node with Lookout's error code.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyntheticCamera } from '../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../addon/src/main.js';
import { loadScaledMs, waitFor, zombieChildren } from '../test/helpers/processes.js';
import {
  cameraProfiles,
  FAST_STREAM,
  resolveOrThrow,
  startTestLookout,
  tempDir,
} from '../test/helpers/setup.js';
import {
  BackchannelLog,
  bandRms,
  db,
  toneWav as toneWavOf,
  wavSamples,
  TALK_TEST_VIDEO,
} from '../test/helpers/talk.js';
import lookoutConfig from './lookout-config/lookout-config.js';
import lookoutTalk, { talkRequest } from './lookout-talk/lookout-talk.js';
import type { NodeMessage } from './lib/red.js';
import type { LookoutConfigNode } from './lookout-config/lookout-config.js';
import { helper, type TestNode } from './test-support/runtime.js';

let cam: SyntheticCamera;
let plain: SyntheticCamera;
let app: Lookout;
let brokerUrl: string;
const log = new BackchannelLog();
const wavDir = tempDir('lookout-nr-talk-');
const media = tempDir('lookout-nr-talk-media-');

/** A WAV of `seconds` of a sine at `hz` (what a flow reads from a file or a TTS). */
const toneWav = (hz: number, seconds: number) => toneWavOf(hz, seconds, { rate: 16000, gain: 2 });
const sessionsFor = (camera: string) => log.sessionsFor(camera);
const nextWav = (camera: string, n: number) => log.nextWav(camera, n);

before(async () => {
  cam = await SyntheticCamera.start({
    names: ['porch'],
    backchannel: 'pcmu',
    backchannelDir: wavDir,
    ...TALK_TEST_VIDEO,
    onEvent: log.onEvent,
  });
  plain = await SyntheticCamera.start({
    names: ['mute'],
    ...TALK_TEST_VIDEO,
  });
  writeFileSync(join(media, 'chime.wav'), await toneWav(1000, 1));
  const config = resolveOrThrow({
    server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
    defaults: { audio: 'drop', stream: FAST_STREAM },
    talk: { media_dir: media },
    cameras: [
      { id: 'porch', vendor: 'generic', profiles: cameraProfiles(cam, 'porch') },
      { id: 'mute', vendor: 'generic', profiles: cameraProfiles(plain, 'mute') },
    ],
  });
  app = await startTestLookout(config, { tls: false });
  assert.ok(app.mqtt, 'MQTT service started');
  brokerUrl = app.mqtt.url;
  await helper.startServer();
});

afterEach(() => helper.unload());

after(async () => {
  await helper.stopServer();
  await app?.stop();
  await Promise.all([cam?.close(), plain?.close()]);
  assert.deepEqual(zombieChildren(), [], 'no zombies (FFmpeg, Node-RED children)');
});

const AT = { z: 'tab', x: 100, y: 100 };

interface Loaded {
  node: TestNode;
  out: NodeMessage[];
  errs: Array<NodeMessage & { error: { message: string; code?: string; source: { id: string } } }>;
}

async function load(node: Record<string, unknown>): Promise<Loaded> {
  await helper.load(
    [lookoutConfig, lookoutTalk],
    [
      { id: 'tab', type: 'tab', label: 'talk' },
      { id: 'srv', type: 'lookout-config', broker: brokerUrl, baseTopic: 'lookout' },
      { ...AT, id: 'n', type: 'lookout-talk', server: 'srv', wires: [['out']], ...node },
      { ...AT, id: 'out', type: 'helper', wires: [] },
      { ...AT, id: 'catch', type: 'catch', scope: null, uncaught: false, wires: [['errs']] },
      { ...AT, id: 'errs', type: 'helper', wires: [] },
    ],
  );
  const l: Loaded = { node: helper.getNode('n') as TestNode, out: [], errs: [] };
  (helper.getNode('out') as TestNode).on('input', (m) => l.out.push(m));
  (helper.getNode('errs') as TestNode).on('input', (m) => l.errs.push(m as Loaded['errs'][number]));
  const conn = (helper.getNode('srv') as LookoutConfigNode).connection;
  await waitFor(() => conn.connected, 10_000, 'config node connected');
  return l;
}

async function outcome(l: Loaded, msg: NodeMessage) {
  const [o, e] = [l.out.length, l.errs.length];
  l.node.receive(msg);
  const { limitMs } = loadScaledMs(30_000);
  await waitFor(() => l.out.length > o || l.errs.length > e, limitMs, 'the talk node’s outcome');
  return { msg: l.out[o], err: l.errs[e] };
}

describe('lookout-talk', () => {
  test('a WAV Buffer in msg.payload plays through the camera: "done" out, the tone in its WAV', async () => {
    const l = await load({ camera: 'porch' });
    const n = sessionsFor('porch').length;
    const wav = await toneWav(440, 2);
    const t0 = Date.now();
    const r = await outcome(l, { payload: wav });
    assert.equal(r.err, undefined, `unexpected error: ${r.err?.error.message}`);
    assert.equal(r.msg!.payload, 'done');
    assert.equal(r.msg!.camera, 'porch');
    const durationMs = r.msg!.durationMs as number;
    assert.ok(durationMs >= 1800 && durationMs <= Date.now() - t0, `durationMs ${durationMs} for 2 s`);
    assert.equal(typeof r.msg!.talker, 'string');

    const s = wavSamples(await nextWav('porch', n));
    assert.ok(s.length >= 8000 * 1.5, `camera recorded ${s.length} samples for 2 s of audio`);
    const body = s.subarray(2400, s.length - 1600);
    const at440 = bandRms(body, 440);
    assert.ok(
      db(at440, bandRms(body, 700)) > 40,
      `440 Hz ${db(at440, bandRms(body, 700)).toFixed(1)} dB over 700 Hz`,
    );
    assert.ok(db(at440, bandRms(body, 1000)) > 40, '440 Hz, not 1000');
    // FFmpeg's sine peaks at 1/8; volume=2 in the WAV: peak 0.25, RMS 0.177.
    assert.ok(Math.abs(db(at440, 0.25 / Math.SQRT2)) < 2, `level ${at440.toFixed(3)}`);
  });

  test('a media file name and the node’s volume: the file’s tone at the asked level', async () => {
    const l = await load({ camera: 'porch', volume: 0.5 });
    const n = sessionsFor('porch').length;
    const r = await outcome(l, { payload: 'chime.wav' });
    assert.equal(r.err, undefined, `unexpected error: ${r.err?.error.message}`);
    assert.equal(r.msg!.payload, 'done');
    const s = wavSamples(await nextWav('porch', n));
    const body = s.subarray(2400, s.length - 1600);
    const at1000 = bandRms(body, 1000);
    assert.ok(db(at1000, bandRms(body, 440)) > 30, '1000 Hz from chime.wav');
    assert.ok(Math.abs(db(at1000, 0.125 / Math.SQRT2)) < 2, `half level: ${at1000.toFixed(3)}`);
  });

  test('failures reach a Catch node with Lookout’s code: no backchannel, nothing to play', async () => {
    const l = await load({ camera: 'mute' });
    const r = await outcome(l, { payload: await toneWav(440, 0.5) });
    assert.equal(r.msg, undefined, 'no output on failure');
    assert.equal(r.err!.error.source.id, 'n');
    assert.match(r.err!.error.message, /mute talk: unsupported: .*backchannel/);

    const none = await outcome(l, { payload: Date.now() });
    assert.match(none.err!.error.message, /nothing to play/);
    const unknown = await outcome(l, { payload: '../../etc/shadow.wav', camera: 'porch' });
    assert.match(unknown.err!.error.message, /porch talk: (bad_request|not_found): /);
  });
});

describe('talkRequest (message → talk command)', () => {
  test('Buffer → base64 data; URL string; object url; node default; limits', () => {
    const buf = Buffer.from('RIFF....WAVEfmt ');
    assert.deepEqual(talkRequest({ id: 'n', server: 's' }, { payload: buf }), {
      data: buf.toString('base64'),
    });
    assert.deepEqual(talkRequest({ id: 'n', server: 's', volume: 2 }, { payload: 'https://ha/tts/x.mp3' }), {
      url: 'https://ha/tts/x.mp3',
      volume: 2,
    });
    assert.deepEqual(talkRequest({ id: 'n', server: 's' }, { payload: { url: '/a.wav', volume: 0.5 } }), {
      url: '/a.wav',
      volume: 0.5,
    });
    assert.deepEqual(talkRequest({ id: 'n', server: 's', url: '/chime.wav' }, { payload: 1700000000 }), {
      url: '/chime.wav',
    });
    assert.throws(
      () => talkRequest({ id: 'n', server: 's' }, { payload: Buffer.alloc(5 * 1024 * 1024) }),
      /limit/,
    );
    assert.throws(() => talkRequest({ id: 'n', server: 's' }, { payload: 'a.wav', volume: 9 }), /volume/);
    assert.throws(() => talkRequest({ id: 'n', server: 's' }, { payload: 'two words' }), /not an http/);
    assert.throws(() => talkRequest({ id: 'n', server: 's' }, { payload: 'file:///etc/x' }), /not an http/);
  });
});
