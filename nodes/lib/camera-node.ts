/**
 * What the request/response nodes (ptz, snapshot, record) share: the config-node check, one
 * connection user with a status that follows the configured camera's availability, the camera a
 * message addresses, a failed answer turned into the Error that `done(err)` hands to Catch nodes, and
 * the whole one-command-per-message node (ptz, record) built from a function that maps a message to
 * its command.
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

/** The config node's connection; null (after a red status and an error) when it is missing. */
export function configConnection(
  RED: NodeAPI,
  node: Node,
  def: CameraNodeDef,
  type: string,
): LookoutConnection | null {
  const server = RED.nodes.getNode(def.server) as LookoutConfigNode | null;
  if (!server) {
    node.status({ fill: 'red', shape: 'ring', text: 'no server' });
    node.error(RED._(`${type}.errors.missing-config`));
    return null;
  }
  return server.connection;
}

/**
 * For the nodes bound to their configured camera (camera, motion: no message can name another):
 * the connection, or null after a red status and an error (no config node) or a warning (no camera).
 */
export function boundConnection(
  RED: NodeAPI,
  node: Node,
  def: CameraNodeDef,
  type: string,
): LookoutConnection | null {
  const conn = configConnection(RED, node, def, type);
  if (!conn) return null;
  if (!def.camera) {
    node.status({ fill: 'red', shape: 'ring', text: 'no camera' });
    node.warn(RED._(`${type}.errors.missing-camera`));
    return null;
  }
  return conn;
}

/** Null (after a red status and an error) when the config node is missing. */
export function setupCameraNode(
  RED: NodeAPI,
  node: Node,
  def: CameraNodeDef,
  type: string,
): CameraNode | null {
  const conn = configConnection(RED, node, def, type);
  if (!conn) return null;
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

/** One message's command; `topic` is what the answered message carries (default: the command). */
export interface CommandRequest {
  command: MqttCommand;
  args: Record<string, unknown>;
  topic?: string;
}

/**
 * Registers a node that sends one command per message: the command from `toRequest` (which throws
 * for unusable input, → done(err)), Lookout's answer in msg.payload with msg.camera and msg.topic set,
 * a failed answer → done(err), and the connection user dropped on close.
 */
export function registerCommandNode<D extends CameraNodeDef>(
  RED: NodeAPI,
  type: string,
  toRequest: (def: D, msg: NodeMessage) => CommandRequest,
): void {
  function CommandNode(this: Node, def: D): void {
    RED.nodes.createNode(this, def);
    const cam = setupCameraNode(RED, this, def, type);
    if (!cam) return;

    this.on('input', (msg: NodeMessage, send, done) => {
      let camera: string;
      let req: CommandRequest;
      try {
        camera = cam.cameraFor(msg);
        req = toRequest(def, msg);
      } catch (err) {
        done(err as Error);
        return;
      }
      void cam.conn.request(camera, req.command, req.args).then((answer) => {
        if (!answer.ok) {
          done(answerError(camera, req.command, answer));
          return;
        }
        msg.camera = camera;
        msg.topic = req.topic ?? req.command;
        msg.payload = answer;
        send(msg);
        done();
      });
    });

    this.on('close', (_removed, done) => {
      void cam.conn.deregister(cam.user).finally(done);
    });
  }
  RED.nodes.registerType(type, CommandNode);
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
