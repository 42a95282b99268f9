/**
 * lookout-motion: one message per camera motion change (`payload` {kind, active, at, source}),
 * status showing the current ON/OFF.
 */
import type { MotionEventPayload } from '../../addon/src/contracts/mqtt.js';
import type { ConnectionUser } from '../lib/connection.js';
import type { Node, NodeAPI } from '../lib/red.js';
import { connectionStatus } from '../lib/status.js';
import type { LookoutConfigNode } from '../lookout-config/lookout-config.js';

interface MotionDef {
  id: string;
  server: string;
  camera: string;
}

export default function register(RED: NodeAPI): void {
  function LookoutMotion(this: Node, def: MotionDef): void {
    RED.nodes.createNode(this, def);
    const server = RED.nodes.getNode(def.server) as LookoutConfigNode | null;
    if (!server) {
      this.status({ fill: 'red', shape: 'ring', text: 'no server' });
      this.error(RED._('lookout-motion.errors.missing-config'));
      return;
    }
    if (!def.camera) {
      this.status({ fill: 'red', shape: 'ring', text: 'no camera' });
      this.warn(RED._('lookout-motion.errors.missing-camera'));
      return;
    }
    const conn = server.connection;
    let motion: string | null = null;
    const user: ConnectionUser = {
      id: this.id,
      onConnection: (s) =>
        this.status(s === 'connected' && motion ? motionStatus(motion) : connectionStatus(s)),
    };
    conn.register(user);
    conn.subscribe(user, conn.topics.motion(def.camera), (_t, payload) => {
      motion = payload.toString();
      this.status(motionStatus(motion));
    });
    conn.subscribe(user, conn.topics.motionEvent(def.camera), (topic, payload) => {
      let ev: MotionEventPayload;
      try {
        ev = JSON.parse(payload.toString()) as MotionEventPayload;
      } catch {
        return;
      }
      this.send({ topic, camera: def.camera, payload: ev });
    });
    this.on('close', (_removed, done) => {
      void conn.deregister(user).finally(done);
    });
  }
  RED.nodes.registerType('lookout-motion', LookoutMotion);
}

function motionStatus(v: string) {
  return v === 'ON'
    ? { fill: 'red' as const, shape: 'dot' as const, text: 'motion' }
    : { fill: 'grey' as const, shape: 'ring' as const, text: 'no motion' };
}
