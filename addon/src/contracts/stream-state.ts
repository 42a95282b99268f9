/**
 * Stream state machine vocabulary, shared by the supervisor, the HTTP API, MQTT and the panel.
 *
 *   idle ──lease──▶ starting ──first media──▶ live
 *                      │                       │ no media for stall timeout / FFmpeg exited
 *                      ▼                       ▼
 *                   backoff ◀──process dead── stalled
 *                      │ timer (probe says up) or probe sees the camera come back
 *                      └──────────▶ starting
 *   any ──last lease gone + idle timeout / camera removed──▶ stopping ──exit awaited──▶ idle
 *   failed: like backoff, but the cause needs a human (auth rejected, stream not found);
 *           retried at the slowest backoff step, and at once when a lease is acquired.
 */

export const STREAM_STATES = [
  'idle',
  'starting',
  'live',
  'stalled',
  'backoff',
  'failed',
  'stopping',
] as const;
export type StreamState = (typeof STREAM_STATES)[number];

export interface StreamProgress {
  /** Media bytes read from FFmpeg's stdout since this process started. */
  bytes: number;
  /** Complete fMP4 fragments received since this process started. */
  fragments: number;
  /** Frames FFmpeg reports (from -progress). */
  frames: number;
  fps: number;
  speed: number;
  /** Average media bitrate over the last few seconds, kbit/s. */
  bitrateKbps: number;
  /** ISO time of the last media bytes, or null before the first. */
  lastMediaAt: string | null;
}

export interface StreamCounters {
  /** FFmpeg processes spawned for this key since the supervisor started. */
  spawns: number;
  /** Restarts after a failure (exit, stall, kill). Intentional stops do not count. */
  restarts: number;
  /** Times media stopped flowing while the stream should have been live. */
  stalls: number;
}

export interface LeaseView {
  id: string;
  kind: LeaseKind;
  holder: string | null;
  expiresAt: string;
}

export const LEASE_KINDS = ['viewer', 'snapshot', 'recorder', 'motion', 'api'] as const;
export type LeaseKind = (typeof LEASE_KINDS)[number];

/**
 * Bounds on the leases clients take (HTTP `POST …/leases`, MQTT `stream_start`): per client (an
 * HTTP peer address, or MQTT as a whole: the broker does not say who published) and in total.
 * Lookout's own consumers (recorder, snapshots, motion, LL-HLS, MSE viewers) are never counted or
 * refused, so a flood cannot stop a recording. Over a bound: 429 `too_many_leases`.
 */
export const LEASE_LIMITS = { perClient: 256, total: 1024 } as const;

/** What the hub measured about the media itself (codec, GOP), for clients and diagnostics. */
export interface StreamMedia {
  /** RFC 6381 codecs string for MSE / HLS, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string | null;
  width: number | null;
  height: number | null;
  /** Measured keyframe interval (seconds); null before two keyframes. */
  gopS: number | null;
  fps: number | null;
  /** Problems the hub will not silently tolerate, e.g. a GOP too long for the part settings. */
  warnings: string[];
  /** In-process readers of the hub (live outputs, snapshots, recorder). */
  readers: number;
}

export interface StreamStatus {
  /** `camera/profile` */
  key: string;
  camera: string;
  profile: string;
  state: StreamState;
  /** Why the stream is in this state, human readable, credentials redacted. */
  reason: string;
  /** ISO time the current state was entered. */
  since: string;
  /** ISO time the stream last became live, or null. */
  liveSince: string | null;
  /**
   * Start latency of the last start that reached live, ms: from spawning FFmpeg (a lease on an idle
   * stream, or a retry) to the first complete media fragment in the hub, i.e. how long a viewer of
   * an on-demand stream waits for the first picture. Kept after the stream stops; null until a
   * start has reached live.
   */
  startLatencyMs: number | null;
  alwaysOn: boolean;
  pid: number | null;
  counters: StreamCounters;
  progress: StreamProgress;
  /** Present in backoff/failed: when the next attempt is due. */
  nextAttemptAt: string | null;
  backoffStep: number;
  leases: LeaseView[];
  /** Last lines of FFmpeg's stderr, credentials redacted. */
  stderrTail: string[];
  media: StreamMedia;
  /** What the source sends and what Lookout does with it. */
  source: StreamSourceFacts;
}

/** The source as the supervisor found it (kept across restarts of the key). */
export interface StreamSourceFacts {
  /** The camera's video codec as FFmpeg reported it (`h264`, `hevc`, `mjpeg`, ...); null before a start. */
  videoCodec: string | null;
  /** `copy`, or the reason video is encoded to H.264 (a transcode profile, or a codec browsers cannot play). */
  video: 'copy' | 'transcode' | 'h264 encode (source not playable in browsers)';
  /** RTSP transport of the current / last working attempt; null for other sources or before a start. */
  transport: 'tcp' | 'udp' | null;
}

export interface StreamStateEvent {
  type: 'state';
  key: string;
  from: StreamState;
  to: StreamState;
  reason: string;
  at: string;
}
