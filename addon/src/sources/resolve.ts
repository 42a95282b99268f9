/**
 * The ONE place where a profile's configured source becomes the URL FFmpeg opens.
 *
 * Today it returns the camera URL unchanged. When the Home Assistant add-on puts MediaMTX in front
 * of the cameras (WebRTC, RTSP restream, SRT), MediaMTX pulls the camera once and this function
 * rewrites every key to MediaMTX's local restream path instead; nothing else in the supervisor changes.
 * (go2rtc does the same with its scheme handlers: one resolve step before any producer starts.)
 */
import type { ResolvedProfile } from '../contracts/config.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';

export interface SourceRouting {
  /**
   * When set, e.g. `rtsp://127.0.0.1:8554`, every stream is read from this restreamer at
   * `<base>/<camera>_<profile>` instead of from the camera.
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
}

/** MediaMTX path name for a stream key: letters, digits, `_`, `-` only (its path name rules). */
export function restreamPathName(key: StreamKey): string {
  return keyId(key).replace('/', '_');
}

export function resolveSource(
  key: StreamKey,
  profile: ResolvedProfile,
  routing: SourceRouting = {},
): ResolvedSource {
  if (routing.restreamBase && (!profile.srt || routing.srtIngest)) {
    const url = `${routing.restreamBase.replace(/\/+$/, '')}/${restreamPathName(key)}`;
    return { url, displayUrl: url, isRtsp: url.startsWith('rtsp') };
  }
  const scheme = profile.sourceUrl.slice(0, profile.sourceUrl.indexOf(':')).toLowerCase();
  return {
    url: profile.sourceUrl,
    displayUrl: profile.displayUrl,
    isRtsp: scheme === 'rtsp' || scheme === 'rtsps',
  };
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
