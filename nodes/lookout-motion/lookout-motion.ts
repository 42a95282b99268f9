/**
 * lookout-motion: one message per camera motion change (`payload` {kind, active, at, source}),
 * status showing the current ON/OFF.
 */
import type { MotionEventPayload } from '../../addon/src/contracts/mqtt.js';
import { boundConnection, type CameraNodeDef } from '../lib/camera-node.js';
import type { ConnectionUser } from '../lib/connection.js';
import type { Node, NodeAPI } from '../lib/red.js';
import { connectionStatus } from '../lib/status.js';

interface MotionDef extends CameraNodeDef {
  camera: string;
}

export default function register(RED: NodeAPI): void {
  function LookoutMotion(this: Node, def: MotionDef): void {
    RED.nodes.createNode(this, def);
    const conn = boundConnection(RED, this, def, 'lookout-motion');
    if (!conn) return;
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
