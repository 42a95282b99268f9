/**
 * The ONE place where a profile's configured source becomes the URL FFmpeg opens.
 *
 * Today it returns the camera URL unchanged. When the Home Assistant add-on puts MediaMTX in front
 * of the cameras (WebRTC, RTSP restream, SRT), MediaMTX pulls the camera once and this function
 * rewrites every key to MediaMTX's local restream path instead; nothing else in the supervisor changes.
 * (go2rtc does the same with its scheme handlers: one resolve step before any producer starts.)
 */
import type { ResolvedProfile, RtspLowerTransport, RtspTransport } from '../contracts/config.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';

export interface SourceRouting {
  /**
   * When set, e.g. `rtsp://127.0.0.1:8554`, every stream is read from this restreamer at
   * `<base>/<camera>_<profile>` instead of from the camera.
   */
  restreamBase?: string | null;
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

/** stderr of an RTSP attempt that means "this server does not do RTSP over TCP" (SETUP answered 461). */
export const TCP_REFUSED_RE = /\b461\b|Unsupported transport/i;

/** MediaMTX path name for a stream key: letters, digits, `_`, `-` only (its path name rules). */
export function restreamPathName(key: StreamKey): string {
  return keyId(key).replace('/', '_');
}

export function resolveSource(
  key: StreamKey,
  profile: ResolvedProfile,
  routing: SourceRouting = {},
): ResolvedSource {
  if (routing.restreamBase) {
    const url = `${routing.restreamBase.replace(/\/+$/, '')}/${restreamPathName(key)}`;
    return { url, displayUrl: url, isRtsp: url.startsWith('rtsp'), isHttpMjpeg: false };
  }
  const scheme = profile.sourceUrl.slice(0, profile.sourceUrl.indexOf(':')).toLowerCase();
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
