/**
 * lookout-record: starts or stops a camera's manual recording, or records a clip that ends by itself
 * after `duration` seconds (record_start with duration_s). Lookout's answer `{ok, recording}` goes
 * out in msg.payload; a failure goes to done(err) for Catch nodes.
 */
import type { MqttCommand, RecordStartCommand } from '../../addon/src/contracts/mqtt.js';
import { numberOf, payloadObject, registerCommandNode, type CameraNodeDef } from '../lib/camera-node.js';
import type { NodeAPI, NodeMessage } from '../lib/red.js';

export const RECORD_ACTIONS = ['clip', 'start', 'stop'] as const;
type RecordAction = (typeof RECORD_ACTIONS)[number];

interface RecordDef extends CameraNodeDef {
  action?: string;
  duration?: number | string;
}

const isAction = (v: unknown): v is RecordAction =>
  typeof v === 'string' && (RECORD_ACTIONS as readonly string[]).includes(v);

/** The command and its arguments for one message; throws (→ done(err)) for unusable input. */
export function recordRequest(
  def: RecordDef,
  msg: NodeMessage,
): { action: RecordAction; command: MqttCommand; args: Record<string, unknown> } {
  const obj = payloadObject(msg);
  const field = (k: string): unknown => msg[k] ?? obj[k];
  const p = msg.payload;
  // Shorthand payloads: an action name, or true/false for start/stop.
  const shorthand: RecordAction | undefined = isAction(p)
    ? p
    : typeof p === 'boolean'
      ? p
        ? 'start'
        : 'stop'
      : undefined;
  const given = field('action');
  if (given !== undefined && !isAction(given))
    throw new Error(`unknown action "${String(given).slice(0, 40)}"; use clip, start or stop`);
  const action: RecordAction =
    (given as RecordAction | undefined) ?? shorthand ?? (isAction(def.action) ? def.action : 'clip');
  if (action === 'stop') return { action, command: 'record_stop', args: {} };
  if (action === 'start') return { action, command: 'record_start', args: {} };
  // No number-payload shorthand: an inject node's timestamp payload would become the duration.
  const d = numberOf(field('duration')) ?? numberOf(def.duration) ?? 30;
  if (!(d >= 1 && d <= 86_400)) throw new Error('duration must be 1 to 86400 seconds');
  const args: RecordStartCommand = { duration_s: d };
  return { action, command: 'record_start', args: { ...args } };
}

export default function register(RED: NodeAPI): void {
  registerCommandNode(RED, 'lookout-record', (def: RecordDef, msg) => {
    const { action, command, args } = recordRequest(def, msg);
    return { command, args, topic: action };
  });
}
