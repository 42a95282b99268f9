/**
 * lookout-camera: starts and stops a camera stream as a lease (renewed while held), and reports the
 * stream's state. Input `payload` "start" | "stop" (or `{action}`); output: the command answers and
 * every state change (`topic` "state").
 */
import type { StreamStatePayload } from '../../addon/src/contracts/mqtt.js';
import { boundConnection, type CameraNodeDef } from '../lib/camera-node.js';
import type { ConnectionUser } from '../lib/connection.js';
import type { Node, NodeAPI, NodeMessage } from '../lib/red.js';
import { connectionStatus, streamStatus } from '../lib/status.js';

interface CameraDef extends CameraNodeDef {
  camera: string;
  profile?: 'main' | 'sub';
  ttl?: number | string;
}

export default function register(RED: NodeAPI): void {
  function LookoutCamera(this: Node, def: CameraDef): void {
    RED.nodes.createNode(this, def);
    const conn = boundConnection(RED, this, def, 'lookout-camera');
    if (!conn) return;
    const profile = def.profile === 'sub' ? 'sub' : 'main';
    const ttlS = Math.min(3600, Math.max(5, Number(def.ttl) || 60));
    let lease: string | null = null;
    let renewTimer: NodeJS.Timeout | null = null;
    let last: StreamStatePayload | null = null;

    const user: ConnectionUser = {
      id: this.id,
      onConnection: (s) => this.status(s === 'connected' && last ? streamStatus(last) : connectionStatus(s)),
    };
    conn.register(user);
    conn.subscribe(user, conn.topics.streamState(def.camera, profile), (_t, payload) => {
      try {
        last = JSON.parse(payload.toString()) as StreamStatePayload;
      } catch {
        return;
      }
      this.status(streamStatus(last));
      this.send({ topic: 'state', camera: def.camera, profile, payload: last });
    });

    const stopRenewing = () => {
      if (renewTimer) clearInterval(renewTimer);
      renewTimer = null;
    };
    const start = async () => {
      if (lease) return { ok: true as const, lease, already: true };
      const a = await conn.request(def.camera, 'stream_start', {
        profile,
        ttl_s: ttlS,
        holder: `node-red:${this.id}`,
      });
      if (a.ok) {
        lease = String(a.lease);
        // Renew at half the TTL: one lost renewal does not drop the stream.
        renewTimer = setInterval(
          () => {
            if (lease) void conn.request(def.camera, 'stream_renew', { lease, ttl_s: ttlS });
          },
          (ttlS * 1000) / 2,
        );
      }
      return a;
    };
    const stop = async () => {
      stopRenewing();
      if (!lease) return { ok: true as const, released: false };
      const held = lease;
      lease = null;
      return conn.request(def.camera, 'stream_stop', { lease: held });
    };

    this.on('input', (msg: NodeMessage, send, done) => {
      const action =
        typeof msg.payload === 'string' ? msg.payload : (msg.payload as { action?: unknown } | null)?.action;
      if (action !== 'start' && action !== 'stop') {
        done(new Error(RED._('lookout-camera.errors.bad-action')));
        return;
      }
      void (action === 'start' ? start() : stop()).then((answer) => {
        msg.topic = action;
        msg.payload = answer;
        send(msg);
        if (answer.ok) done();
        else done(new Error(`${action}: ${answer.error.code}: ${answer.error.message}`));
      });
    });

    this.on('close', (_removed, done) => {
      void stop()
        .catch(() => {})
        .then(() => conn.deregister(user))
        .finally(done);
    });
  }
  RED.nodes.registerType('lookout-camera', LookoutCamera);
}
