/**
 * lookout-ptz: moves a camera (pan/tilt/zoom velocities for a duration), stops, zooms, goes home,
 * and goes to / saves / removes presets by NAME, through Lookout's MQTT commands with a reply topic,
 * so the flow learns the camera's answer: success → msg out (answer in payload), failure → done(err).
 */
import type { MqttCommand, PtzMoveCommand, PtzZoomCommand } from '../../addon/src/contracts/mqtt.js';
import { PTZ_AXIS, PTZ_MOVE_TIMEOUT_MS, presetName, presetNameError } from '../../addon/src/contracts/ptz.js';
import { numberOf, payloadObject, registerCommandNode, type CameraNodeDef } from '../lib/camera-node.js';
import type { NodeAPI, NodeMessage } from '../lib/red.js';

export const PTZ_ACTIONS = [
  'move',
  'stop',
  'zoom_in',
  'zoom_out',
  'home',
  'preset_goto',
  'preset_set',
  'preset_remove',
] as const;
export type PtzAction = (typeof PTZ_ACTIONS)[number];

/** Short names accepted in msg.action / a string payload (the editor stores the long ones). */
const ALIASES: Record<string, PtzAction> = {
  goto: 'preset_goto',
  set: 'preset_set',
  save: 'preset_set',
  remove: 'preset_remove',
  'zoom-in': 'zoom_in',
  'zoom-out': 'zoom_out',
};

const COMMAND: Record<PtzAction, MqttCommand> = {
  move: 'ptz_move',
  stop: 'ptz_stop',
  zoom_in: 'ptz_zoom',
  zoom_out: 'ptz_zoom',
  home: 'ptz_home',
  preset_goto: 'preset_goto',
  preset_set: 'preset_set',
  preset_remove: 'preset_remove',
};

interface PtzDef extends CameraNodeDef {
  action?: string;
  preset?: string;
  pan?: number | string;
  tilt?: number | string;
  zoom?: number | string;
  speed?: number | string;
  duration?: number | string;
}

function toAction(v: unknown): PtzAction | null {
  if (typeof v !== 'string') return null;
  const a = v.trim().toLowerCase();
  return (PTZ_ACTIONS as readonly string[]).includes(a) ? (a as PtzAction) : (ALIASES[a] ?? null);
}

/** The command and its arguments for one message; throws (→ done(err)) for unusable input. */
export function ptzRequest(
  def: PtzDef,
  msg: NodeMessage,
): { command: MqttCommand; args: Record<string, unknown> } {
  const obj = payloadObject(msg);
  const field = (k: string): unknown => msg[k] ?? obj[k];
  // A string payload is an action name, or else a preset name (for the preset actions / goto).
  const text = typeof msg.payload === 'string' ? msg.payload.trim() : '';
  const textAction = toAction(text);
  if (field('action') !== undefined && !toAction(field('action')))
    throw new Error(
      `unknown action "${String(field('action')).slice(0, 40)}"; use ${PTZ_ACTIONS.join(', ')}`,
    );
  const presetFromText = text && !textAction ? text : undefined;
  const configured = toAction(def.action);
  let action = toAction(field('action')) ?? textAction;
  // A bare preset name: the node's preset action if it has one, else goto.
  if (!action && presetFromText) action = configured?.startsWith('preset_') ? configured : 'preset_goto';
  action ??= configured;
  if (!action)
    throw new Error(`no action: set one in the node or send msg.action (${PTZ_ACTIONS.join(', ')})`);

  const num = (k: 'pan' | 'tilt' | 'zoom' | 'speed' | 'duration', lo: number, hi: number) => {
    const v = numberOf(field(k)) ?? numberOf(def[k]);
    if (v !== undefined && !(v >= lo && v <= hi))
      throw new Error(`${k} must be a number from ${lo} to ${hi}`);
    return v;
  };
  const timeout = () => {
    const d = num('duration', PTZ_MOVE_TIMEOUT_MS.min / 1000, PTZ_MOVE_TIMEOUT_MS.max / 1000);
    return d === undefined ? {} : { timeout_ms: Math.round(d * 1000) };
  };

  switch (action) {
    case 'move': {
      const args: PtzMoveCommand = {
        pan: num('pan', PTZ_AXIS.min, PTZ_AXIS.max) ?? 0,
        tilt: num('tilt', PTZ_AXIS.min, PTZ_AXIS.max) ?? 0,
        zoom: num('zoom', PTZ_AXIS.min, PTZ_AXIS.max) ?? 0,
        ...timeout(),
      };
      return { command: 'ptz_move', args: { ...args } };
    }
    case 'zoom_in':
    case 'zoom_out': {
      const speed = Math.abs(num('speed', 0.01, PTZ_AXIS.max) ?? 0.5);
      const args: PtzZoomCommand = { speed: action === 'zoom_in' ? speed : -speed, ...timeout() };
      return { command: 'ptz_zoom', args: { ...args } };
    }
    case 'preset_goto':
    case 'preset_set':
    case 'preset_remove': {
      const raw = field('preset') ?? presetFromText ?? def.preset;
      if (raw === undefined || (typeof raw === 'string' && !raw.trim()))
        throw new Error(`${action} needs a preset name (node setting, msg.preset or a string payload)`);
      const name = presetName(raw);
      if (name === null) throw new Error(presetNameError(raw));
      return { command: COMMAND[action], args: { name } };
    }
    default:
      return { command: COMMAND[action], args: {} };
  }
}

export default function register(RED: NodeAPI): void {
  registerCommandNode(RED, 'lookout-ptz', ptzRequest);
}
