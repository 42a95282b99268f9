/**
 * The MQTT topic contract: every topic Lookout publishes or listens to, and every payload shape.
 * Defined once here so the service (control/mqtt/), the Node-RED nodes and docs/mqtt.md agree.
 *
 * Pure module: no Node imports (nodes/ and panel/ import it).
 */
import type { MotionKind } from './events.js';
import type { PtzMoveBody } from './ptz.js';
import type { ProfileName } from './stream-key.js';
import type { StreamState } from './stream-state.js';
import type { TalkPlayAnswer, TalkPlayBody } from './talk.js';

export const DEFAULT_BASE_TOPIC = 'lookout';
export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';

/** Availability payloads (retained). `offline` on `<base>/status` is also the LWT. */
export const ONLINE = 'online';
export const OFFLINE = 'offline';
export type Availability = typeof ONLINE | typeof OFFLINE;

/** Binary states for motion and recording (retained), as HA's binary_sensor/switch expect. */
export const ON = 'ON';
export const OFF = 'OFF';

/** `<base>/<camera>/cmd/<command>`: never retained (a retained command would replay). */
export const MQTT_COMMANDS = [
  'stream_start',
  'stream_renew',
  'stream_stop',
  'ptz_move',
  'ptz_stop',
  'ptz_zoom',
  'ptz_home',
  'preset_goto',
  'preset_set',
  'preset_remove',
  'snapshot',
  'record_start',
  'record_stop',
  /** HA switch: payload `ON` / `OFF`. */
  'record',
  /** Plays a URL or audio bytes to the camera's speaker (TalkPlayBody); answers when it ended. */
  'talk',
] as const;
export type MqttCommand = (typeof MQTT_COMMANDS)[number];

export function isMqttCommand(v: unknown): v is MqttCommand {
  return typeof v === 'string' && (MQTT_COMMANDS as readonly string[]).includes(v);
}

/** Topic builders for one base topic. */
export function mqttTopics(base: string = DEFAULT_BASE_TOPIC) {
  return {
    /** Bridge availability (retained; LWT `offline`). */
    status: `${base}/status`,
    /** Camera availability (retained). */
    cameraStatus: (camera: string) => `${base}/${camera}/status`,
    /** StreamStatePayload (retained JSON). */
    streamState: (camera: string, profile: ProfileName) => `${base}/${camera}/${profile}/state`,
    /** ON/OFF (retained): any motion kind active. */
    motion: (camera: string) => `${base}/${camera}/motion`,
    /** MotionEventPayload (JSON, not retained): every change of every kind. */
    motionEvent: (camera: string) => `${base}/${camera}/motion/event`,
    /**
     * ON/OFF (retained) for one kind (`<base>/<camera>/motion/person`); nothing while the kind's
     * state is unknown. No kind is called `event`, so this never collides with motionEvent.
     */
    motionKind: (camera: string, kind: MotionKind) => `${base}/${camera}/motion/${kind}`,
    /** ON/OFF (retained). */
    recording: (camera: string) => `${base}/${camera}/recording`,
    /**
     * JPEG bytes (not retained), the answer of a snapshot command: a requester subscribes first and
     * pairs it with the answer (the Node-RED snapshot node). A retained copy goes to `image`.
     */
    snapshot: (camera: string) => `${base}/${camera}/snapshot`,
    /**
     * JPEG bytes (retained): the camera's latest picture, taken on motion, at `mqtt.image_interval`
     * and on every snapshot command; HA's camera entity reads it, so it has a picture after a restart.
     */
    image: (camera: string) => `${base}/${camera}/image`,
    /** JPEG bytes (retained): the picture of the last motion start; HA's `image` entity reads it. */
    lastMotionImage: (camera: string) => `${base}/${camera}/last_motion/image`,
    /** LastMotionPayload (retained JSON): when and what the last motion was; the image entity's attributes. */
    lastMotion: (camera: string) => `${base}/${camera}/last_motion`,
    /** Preset names (retained JSON string array), when known. */
    presets: (camera: string) => `${base}/${camera}/presets`,
    command: (camera: string, command: MqttCommand) => `${base}/${camera}/cmd/${command}`,
    /** Subscription filter for every command of every camera. */
    commandFilter: `${base}/+/cmd/+`,
  };
}
export type MqttTopics = ReturnType<typeof mqttTopics>;

