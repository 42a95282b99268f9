// Dahua/Amcrest talkback (audio.cgi postAudio) against a loopback Digest server standing in for the
// camera: content type, the never-ending request, byte-exact G.711/AAC from a real FFmpeg tone,
// real-time pacing, wrong password, unreachable camera, the camera hanging up mid-talk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitAdts } from '../../lib/adts.js';
import { startDigestServer, type DigestServer } from '../../lib/http-digest-server.test-helper.js';
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
  type ReceivedAudio,
} from '../talkback-peer.test-helper.js';
import { amcrest } from '../amcrest/index.js';
import { dahua } from './index.js';
import { DAHUA_TALK_CONTENT_LENGTH, DahuaTalkSink } from './talkback.js';

const USER = 'admin';
const PASS = 'talk(p@ss)';

interface Upload extends ReceivedAudio {
  url: string;
  contentType: string | undefined;
  contentLength: string | undefined;
  ended: Promise<void>;
  req: IncomingMessage;
}

/** A Dahua camera: audio.cgi takes the upload and, like the real one, never answers it. */
async function dahuaCamera(): Promise<DigestServer & { uploads: Upload[] }> {
  const uploads: Upload[] = [];
  const srv = await startDigestServer(USER, PASS, 'Login to 4J0123456', (req) => {
    if (!req.url?.startsWith('/cgi-bin/audio.cgi')) return false;
    const up: Upload = {
      url: req.url,
      contentType: req.headers['content-type'],
      contentLength: req.headers['content-length'],
      chunks: [],
      req,
      ended: new Promise((r) => req.socket.once('close', () => r())),
    };
    req.on('data', (c: Buffer) => up.chunks.push({ at: Date.now(), bytes: c }));
    uploads.push(up);
    return true;
  });
  return Object.assign(srv, { uploads });
}

const endpoint = (baseUrl: string, password = PASS) => ({
  baseUrl,
  credentials: { username: USER, password },
});

test('G.711A: one never-ending authorised POST, Audio/G.711A, the tone byte-exact at real time', async (t) => {
  const cam = await dahuaCamera();
  t.after(() => cam.close());
  const tone = await ffmpegTone('alaw', 440, 2);
  const sink = new DahuaTalkSink(endpoint(cam.baseUrl));
  await sink.open();
  assert.deepEqual(sink.codec, { name: 'PCMA', clockRate: 8000, channels: 1 });
  await playPaced(sink, framesOf(tone, 160), 160);
  await sleep(200);
  await sink.close();
  await cam.uploads[0]?.ended;

  assert.equal(cam.uploads.length, 1, 'one upload session');
  const up = cam.uploads[0]!;
  assert.equal(up.url, '/cgi-bin/audio.cgi?action=postAudio&httptype=singlepart&channel=1');
  assert.equal(up.contentType, 'Audio/G.711A');
  assert.equal(up.contentLength, String(DAHUA_TALK_CONTENT_LENGTH));
  assert.equal(cam.refused, 0, 'the challenge was answered right the first time');
  assert.ok(receivedBytes(up).equals(tone), 'the camera got exactly the bytes FFmpeg encoded');
  assert.equal(sink.stats.bytes, tone.length);
  assert.equal(sink.stats.packets, 100);
  const rate = receivedRate(up);
  assert.ok(rate > 6000 && rate < 11000, `about 8000 bytes/s arrive, not a burst (got ${Math.round(rate)})`);
  // And what arrived is the 440 Hz tone.
  const pcm = await ffmpegDecode(receivedBytes(up), 'alaw');
  assert.ok(toneLevel(pcm, 440) > 100 * toneLevel(pcm, 1000), '440 Hz ≥ 40 dB over 1000 Hz');
});

