/**
 * MSE over WebSocket against a real Lookout with real synthetic cameras: two streams multiplexed on
 * one socket, init (with codecs) before tagged binary fragments that start on a keyframe, leases held
 * per subscription and released on unsubscribe / close, bad messages answered without harm, and a
 * new init with `discontinuity` after FFmpeg is killed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Lookout } from '../../addon/src/main.js';
import {
  decodeMseFrame,
  MSE_FRAME_FRAGMENT,
  MSE_FRAME_INIT,
  type MseServerMessage,
} from '../../addon/src/contracts/mse-ws.js';
import { parseKeyId, streamKey } from '../../addon/src/contracts/stream-key.js';
import { parseFragment, parseInitSegment } from '../../addon/src/lib/mp4/index.js';
import { rawConfigFor, resolveOrThrow, startTestLookout } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

interface Received {
  json: MseServerMessage[];
  frames: Array<{ kind: number; id: number; keyframe: boolean; payload: Buffer; at: number }>;
}

/** A test client: records every message; closes in `after` whatever happens. */
class Client {
  readonly got: Received = { json: [], frames: [] };
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closedP: Promise<void>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closedP = new Promise((resolve) => this.ws.once('close', () => resolve()));
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) this.got.json.push(JSON.parse(data.toString()) as MseServerMessage);
      else {
        const f = decodeMseFrame(data);
        this.got.frames.push({
          kind: f.kind,
          id: f.id,
          keyframe: f.keyframe,
          payload: Buffer.from(f.payload),
          at: Date.now(),
        });
      }
    });
  }
  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }
  inits(id: number) {
    return this.got.json.filter((m) => m.type === 'init' && m.id === id);
  }
  errors() {
    return this.got.json.filter((m) => m.type === 'error');
  }
  fragments(id: number) {
    return this.got.frames.filter((f) => f.id === id && f.kind === MSE_FRAME_FRAGMENT);
  }
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await this.closedP;
  }
}