/** Splits `<base>/<camera>/cmd/<command>`; null for anything else (including unknown commands). */
export function parseCommandTopic(base: string, topic: string): { camera: string; command: string } | null {
  if (!topic.startsWith(`${base}/`)) return null;
  const parts = topic.slice(base.length + 1).split('/');
  if (parts.length !== 3 || parts[1] !== 'cmd' || !parts[0] || !parts[2]) return null;
  return { camera: parts[0], command: parts[2] };
}

/** `<base>/<camera>/<profile>/state` */
export interface StreamStatePayload {
  state: StreamState;
  reason: string;
  /** ISO time the state was entered. */
  since: string;
  fps: number;
  bitrateKbps: number;
  /** Viewer leases (LL-HLS, MSE, API viewers). */
  viewers: number;
  /** All leases (viewers, recorder, snapshot, api). */
  leases: number;
  /** StreamStatus.startLatencyMs: spawn → first media of the last start that reached live; null before one. */
  startLatencyMs: number | null;
  /**
   * The MediaMTX gateway's RTSP restream of this stream, without credentials (the panel's camera menu
   * shows the generated user); absent without the gateway. An attribute of the Stream sensor in HA.
   */
  rtsp_restream?: string;
}

/** `<base>/<camera>/motion/event` */
export interface MotionEventPayload {
  kind: string;
  active: boolean;
  at: string;
  source: string;
}

/** `<base>/<camera>/last_motion` */
export interface LastMotionPayload {
  /** ISO time the motion started (the event's time). */
  at: string;
  kind: string;
  source: string;
  /** ISO time of the frame in `last_motion/image`. */
  frameAt: string;
  profile: ProfileName;
  bytes: number;
}

// ── command payloads (JSON objects; HA buttons/switches/selects send plain strings, see docs/mqtt.md) ──

export interface StreamStartCommand {
  /** Default `main`. */
  profile?: ProfileName;
  /** Lease TTL in seconds; default the stream's lease_ttl. Renew with stream_renew before it ends. */
  ttl_s?: number;
  /** Free text shown in the lease list (who holds it). */
  holder?: string;
}
export interface StreamRenewCommand {
  lease: string;
  ttl_s?: number;
}
export interface StreamStopCommand {
  lease: string;
}
/** `ptz_move`: the HTTP move body, the same shape and limits (contracts/ptz.ts). */
export type PtzMoveCommand = PtzMoveBody;
export interface PtzZoomCommand {
  /** −1..1 */
  speed: number;
  timeout_ms?: number;
}
export interface PresetCommand {
  name: string;
}
export interface SnapshotCommand {
  profile?: ProfileName;
}
export interface RecordStartCommand {
  /** Stops by itself after this many seconds; absent: until record_stop. */
  duration_s?: number;
}

/** `talk`: the HTTP play body (contracts/talk.ts), the same shape and limits; or a bare URL. */
export type TalkCommand = TalkPlayBody;
/** The `talk` command's success answer: when playback ended. */
export type TalkCommandAnswer = { ok: true } & TalkPlayAnswer;

/**
 * Keys a v3.1.1 client adds to a command payload to name where the answer goes (v5 uses packet
 * properties instead); the answer echoes `correlation_id`.
 */
export const REPLY_KEYS = ['response_topic', 'correlation_id'] as const;
export type ReplyKeys = { [K in (typeof REPLY_KEYS)[number]]?: string };

// ── responses (MQTT v5 request/response: sent to the request's responseTopic with its correlationData) ──

export interface CommandError {
  /** `bad_request`, `not_found`, `conflict`, `unavailable`, `camera_error`, `internal`, … */
  code: string;
  message: string;
}
export type CommandResponse = ({ ok: true } & Record<string, unknown>) | { ok: false; error: CommandError };

export interface StreamStartAnswer {
  ok: true;
  lease: string;
  key: string;
  expiresAt: string;
  state: StreamState;
}
