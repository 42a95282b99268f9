// Hikvision ISAPI two-way audio against a loopback camera (raw TCP, real Digest): the close → open →
// audioData → close order, raw G.711 on the audioData socket byte-exact at real time, the codec read
// from the camera, wrong password, busy channel, a codec Lookout cannot send, unreachable, hang-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TalkSinkError } from '../../talkback/sink.js';
import {
  ffmpegDecode,
  ffmpegTone,
  framesOf,
  playPaced,
  receivedBytes,
  receivedRate,
  sleep,
  toneLevel,
} from '../talkback-peer.test-helper.js';
import { hikvision } from './index.js';
import { startIsapiCamera } from './isapi-server.test-helper.js';
import { HikvisionTalkSink, parseTwoWayChannels } from './talkback.js';

const USER = 'admin';
const PASS = 'Hik:v1s!on';
const endpoint = (baseUrl: string, password = PASS) => ({
  baseUrl,
  credentials: { username: USER, password },
});

test('G.711ulaw: close, open, audioData with raw µ-law byte-exact at real time, close at the end', async (t) => {
  const cam = await startIsapiCamera({ user: USER, pass: PASS });
  t.after(() => cam.close());
  const tone = await ffmpegTone('mulaw', 440, 2);
  const sink = hikvision.talkback!(endpoint(cam.baseUrl));
  await sink.open();
  assert.deepEqual(sink.codec, { name: 'PCMU', clockRate: 8000, channels: 1 });
  assert.deepEqual(cam.log, ['GET channels', 'PUT close', 'PUT open', 'PUT audioData']);
  await playPaced(sink, framesOf(tone, 160), 160);
  await sleep(200);
  await sink.close();
  assert.deepEqual(cam.log, ['GET channels', 'PUT close', 'PUT open', 'PUT audioData', 'PUT close']);
  assert.equal(cam.refused, 0);
  const audio = cam.audio[0]!;
  await audio.ended;
  assert.equal(audio.contentType, 'application/octet-stream');
  assert.ok(receivedBytes(audio).equals(tone), 'the raw bytes FFmpeg encoded, nothing around them');
  const sizes = new Set(audio.chunks.map((c) => c.bytes.length));
  assert.ok(
    [...sizes].every((n) => n % 160 === 0),
    `whole 160-byte frames (${[...sizes].join(',')})`,
  );
  const rate = receivedRate(audio);
  assert.ok(rate > 6000 && rate < 11000, `about 8000 bytes/s (got ${Math.round(rate)})`);
  const pcm = await ffmpegDecode(receivedBytes(audio), 'mulaw');
  assert.ok(toneLevel(pcm, 440) > 100 * toneLevel(pcm, 1000));
});

test('G.711alaw channel → PCMA; a camera that closes after each 401 is answered on a new connection', async (t) => {
  const cam = await startIsapiCamera({ user: USER, pass: PASS, codec: 'G.711alaw', closeAfter401: true });
  t.after(() => cam.close());
  const sink = new HikvisionTalkSink(endpoint(cam.baseUrl));
  await sink.open();
  assert.equal(sink.codec?.name, 'PCMA');
  const tone = await ffmpegTone('alaw', 440, 0.5);
  await playPaced(sink, framesOf(tone, 160), 160);
  await sleep(150);
  await sink.close();
  assert.ok(receivedBytes(cam.audio[0]!).equals(tone));
  assert.equal(cam.log.at(-1), 'PUT close');
});

test('wrong password: auth, no session opened, no password in the message', async (t) => {
  const cam = await startIsapiCamera({ user: USER, pass: PASS });
  t.after(() => cam.close());
  const err = await new HikvisionTalkSink(endpoint(cam.baseUrl, 'Nope-Nope-1'))
    .open()
    .catch((e: unknown) => e);
  assert.ok(err instanceof TalkSinkError);
  assert.equal(err.code, 'auth');
  assert.ok(!err.message.includes('Nope-Nope-1') && !err.message.includes(PASS));
  assert.deepEqual(cam.log, []);
});

test('the channel is in use: busy; a codec Lookout cannot send: unsupported before any open', async (t) => {
  const busy = await startIsapiCamera({ user: USER, pass: PASS, busy: true });
  t.after(() => busy.close());
  const e1 = await new HikvisionTalkSink(endpoint(busy.baseUrl)).open().catch((e: unknown) => e);
  assert.ok(e1 instanceof TalkSinkError);
  assert.equal(e1.code, 'busy');

  const g726 = await startIsapiCamera({ user: USER, pass: PASS, codec: 'G.726' });
  t.after(() => g726.close());
  const e2 = await new HikvisionTalkSink(endpoint(g726.baseUrl)).open().catch((e: unknown) => e);
  assert.ok(e2 instanceof TalkSinkError);
  assert.equal(e2.code, 'unsupported');
  assert.match(e2.message, /G\.726/);
  assert.deepEqual(g726.log, ['GET channels']);
});

test('unreachable camera: unreachable', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const err = await new HikvisionTalkSink(endpoint(`http://127.0.0.1:${port}`), { timeoutMs: 2000 })
    .open()
    .catch((e: unknown) => e);
  assert.ok(err instanceof TalkSinkError);
  assert.equal(err.code, 'unreachable');
});

test('the camera drops the audio socket mid-talk: onClose once; close() still releases the channel', async (t) => {
  const cam = await startIsapiCamera({ user: USER, pass: PASS });
  t.after(() => cam.close());
  const sink = new HikvisionTalkSink(endpoint(cam.baseUrl));
  const closes: unknown[] = [];
  sink.onClose = (e) => closes.push(e);
  await sink.open();
  const playing = playPaced(sink, framesOf(await ffmpegTone('mulaw', 440, 0.8), 160), 160);
  await sleep(250);
  cam.audio[0]!.socket.destroy();
  await playing;
  await sleep(100);
  assert.equal(closes.length, 1);
  assert.ok(closes[0] instanceof TalkSinkError);
  await sink.close();
  assert.equal(cam.log.at(-1), 'PUT close');
});

test('channel list parsing: namespaces, several channels, missing fields', () => {
  const xml = `<TwoWayAudioChannelList><hik:TwoWayAudioChannel><hik:id>2</hik:id>
    <hik:audioCompressionType>G.711alaw</hik:audioCompressionType></hik:TwoWayAudioChannel>
    <TwoWayAudioChannel><id>3</id><enabled>false</enabled></TwoWayAudioChannel></TwoWayAudioChannelList>`;
  assert.deepEqual(parseTwoWayChannels(xml), [
    { id: '2', audioCompressionType: 'G.711alaw', enabled: true },
    { id: '3', audioCompressionType: '', enabled: false },
  ]);
});