describe('MSE over WebSocket', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  const clients: Client[] = [];
  const wsUrl = (path = '/api/ws') => app.url.replace(/^http/, 'ws') + path;
  const connect = async (path?: string) => {
    const c = new Client(wsUrl(path));
    clients.push(c);
    await c.opened;
    return c;
  };
  const viewerLeases = (camera: string, profile: 'main' | 'sub') =>
    app.supervisor.status(streamKey(camera, profile)).leases.filter((l) => l.kind === 'viewer');

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['alpha', 'beta'],
      main: { width: 640, height: 360, fps: 15, gop: 15 },
      sub: { width: 320, height: 180, fps: 15, gop: 15 },
    });
    const config = resolveOrThrow(rawConfigFor(cam));
    app = await startTestLookout(config);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await app?.stop();
    await cam?.close();
  });

  test('two keys on one socket: init with codecs, then tagged fragments starting on a keyframe', async () => {
    const c = await connect();
    const t0 = Date.now();
    c.send({ type: 'subscribe', id: 7, key: 'alpha/sub' });
    c.send({ type: 'subscribe', id: 300, key: 'beta/sub' });
    await waitFor(
      () => c.fragments(7).length >= 5 && c.fragments(300).length >= 5,
      15_000,
      'fragments on both ids',
    );
    const firstFrame = Math.min(...[7, 300].map((id) => c.fragments(id)[0]!.at)) - t0;
    console.log(`# mse-ws cold start (lease → first fragment on the socket): ${firstFrame} ms`);
    for (const id of [7, 300]) {
      const inits = c.inits(id);
      assert.equal(inits.length, 1);
      const init = inits[0]!;
      assert.equal(init.type, 'init');
      if (init.type !== 'init') continue;
      assert.match(init.codecs, /^avc1\.[0-9a-f]{6}$/);
      assert.match(init.mimeType, /^video\/mp4; codecs="avc1\./);
      assert.equal(init.discontinuity, false);
      assert.equal(init.width, 320);
      // The binary init comes before any fragment of its id, and the first fragment is a keyframe.
      const ofId = c.got.frames.filter((f) => f.id === id);
      assert.equal(ofId[0]!.kind, MSE_FRAME_INIT);
      const initInfo = parseInitSegment(ofId[0]!.payload);
      const first = ofId[1]!;
      assert.equal(first.kind, MSE_FRAME_FRAGMENT);
      assert.equal(first.keyframe, true, 'header flag says keyframe');
      assert.equal(
        parseFragment(first.payload, initInfo).independent,
        true,
        'the fragment itself starts with an IDR',
      );
      for (const f of ofId.slice(1)) assert.equal(parseFragment(f.payload, initInfo).independent, f.keyframe);
    }
    assert.equal(viewerLeases('alpha', 'sub').length, 1);
    assert.equal(viewerLeases('beta', 'sub').length, 1);

    // A second socket on a warm key starts at the latest keyframe from the hub's memory.
    const warm = await connect('/live/ws');
    const t1 = Date.now();
    warm.send({ type: 'subscribe', id: 1, key: 'alpha/sub' });
    await waitFor(() => warm.fragments(1).length >= 1, 5000, 'warm fragment');
    console.log(
      `# mse-ws warm start (subscribe → first keyframe fragment): ${warm.fragments(1)[0]!.at - t1} ms`,
    );
    assert.equal(warm.fragments(1)[0]!.keyframe, true);
    assert.equal(viewerLeases('alpha', 'sub').length, 2);

    // Unsubscribing one releases only its own lease; the other socket keeps streaming.
    c.send({ type: 'unsubscribe', id: 7 });
    await waitFor(() => viewerLeases('alpha', 'sub').length === 1, 3000, 'one alpha lease released');
    const n = warm.fragments(1).length;
    await waitFor(() => warm.fragments(1).length >= n + 3, 5000, 'warm socket still streaming');
    await warm.close();
    await waitFor(() => viewerLeases('alpha', 'sub').length === 0, 3000, 'socket close releases its lease');
    await c.close();
    await waitFor(
      () => viewerLeases('beta', 'sub').length === 0,
      3000,
      'first socket closed: beta lease released',
    );
  });

  test('bad messages get an error reply; the socket and its other streams survive', async () => {
    const c = await connect();
    c.send({ type: 'subscribe', id: 1, key: 'beta/main' });
    await waitFor(() => c.fragments(1).length >= 1, 15_000, 'beta/main streaming');
    const bad: unknown[] = [
      'not json {',
      '42',
      { type: 'subscribe', id: -1, key: 'beta/sub' },
      { type: 'subscribe', id: 2, key: 'beta' },
      { type: 'subscribe', id: 3, key: 'nope/sub' },
      { type: 'subscribe', id: 1, key: 'beta/sub' },
      { type: 'unsubscribe', id: 99 },
      { type: 'dance', id: 4 },
    ];
    for (const m of bad) c.send(m);
    c.ws.send(Buffer.from([1, 2, 3]));
    await waitFor(() => c.errors().length >= bad.length + 1, 3000, 'an error per bad message');
    const messages = c.errors().map((e) => (e.type === 'error' ? `${e.id}: ${e.message}` : ''));
    assert.match(messages.join('\n'), /malformed JSON/);
    assert.match(messages.join('\n'), /3: camera "nope" not found/);
    assert.match(messages.join('\n'), /1: id 1 is already subscribed/);
    assert.match(messages.join('\n'), /invalid stream key "beta"/);
    const n = c.fragments(1).length;
    await waitFor(() => c.fragments(1).length >= n + 3, 5000, 'beta/main still streaming after garbage');
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.equal(viewerLeases('beta', 'main').length, 1, 'no lease leaked by the failed subscribes');
    await c.close();
    await waitFor(() => viewerLeases('beta', 'main').length === 0, 3000, 'close releases every lease');
  });

  test('closing a socket releases all its leases; FFmpeg killed → new init with discontinuity', async () => {
    // The previous test's streams stop 1 s after their last viewer; subscribing while a key is
    // stopping restarts it (a second init that has nothing to do with the kill below), so start cold.
    await waitFor(
      () => ['alpha/main', 'beta/sub'].every((k) => app.supervisor.status(parseKeyId(k)).state === 'idle'),
      15_000,
      'both keys idle before the test',
    );
    const c = await connect();
    c.send({ type: 'subscribe', id: 10, key: 'alpha/main' });
    c.send({ type: 'subscribe', id: 11, key: 'beta/sub' });
    await waitFor(() => c.fragments(10).length >= 2 && c.fragments(11).length >= 2, 15_000, 'both streaming');
    const pid = app.supervisor.status(streamKey('alpha', 'main')).pid!;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => c.inits(10).length === 2, 15_000, 'a second init after the restart');
    const again = c.inits(10)[1]!;
    assert.equal(again.type === 'init' && again.discontinuity, true);
    await waitFor(
      () => c.fragments(10).some((f) => f.at > killedAt && f.keyframe),
      10_000,
      'fragments after restart',
    );
    const last = c.got.frames.filter((f) => f.id === 10);
    const reinit = last.findLastIndex((f) => f.kind === MSE_FRAME_INIT);
    assert.ok(reinit > 0);
    assert.equal(last[reinit + 1]?.keyframe, true, 'first fragment after the new init is a keyframe');
    assert.ok(c.got.json.some((m) => m.type === 'status' && m.id === 10 && m.state === 'reset'));
    // The other stream on the socket never noticed.
    assert.equal(c.inits(11).length, 1, JSON.stringify(c.got.json.filter((m) => m.id === 11)));
    assert.equal(viewerLeases('alpha', 'main').length, 1);
    assert.equal(viewerLeases('beta', 'sub').length, 1);
    c.ws.terminate();
    await waitFor(
      () => viewerLeases('alpha', 'main').length === 0 && viewerLeases('beta', 'sub').length === 0,
      3000,
      'terminate releases all',
    );
    assert.equal(app.supervisor.hub(streamKey('alpha', 'main')).readerCount, 0, 'hub readers gone');
  });
});
