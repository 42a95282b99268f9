/**
 * What the request/response nodes (ptz, snapshot, record) share: the config-node check, one
 * connection user with a status that follows the configured camera's availability, the camera a
 * message addresses, and a failed answer turned into the Error that `done(err)` hands to Catch nodes.
 */
import type { CommandResponse, MqttCommand } from '../../addon/src/contracts/mqtt.js';
import type { ConnectionUser, LookoutConnection } from './connection.js';
import type { Node, NodeAPI, NodeMessage } from './red.js';
import { availabilityStatus, connectionStatus } from './status.js';
import type { LookoutConfigNode } from '../lookout-config/lookout-config.js';

/** Camera ids as the config accepts them; anything else in msg.camera is refused before publishing. */
const CAMERA_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface CameraNodeDef {
  id: string;
  server: string;
  camera?: string;
}

export interface CameraNode {
  conn: LookoutConnection;
  user: ConnectionUser;
  /** The camera a message addresses: msg.camera, else the node's own; throws for an invalid id. */
  cameraFor(msg: NodeMessage): string;
}

/** Null (after a red status and an error) when the config node is missing. */
export function setupCameraNode(
  RED: NodeAPI,
  node: Node,
  def: CameraNodeDef,
  type: string,
): CameraNode | null {
  const server = RED.nodes.getNode(def.server) as LookoutConfigNode | null;
  if (!server) {
    node.status({ fill: 'red', shape: 'ring', text: 'no server' });
    node.error(RED._(`${type}.errors.missing-config`));
    return null;
  }
  const conn = server.connection;
  const own = def.camera?.trim() ?? '';
  let availability: string | null = null;
  const user: ConnectionUser = {
    id: node.id,
    onConnection: (s) =>
      node.status(
        s === 'connected' && own && availability !== null
          ? availabilityStatus(own, availability)
          : connectionStatus(s),
      ),
  };
  conn.register(user);
  // Status shows the configured camera's availability; a node fed only msg.camera shows the link.
  if (own) {
    conn.subscribe(user, conn.topics.cameraStatus(own), (_t, payload) => {
      availability = payload.toString();
      // An empty retained payload means the camera was removed from Lookout.
      node.status(availabilityStatus(own, availability || 'removed'));
    });
  }
  return {
    conn,
    user,
    cameraFor(msg) {
      const cam = typeof msg.camera === 'string' && msg.camera !== '' ? msg.camera : own;
      if (!cam) throw new Error(RED._(`${type}.errors.missing-camera`));
      if (!CAMERA_ID.test(cam)) throw new Error(`invalid camera id "${cam.slice(0, 70)}"`);
      return cam;
    },
  };
}

/** The Error for a failed answer; `code` is Lookout's error code (not_found, timeout, …). */
export function answerError(
  camera: string,
  command: MqttCommand,
  answer: Extract<CommandResponse, { ok: false }>,
): Error & { code: string } {
  const err = new Error(`${camera} ${command}: ${answer.error.code}: ${answer.error.message}`) as Error & {
    code: string;
  };
  err.code = answer.error.code;
  return err;
}

/** A finite number from a msg field or an editor string; undefined for absent/empty. */
export function numberOf(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : NaN;
}

/** msg.payload when it is a plain object, for the `{action, …}` form. */
export function payloadObject(msg: NodeMessage): Record<string, unknown> {
  const p = msg.payload;
  return typeof p === 'object' && p !== null && !Array.isArray(p) && !Buffer.isBuffer(p)
    ? (p as Record<string, unknown>)
    : {};
}
