/**
 * HTTP API answer shapes (JSON). The panel, the Node-RED nodes and tests import these; the API
 * routes build exactly these. Credentials never appear in any of them.
 */
import type { Capabilities, ProfileMode, RtspTransport, Vendor } from './config.js';
import type { LeaseKind, LeaseView, StreamState, StreamStatus } from './stream-state.js';

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
  enabled: boolean;
  hidden: boolean;
  capabilities: Capabilities;
  profiles: ProfileSummary[];
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
}

export interface HealthAnswer {
  status: 'ok';
  version: string;
  uptimeS: number;
  cameras: number;
  streams: Record<StreamState, number>;
}
