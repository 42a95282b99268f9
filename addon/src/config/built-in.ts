/**
 * Built-in defaults: the bottom of the cascade camera > vendor > global > built-in. The values
 * come from what worked on the ancestor NVR (FIELD-NOTES #3-#5, #17), a capped
 * backoff ladder, a grace period so slow starters are not killed as stalled.
 */
import type { AudioMode, RtspTransport, ServerSettings, StreamTuning } from '../contracts/config.js';

export const BUILT_IN_LABEL = 'built-in default';

export const BUILT_IN_TUNING: Readonly<StreamTuning> = Object.freeze({
  stallTimeoutMs: 5000,
  startupGraceMs: 10_000,
  idleTimeoutMs: 30_000,
  leaseTtlMs: 30_000,
  probeIntervalMs: 2000,
  backoffStepsMs: [1000, 2000, 5000, 10_000, 30_000, 60_000],
  backoffResetAfterMs: 30_000,
  rtspTimeoutMs: 5000,
  // LL-HLS: parts are whole frames (outputs/llhls/parts.ts); 200 ms is three 15 fps frames
  // (PART-TARGET 0.22, PART-HOLD-BACK 0.66), five parts to a 1 s GOP. 150 ms (two frames, PART-TARGET
  // 0.147, PART-HOLD-BACK 0.44) gives stock hls.js ~0.6 s instead of ~0.85 s, but its segments end in
  // a one-frame part, and a 9-tile HTTP/2 grid of hls.js players then stalls at a segment boundary
  // in about half the runs (hls.js stops loading parts after that last part; not root-caused), so
  // it is a per-camera choice (`part_target: 150ms`), not the default.
  partTargetMs: 200,
});

export const BUILT_IN_STREAM: Readonly<{ transport: RtspTransport; audio: AudioMode; alwaysOn: boolean }> = {
  transport: 'auto',
  audio: 'auto',
  alwaysOn: false,
};

export const BUILT_IN_RTSP_PORT = 554;
export const BUILT_IN_ONVIF_PORT = 80;
export const BUILT_IN_ONVIF_PATH = '/onvif/device_service';
export const BUILT_IN_X264_PRESET = 'veryfast';
export const BUILT_IN_KEYFRAME_INTERVAL_MS = 1000;

/** dataDir is filled in relative to the config file's folder, so it is not a constant. */
export const BUILT_IN_SERVER: Readonly<
  Omit<ServerSettings, 'dataDir' | 'token' | 'trustedProxies' | 'hwaccel' | 'allowedHosts' | 'corsOrigins'>
> = {
  // Loopback: without a token nothing on the LAN may reach the API (a wider bind needs a token or
  // trusted proxies, config/server.ts).
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
};
export const BUILT_IN_DATA_DIR = '.lookout';
/**
 * Home Assistant's ingress proxy (the Supervisor): HA has authenticated the user before proxying,
 * so in the add-on (env SUPERVISOR_TOKEN set) its connections need no API token.
 */
export const HA_INGRESS_PROXY = '172.30.32.2';