test('G.711Mu content type; a burst is cut to real time instead of flooding the camera', async (t) => {
  const cam = await dahuaCamera();
  t.after(() => cam.close());
  const tone = await ffmpegTone('mulaw', 440, 3);
  const sink = new DahuaTalkSink(endpoint(cam.baseUrl), { codec: 'PCMU' });
  t.after(() => sink.close());
  await sink.open();
  const frames = framesOf(tone, 160);
  for (const f of frames) sink.write(f, 160); // 3 s of audio in one go
  await sleep(300);
  const up = cam.uploads[0]!;
  assert.equal(up.contentType, 'Audio/G.711Mu');
  const got = receivedBytes(up).length;
  assert.ok(got <= 11 * 160, `at most ~200 ms of a burst goes out (got ${got} bytes)`);
  assert.ok(got >= 160, 'the start of the burst is sent');
  assert.equal(sink.dropped, frames.length - got / 160);
  // Paced audio after the burst flows again.
  await playPaced(sink, frames.slice(0, 25), 160);
  await sleep(100);
  assert.ok(receivedBytes(up).length >= got + 20 * 160, 'paced frames after the burst arrive');
});

test('AAC: each raw AU goes out as one ADTS frame; what arrives is FFmpeg’s stream and decodes to 440 Hz', async (t) => {
  const cam = await dahuaCamera();
  t.after(() => cam.close());
  const adts = await ffmpegTone('adts', 440, 2, 16000);
  const aus = splitAdts(adts);
  assert.ok(aus.length > 25);
  const sink = new DahuaTalkSink(endpoint(cam.baseUrl), { codec: 'AAC', clockRate: 16000 });
  await sink.open();
  await playPaced(sink, aus, 1024, 16000);
  await sleep(150);
  await sink.close();
  const up = cam.uploads[0]!;
  assert.equal(up.contentType, 'Audio/AAC');
  assert.ok(receivedBytes(up).equals(adts), 'byte-exact ADTS');
  const pcm = await ffmpegDecode(receivedBytes(up), 'aac', 16000);
  assert.ok(toneLevel(pcm.subarray(2048), 440, 16000) > 30 * toneLevel(pcm.subarray(2048), 1000, 16000));
});

test('the registry: Dahua and Amcrest talk through audio.cgi', () => {
  const ep = endpoint('http://127.0.0.1:9');
  assert.ok(dahua.talkback?.(ep) instanceof DahuaTalkSink);
  assert.ok(amcrest.talkback?.(ep, { codec: 'AAC', clockRate: 16000 }) instanceof DahuaTalkSink);
});

test('wrong password: TalkSinkError auth, without the password in the message', async (t) => {
  const cam = await dahuaCamera();
  t.after(() => cam.close());
  const sink = new DahuaTalkSink(endpoint(cam.baseUrl, 'Wrong-Pass-9'));
  const err = await sink.open().catch((e: unknown) => e);
  assert.ok(err instanceof TalkSinkError, String(err));
  assert.equal(err.code, 'auth');
  assert.ok(!err.message.includes('Wrong-Pass-9') && !err.message.includes(PASS));
  assert.equal(cam.uploads.length, 0);
  assert.equal(cam.refused, 1);
  await sink.close();
});

test('unreachable camera: TalkSinkError unreachable', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const sink = new DahuaTalkSink(endpoint(`http://127.0.0.1:${port}`), { timeoutMs: 2000 });
  const err = await sink.open().catch((e: unknown) => e);
  assert.ok(err instanceof TalkSinkError);
  assert.equal(err.code, 'unreachable');
});

test('no audio.cgi (404): unsupported', async (t) => {
  const srv = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  const sink = new DahuaTalkSink(endpoint(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`));
  const err = await sink.open().catch((e: unknown) => e);
  assert.ok(err instanceof TalkSinkError);
  assert.equal(err.code, 'unsupported');
});

test('the camera hangs up mid-talk: onClose once with an error; close() still resolves; reopen works', async (t) => {
  const cam = await dahuaCamera();
  t.after(() => cam.close());
  const sink = new DahuaTalkSink(endpoint(cam.baseUrl));
  const closes: (TalkSinkError | null)[] = [];
  sink.onClose = (e) => closes.push(e);
  await sink.open();
  const tone = await ffmpegTone('alaw', 440, 1);
  const playing = playPaced(sink, framesOf(tone, 160), 160);
  await sleep(300);
  cam.uploads[0]!.req.socket.destroy();
  await playing;
  await sleep(100);
  assert.equal(closes.length, 1);
  assert.ok(closes[0] instanceof TalkSinkError);
  await sink.close();
  await sink.open();
  assert.equal(cam.uploads.length, 2, 'a second open is a new upload');
  await sink.close();
  await cam.uploads[1]!.ended;
  assert.equal(closes.length, 1, 'a close() asked for is not reported');
});
