/**
 * The ONE place where a profile's configured source becomes the URL FFmpeg opens.
 *
 * Without the gateway it returns the camera URL unchanged. With MediaMTX in front of the cameras
 * (gateway/, the add-on's WebRTC, RTSP restream and SRT), MediaMTX pulls each camera stream once and
 * this function rewrites the key to MediaMTX's loopback restream path instead; nothing else in the
 * supervisor changes. (go2rtc does the same with its scheme handlers: one resolve step before any
 * producer starts.)
 */
import type { ResolvedProfile, RtspLowerTransport, RtspTransport } from '../contracts/config.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';

export interface SourceRouting {
  /**
   * When set, e.g. `rtsp://127.0.0.1:8554`, every stream the gateway can carry (gatewayCarries) is
   * read from this restreamer at `<base>/<camera>_<profile>` instead of from the camera.
   */
  restreamBase?: string | null;
  /**
   * MediaMTX's SRT server (a plain address, e.g. 127.0.0.1:8890) when it takes SRT ingest. Then
   * `srt:` profiles are published there (stream id `publish:<camera>_<profile>`) and read back from
   * the restream; without it the key's own FFmpeg is the SRT listener.
   */
  srtIngest?: SrtAddress | null;
}

/** Where a pushed SRT stream must be sent: what the SRTLA receiver forwards a group to. */
export interface SrtAddress {
  host: string;
  port: number;
}

export interface ResolvedSource {
  /** URL to open (may contain credentials: SECRET). */
  url: string;
  /** Safe form for logs and status. */
  displayUrl: string;
  /** Whether the RTSP transport option applies (only for rtsp/rtsps inputs). */
  isRtsp: boolean;
  /**
   * An HTTP(S) stream that is not HLS: in practice MJPEG (multipart JPEG: ESP32-CAM, UniFi's MJPEG
   * endpoint, older cameras). It carries no timestamps (FFmpeg stamps frames on arrival) and no
   * browser plays MJPEG in MP4, so the supervisor encodes it to H.264 (ffmpeg-args.ts).
   */
  isHttpMjpeg: boolean;
  /** Overrides the profile's transport (the loopback restream is TCP only). */
  transport?: RtspTransport;
  /**
   * Through the gateway: the camera's own URL (SECRET), probed while the key is down so FFmpeg is
   * respawned when the camera, not merely MediaMTX, answers again.
   */
  upstreamUrl?: string;
  /**
   * Through the gateway: MediaMTX answers DESCRIBE only once it has the camera (up to the start-up
   * grace), silently, so FFmpeg's socket timeout must outlast that; and a 404 there means "the
   * camera is not there yet", not a wrong path, so it is retried like any outage.
   */
  viaGateway?: { openTimeoutMs: number };
}

/**
 * The ONE place the configured transport becomes the transport of one attempt (the add-on's MediaMTX
 * path maps the same answer onto its `rtspTransport`). `auto`: what last worked for this key, else
 * TCP (UDP only after TCP was refused or timed out: see StreamRunner's transport fallback).
 */
export function pickTransport(
  configured: RtspTransport,
  worked: RtspLowerTransport | null,
): RtspLowerTransport {
  return configured === 'auto' ? (worked ?? 'tcp') : configured;
}

/** The same choice in MediaMTX's words, when it pulls the camera (its path `rtspTransport`). */
export function mediamtxTransport(configured: RtspTransport): 'automatic' | 'tcp' | 'udp' {
  return configured === 'auto' ? 'automatic' : configured;
}

/** stderr of an RTSP attempt that means "this server does not do RTSP over TCP" (SETUP answered 461). */
export const TCP_REFUSED_RE = /\b461\b|Unsupported transport/i;

/** MediaMTX path name for a stream key: letters, digits, `_`, `-` only (its path name rules). */
export function restreamPathName(key: StreamKey): string {
  return keyId(key).replace('/', '_');
}

function schemeOf(url: string): string {
  return url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
}

/**
 * How the gateway carries a profile: it pulls RTSP cameras itself (`pull`), and takes SRT streams
 * as a publisher on its SRT port (`publish`: an SRT encoder or the SRTLA receiver pushes to the
 * path). Anything else (files, HTTP) is read by FFmpeg directly, as without the gateway.
 */
export function gatewayCarries(profile: ResolvedProfile): 'pull' | 'publish' | null {
  const scheme = schemeOf(profile.sourceUrl);
  if (scheme === 'rtsp' || scheme === 'rtsps') return 'pull';
  if (scheme === 'srt') return 'publish';
  return null;
}

export function resolveSource(
  key: StreamKey,
  profile: ResolvedProfile,
  routing: SourceRouting = {},
): ResolvedSource {
  let carried = routing.restreamBase ? gatewayCarries(profile) : null;
  // A pushed stream goes through the gateway only when its SRT server takes the ingest; otherwise
  // the key's own FFmpeg stays the SRT listener.
  if (carried === 'publish' && !routing.srtIngest) carried = null;
  if (routing.restreamBase && carried) {
    const url = `${routing.restreamBase.replace(/\/+$/, '')}/${restreamPathName(key)}`;
    // A published (SRT) path has no camera to probe: the gateway's answer is all there is.
    const upstream = carried === 'pull' ? { upstreamUrl: profile.sourceUrl } : {};
    const viaGateway = { openTimeoutMs: profile.tuning.startupGraceMs + 1000 };
    return {
      url,
      displayUrl: url,
      isRtsp: true,
      isHttpMjpeg: false,
      transport: 'tcp',
      viaGateway,
      ...upstream,
    };
  }
  const scheme = schemeOf(profile.sourceUrl);
  return {
    url: profile.sourceUrl,
    displayUrl: profile.displayUrl,
    isRtsp: scheme === 'rtsp' || scheme === 'rtsps',
    isHttpMjpeg: isHttpMjpegUrl(profile.sourceUrl),
  };
}

/** http(s) URLs other than HLS playlists are taken for MJPEG streams. */
export function isHttpMjpegUrl(url: string): boolean {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return false;
  return !/\.m3u8(\?|$)/i.test(url.split('#')[0]!);
}

/**
 * The SRT listener a pushed (`srt:`) profile is fed through: MediaMTX's SRT server when it takes the
 * ingest (the caller must then use `streamId`), else the key's own FFmpeg listener.
 */
export function srtTarget(
  key: StreamKey,
  profile: ResolvedProfile,
  routing: SourceRouting = {},
): { target: SrtAddress; streamId: string | null } | null {
  if (!profile.srt) return null;
  if (routing.srtIngest) return { target: routing.srtIngest, streamId: `publish:${restreamPathName(key)}` };
  // A wildcard listener is reached on loopback from inside the host.
  const host =
    profile.srt.host === '0.0.0.0' ? '127.0.0.1' : profile.srt.host === '::' ? '::1' : profile.srt.host;
  return { target: { host, port: profile.srt.port }, streamId: null };
}
