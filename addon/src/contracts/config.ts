/**
 * The resolved (validated, cascaded, secrets-substituted) configuration that the rest of Lookout
 * consumes. The file format itself is defined once, by the JSON Schema in config/lookout.schema.json;
 * addon/src/config/ turns a file into these types. Nothing outside addon/src/config/ reads YAML.
 */
import type { RecordingSettings } from './recording.js';
import type { SrtIngest, SrtlaSettings } from './srtla.js';
import { keyId, PROFILE_NAMES, streamKey, type ProfileName } from './stream-key.js';

export const VENDORS = [
  'generic',
  'reolink',
  'amcrest',
  'dahua',
  'hikvision',
  'unifi',
  'tapo',
  'onvif',
] as const;
export type Vendor = (typeof VENDORS)[number];

/**
 * RTSP transport as configured. `auto` (the default): TCP first, UDP when the server refuses TCP (461)
 * or TCP times out before any media; the supervisor remembers per key what worked
 * (sources/resolve.ts `pickTransport`). `tcp` / `udp` force one.
 */
export type RtspTransport = 'auto' | 'tcp' | 'udp';
/** The transport one FFmpeg attempt uses. */
export type RtspLowerTransport = Exclude<RtspTransport, 'auto'>;
export type ProfileMode = 'copy' | 'transcode';
/** What to do with the camera's audio: pass it through, transcode to AAC/Opus, or drop it. */
export type AudioMode = 'auto' | 'copy' | 'aac' | 'opus' | 'drop';

export interface TranscodeOptions {
  width: number | null;
  height: number | null;
  fps: number | null;
  /** Seconds between forced keyframes (GOP = fps x interval). */
  keyframeIntervalS: number;
  bitrateKbps: number | null;
  preset: string;
}

/** Per-stream tuning that follows the cascade camera > vendor > global > built-in. */
export interface StreamTuning {
  stallTimeoutMs: number;
  startupGraceMs: number;
  idleTimeoutMs: number;
  leaseTtlMs: number;
  probeIntervalMs: number;
  /** FFmpeg restart backoff ladder, e.g. [1000, 2000, 5000, 10000, 30000, 60000]; the last is the cap. */
  backoffStepsMs: number[];
  /** Live this long without trouble resets the backoff ladder. */
  backoffResetAfterMs: number;
  /** RTSP socket timeout handed to FFmpeg. */
  rtspTimeoutMs: number;
  /** Target LL-HLS part / fMP4 fragment duration. */
  partTargetMs: number;
}

export interface ResolvedProfile {
  name: ProfileName;
  /**
   * Source URL with credentials percent-encoded into it. SECRET: never log it, never put it in an
   * API answer; use displayUrl. The supervisor passes it through sources/resolve.ts before use.
   */
  sourceUrl: string;
  /** The same URL without credentials, safe to show. */
  displayUrl: string;
  transport: RtspTransport;
  mode: ProfileMode;
  /** Present iff mode === 'transcode'. */
  transcode: TranscodeOptions | null;
  audio: AudioMode;
  alwaysOn: boolean;
  tuning: StreamTuning;
  /** Present for an `srt:` source: the camera pushes SRT (plain or bonded via SRTLA) to Lookout. */
  srt?: SrtIngest;
}

export interface Capabilities {
  ptz: boolean;
  presets: boolean;
  motionEvents: boolean;
  audioOut: boolean;
}

export const MOTION_SOURCES = ['auto', 'onvif', 'pixel', 'off'] as const;
export type MotionSource = (typeof MOTION_SOURCES)[number];

/** A rectangle in fractions of the frame (0..1). */
export interface FrameRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MotionSettings {
  /** As configured; `auto` is decided by control/ (ONVIF events, else pixel if recording on motion). */
  source: MotionSource;
  /** 1..100, pixel motion only. */
  sensitivity: number;
  /** Regions pixel motion ignores. */
  masks: FrameRect[];
}

export interface Credentials {
  username: string;
  /** SECRET */
  password: string;
}

export interface OnvifEndpoint {
  host: string;
  port: number;
  path: string;
  credentials: Credentials | null;
}

export interface ResolvedCamera {
  id: string;
  name: string;
  enabled: boolean;
  hidden: boolean;
  vendor: Vendor;
  host: string | null;
  credentials: Credentials | null;
  profiles: Partial<Record<ProfileName, ResolvedProfile>>;
  onvif: OnvifEndpoint | null;
  snapshotUrl: string | null;
  capabilities: Capabilities;
  motion: MotionSettings;
  /** The `backchannel` block (two-way audio, addon/src/talkback/); absent: the built-in defaults. */
  backchannel?: BackchannelSettings;
}

