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
  if (routing.restreamBase) {
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
