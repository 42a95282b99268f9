/**
 * lookout-snapshot: asks Lookout for a snapshot over MQTT and outputs the JPEG as a Buffer in
 * msg.payload. Lookout publishes the JPEG (binary, not retained) to `<base>/<cam>/snapshot` and then
 * answers the request with `{key, bytes, frameAt}`; the node pairs the two by the byte count, so two
 * requests in flight for the same camera still each get a picture of their own request's time.
 */
import type { ProfileName } from '../../addon/src/contracts/stream-key.js';
import {
  answerError,
  numberOf,
  payloadObject,
  setupCameraNode,
  type CameraNodeDef,
} from '../lib/camera-node.js';
import type { Node, NodeAPI, NodeMessage } from '../lib/red.js';

interface SnapshotDef extends CameraNodeDef {
  profile?: string;
  /** Seconds to wait for the picture (an idle stream must start first). */
  timeout?: number | string;
}

/** A request in flight: JPEGs seen on its camera's topic since it was sent. */
interface Waiter {
  camera: string;
  jpegs: Buffer[];
  /** Set once the answer named the size: resolves with the first JPEG of that size. */
  want: { bytes: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null;
}

export default function register(RED: NodeAPI): void {
  function LookoutSnapshot(this: Node, def: SnapshotDef): void {
    RED.nodes.createNode(this, def);
    const cam = setupCameraNode(RED, this, def, 'lookout-snapshot');
    if (!cam) return;
    const { conn, user } = cam;
    const waiters = new Set<Waiter>();
    const timers = new Set<NodeJS.Timeout>();
    let closed = false;

    const onJpeg = (topic: string, payload: Buffer) => {
      for (const w of waiters) {
        if (topic !== conn.topics.snapshot(w.camera)) continue;
        if (w.want && payload.length === w.want.bytes) w.want.resolve(payload);
        else w.jpegs.push(payload);
      }
    };

    const snapshot = async (camera: string, profile: ProfileName, timeoutMs: number): Promise<Buffer> => {
      // Subscribed (acknowledged) before the request, or the picture could pass before we listen.
      await conn.subscribed(user, conn.topics.snapshot(camera), onJpeg);
      const w: Waiter = { camera, jpegs: [], want: null };
      waiters.add(w);
      let timer: NodeJS.Timeout | undefined;
      try {
        const t0 = Date.now();
        const answer = await conn.request(camera, 'snapshot', { profile }, timeoutMs);
        if (!answer.ok) throw answerError(camera, 'snapshot', answer);
        const bytes = Number(answer.bytes);
        const seen = w.jpegs.find((b) => b.length === bytes);
        if (seen) return seen;
        // The answer overtook the picture (different topics): wait out the rest of the time.
        const left = Math.max(1000, timeoutMs - (Date.now() - t0));
        return await new Promise<Buffer>((resolve, reject) => {
          w.want = { bytes, resolve, reject };
          timer = setTimeout(() => {
            reject(new Error(`${camera} snapshot: timeout: the JPEG did not arrive within ${left} ms`));
          }, left);
          timers.add(timer);
        });
      } finally {
        waiters.delete(w);
        if (timer) {
          clearTimeout(timer);
          timers.delete(timer);
        }
      }
    };

    this.on('input', (msg: NodeMessage, send, done) => {
      const obj = payloadObject(msg);
      let camera: string;
      let profile: ProfileName;
      let timeoutMs: number;
      try {
        camera = cam.cameraFor(msg);
        // A string payload "main" / "sub" picks the profile; other payloads (inject timestamps) do not.
        const text = msg.payload === 'main' || msg.payload === 'sub' ? msg.payload : undefined;
        const p = msg.profile ?? obj.profile ?? text;
        const chosen = typeof p === 'string' && p !== '' ? p : def.profile || 'main';
        if (chosen !== 'main' && chosen !== 'sub')
          throw new Error(`profile must be "main" or "sub", not "${chosen.slice(0, 20)}"`);
        profile = chosen;
        const s = numberOf(msg.timeout) ?? numberOf(def.timeout) ?? 15;
        if (!(s >= 1 && s <= 120)) throw new Error('timeout must be 1 to 120 seconds');
        timeoutMs = Math.round(s * 1000);
      } catch (err) {
        done(err as Error);
        return;
      }
      snapshot(camera, profile, timeoutMs).then(
        (jpeg) => {
          if (closed) return done();
          msg.camera = camera;
          msg.profile = profile;
          msg.topic = conn.topics.snapshot(camera);
          msg.contentType = 'image/jpeg';
          msg.payload = jpeg;
          send(msg);
          done();
        },
        (err: Error) => done(err),
      );
    });

    this.on('close', (_removed, done) => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const w of waiters) w.want?.reject(new Error('node closed before the snapshot arrived'));
      waiters.clear();
      void conn.deregister(user).finally(done);
    });
  }
  RED.nodes.registerType('lookout-snapshot', LookoutSnapshot);
}
