/**
 * What a vendor module declares. Every fact about a camera brand lives in its folder
 * (`vendors/<brand>/index.ts`) and is registered once in registry.ts; the config cascade, the JSON
 * Schema's enum (a test keeps them equal), MQTT discovery and the PTZ fallback all read it from there.
 */
import type { Credentials, ResolvedCamera } from '../contracts/config.js';
import type { ProfileName } from '../contracts/stream-key.js';
import type { PtzVelocity } from '../contracts/ptz.js';
import type { TalkSink } from '../talkback/sink.js';

/** Firmware facts: the "vendor" level of the config cascade (never capabilities, FIELD-NOTES #15). */
export interface VendorPreset {
  rtspPort?: number;
  onvifPort?: number;
  paths: Partial<Record<ProfileName, string>>;
  /** Added to the "no url or path" error when the vendor has no default path. */
  pathHint?: string;
}

/**
 * PTZ over a vendor's own HTTP API: continuous moves and stop only. The PTZ controller
 * (control/ptz/) wraps it with the same safety stop, queue and error classes as ONVIF.
 */
export interface VendorPtz {
  move(v: PtzVelocity): Promise<void>;
  stop(): Promise<void>;
}

/** What a vendor's HTTP APIs need to reach the camera. */
export interface VendorEndpoint {
  /** http://host (IPv6 in brackets) */
  baseUrl: string;
  credentials: Credentials;
}

export interface VendorDefinition {
  /** Home Assistant's device `manufacturer` (MQTT discovery); null for generic kinds. */
  manufacturer: string | null;
  preset: VendorPreset;
  /** PTZ over the vendor's HTTP API, used when the camera has no ONVIF endpoint. */
  ptz?: (endpoint: VendorEndpoint) => VendorPtz;
  /**
   * Two-way audio over the vendor's HTTP API (Dahua postAudio, Hikvision ISAPI), used when the
   * camera's `backchannel.via` is `vendor` (talkback/sinks.ts); the default is the RTSP backchannel.
   * One sink per talk session; the session opens and closes it.
   */
  talkback?: (endpoint: VendorEndpoint, options?: VendorTalkOptions) => TalkSink;
}

/** What the camera's config may say about its vendor talkback; each vendor takes what applies. */
export interface VendorTalkOptions {
  /** The codec the camera takes, where its API cannot tell (Dahua); ISAPI reads it from the camera. */
  codec?: 'PCMA' | 'PCMU' | 'AAC';
  clockRate?: number;
  /** Audio channel (Dahua: 1-based number; ISAPI: the TwoWayAudio channel id). */
  channel?: string;
}

/** The endpoint of a camera's own HTTP API, or null without a host or credentials. */
export function vendorEndpoint(camera: Pick<ResolvedCamera, 'host' | 'credentials'>): VendorEndpoint | null {
  if (!camera.host || !camera.credentials) return null;
  const host = camera.host.includes(':') ? `[${camera.host}]` : camera.host;
  return { baseUrl: `http://${host}`, credentials: camera.credentials };
}
