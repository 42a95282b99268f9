/**
 * HTTP API answer shapes (JSON). The panel, the Node-RED nodes and tests import these; the API
 * routes build exactly these. Credentials never appear in any of them.
 */
import type { Capabilities, ProfileMode, RtspTransport, Vendor } from './config.js';
import type { LeaseKind, LeaseView, StreamState, StreamStatus } from './stream-state.js';
import type { TalkBackchannelView } from './talk.js';

export interface ApiError {
  error: { code: string; message: string };
}

export interface ProfileSummary {
  name: string;
  /** `camera/profile` */
  key: string;
  source: string;
  transport: RtspTransport;
  mode: ProfileMode;
  state: StreamState;
  viewers: number;
  /** Fed by an SRTLA receiver (bonded SRT): the panel shows the per-link view. */
  bonded?: boolean;
}

export interface CameraSummary {
  id: string;
  name: string;
  vendor: Vendor;
  /** The vendor's maker name (vendors/registry.ts), e.g. for Home Assistant devices; null for generic/ONVIF. */
  manufacturer: string | null;
  enabled: boolean;
  hidden: boolean;
  capabilities: Capabilities;
  profiles: ProfileSummary[];
  /** What the MediaMTX gateway serves for this camera; null when Lookout runs without it. */
  gateway: CameraGateway | null;
}

/** A camera's streams through the MediaMTX gateway (gateway/). */
export interface CameraGateway {
  /** WebRTC (WHEP) is offered: `api/webrtc/<camera>/<profile>/whep` on Lookout's own origin. */
  webrtc: boolean;
  restream: RestreamInfo[];
}

/**
 * One profile's RTSP restream, for HA's generic camera, Frigate or another NVR. The user name and
 * password are a read-only credential Lookout generated for restream clients (never a camera's);
 * they are kept apart from `url` so the answer's URL-credential redaction leaves them usable.
 */
export interface RestreamInfo {
  profile: string;
  /** `camera/profile` */
  key: string;
  /** `rtsp://<host>:<port>/<camera>_<profile>`, without credentials. */
  url: string;
  username: string;
  password: string;
  /**
   * Profiles whose source is SRT: where an SRT encoder (or the SRTLA receiver) publishes the
   * stream, with the generated publish credential in the stream id. Null for pulled cameras.
   */
  srtPublishUrl: string | null;
}

/** The MediaMTX child and its paths, in /api/streams (`gateway`) and /metrics. */
export interface GatewayStatus {
  state: 'stopped' | 'starting' | 'up' | 'backoff';
  reason: string;
  version: string;
  pid: number | null;
  upSince: string | null;
  counters: { starts: number; restarts: number; healthKills: number };
  /** Set when the control API could not be read for this answer. */
  apiError: string | null;
  paths: GatewayPathStatus[];
}

export interface GatewayPathStatus {
  /** MediaMTX path name, `<camera>_<profile>`. */
  path: string;
  key: string;
  /** pull: MediaMTX opens the camera on demand; publish: an SRT publisher pushes to it. */
  kind: 'pull' | 'publish';
  /** The camera (or publisher) is connected and the stream readable. */
  available: boolean;
  /** MediaMTX's source type while available, e.g. `rtspSource`, `srtConn`. */
  source: string | null;
  /** Reader types, one per reader: `rtspSession` (Lookout's FFmpeg, restream clients), `webRTCSession`. */
  readers: string[];
  inboundBytes: number;
  outboundBytes: number;
}

export interface CameraDetail extends CameraSummary {
  host: string | null;
  hasCredentials: boolean;
  onvif: { host: string; port: number; path: string } | null;
  streams: StreamStatus[];
}

export interface LeaseRequestBody {
  kind?: LeaseKind;
  /** Milliseconds; default: the stream's configured lease TTL. */
  ttl_ms?: number;
  holder?: string;
}

export interface LeaseAnswer {
  lease: LeaseView & { key: string; ttlMs: number };
  stream: StreamStatus;
}

/** go2rtc-style graph: who produces each stream and who consumes it. */
export interface StreamGraphEntry {
  key: string;
  camera: string;
  profile: string;
  state: StreamState;
  reason: string;
  /** FFmpeg reads this key from the MediaMTX gateway path (which holds the one camera connection). */
  gatewayPath: string | null;
  producers: StreamProducer[];
  consumers: LeaseView[];
}

export type StreamProducer = FfmpegProducer | SrtlaProducer;

export interface FfmpegProducer {
  type: 'ffmpeg';
  source: string;
  pid: number | null;
  state: StreamState;
  bitrateKbps: number;
  fps: number;
}

/** A bonded SRTLA group feeding the key's SRT listener, with its links (connections). */
export interface SrtlaProducer {
  type: 'srtla';
  /** Short group id, as in the logs. */
  group: string;
  /** The SRT listener it forwards to. */
  target: string;
  pending: boolean;
  bitrateKbps: number;
  links: Array<{ address: string; share: number; bitrateKbps: number; lastSeenAgoMs: number }>;
}

export interface StreamGraph {
  streams: StreamGraphEntry[];
  /** The MediaMTX gateway in front of the cameras; null without it. */
  gateway: GatewayStatus | null;
  /** Each camera's two-way audio: sink, mixer (parents = talkers, childs = the sink), talkers. */
  backchannels?: TalkBackchannelView[];
}

export interface HealthAnswer {
  status: 'ok';
  version: string;
  uptimeS: number;
  cameras: number;
  streams: Record<StreamState, number>;
}