/** A camera's `backchannel` block: how talkers reach its speaker (addon/src/talkback/README.md). */
export interface BackchannelSettings {
  enabled: boolean;
  /** Several talkers mixed into the one camera session; off: the first talker wins, others get busy. */
  mix: boolean;
  /** `rtsp`: ONVIF RTSP backchannel; `vendor`: the vendor's HTTP talkback (Dahua, Hikvision). */
  via: 'rtsp' | 'vendor';
  /** Which profile's source URL carries the RTSP backchannel (when `url` is not set). */
  profile: ProfileName;
  /** SECRET (credentials inside). An own RTSP URL for the backchannel (Dahua: `...&proto=Onvif`). */
  url: string | null;
  /** Talkers at once on this camera (the mixer's fixed input slots). */
  maxTalkers: number;
}

export interface ServerSettings {
  host: string;
  port: number;
  /** Where Lookout keeps its run state (PID records), certificates and caches. */
  dataDir: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** SECRET. API token (control/api/auth.ts); null: no authentication. */
  token: string | null;
  /** Connections from these addresses need no token (HA's ingress proxy in the add-on). */
  trustedProxies: string[];
  /**
   * Host names (besides IP literals, localhost, this machine's names and the bind address) that
   * requests may name in their Host header: DNS rebinding protection (control/api/http-guard.ts).
   */
  allowedHosts: string[];
  /** Browser origins (scheme://host[:port]) allowed cross-origin: CORS answers, POSTs, WebSockets. */
  corsOrigins: string[];
  /** Hardware H.264 encoder for on-demand variants (StreamKey.variant); null: software. */
  hwaccel: { api: 'vaapi' | 'qsv'; device: string } | null;
}

/** The `mqtt:` section (control/mqtt/). No url: an embedded broker on loopback. */
export interface MqttSettings {
  enabled: boolean;
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker; null: run the embedded broker. */
  url: string | null;
  username: string | null;
  /** SECRET */
  password: string | null;
  clientId: string;
  baseTopic: string;
  discovery: boolean;
  discoveryPrefix: string;
  /**
   * Where answers to commands may go (contracts/mqtt-replies.ts); default `<base>/_replies`.
   * Lookout publishes answers only strictly below it.
   */
  replyPrefix: string;
  /**
   * The embedded broker (used only when url is null). Its credentials are generated on first start
   * (`<data_dir>/mqtt/credentials.json`, control/mqtt/broker-credentials.ts). `allowAnonymous`:
   * clients without them may connect (to read and send commands, never to write Lookout's state);
   * default and only allowed value on loopback: true; elsewhere false.
   */
  embedded: { host: string; port: number; allowAnonymous: boolean };
  /** `image_interval`: how often each camera's retained HA picture is refreshed; null: only on motion and snapshots. */
  imageIntervalMs: number | null;
}

/** The top-level `talk:` section. */
export interface TalkSettings {
  /** Files `POST /api/talk/:camera/play` may name; null: only http(s) URLs. */
  mediaDir: string | null;
  /** Talkers at once over every camera. */
  maxTalkers: number;
}

export interface ResolvedConfig {
  server: ServerSettings;
  /** The `mqtt:` section. */
  mqtt: MqttSettings;
  cameras: ResolvedCamera[];
  /** The `recording:` section and each camera's `recording:` block (outputs/recorder). */
  recording: RecordingSettings;
  /** The `srtla:` section (sources/srtla); absent: the receiver is off. */
  srtla?: SrtlaSettings;
  /** The `talk:` section (addon/src/talkback/); absent: the built-in defaults. */
  talk?: TalkSettings;
  /** Every secret value found while loading (passwords), for the log redactor. */
  secrets: string[];
}

/** Where an effective value came from, for `lookout config explain`. */
export type ProvenanceLevel = 'camera' | 'vendor' | 'global' | 'built-in';
export interface ProvenanceEntry {
  /** Dotted path of the effective setting, e.g. `profiles.main.tuning.stallTimeoutMs`. */
  path: string;
  value: unknown;
  level: ProvenanceLevel;
  /** JSON path in the file that set it (e.g. `/cameras/0/profiles/main/transport`), or a label for built-ins. */
  origin: string;
}

/**
 * Every stream key id (`camera/profile`) of the enabled cameras, with its profile: which streams a
 * config has (the supervisor runs exactly these; config/diff.ts compares them on reload).
 */
export function streamProfiles(cfg: ResolvedConfig): Map<string, ResolvedProfile> {
  const out = new Map<string, ResolvedProfile>();
  for (const cam of cfg.cameras) {
    if (!cam.enabled) continue;
    for (const name of PROFILE_NAMES) {
      const profile = cam.profiles[name];
      if (profile) out.set(keyId(streamKey(cam.id, name)), profile);
    }
  }
  return out;
}
