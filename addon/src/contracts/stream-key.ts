/**
 * The stream key: (camera, profile). Every stream-related map in Lookout is keyed by this,
 * never by a bare camera id (FIELD-NOTES #6: retro-fitting a composite key broke 40% of cameras).
 *
 * Pure module: no Node imports, so nodes/ and panel/ can import it too.
 */

export const PROFILE_NAMES = ['main', 'sub'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface StreamKey {
  readonly camera: string;
  readonly profile: ProfileName;
  /**
   * A playable variant of (camera, profile) made on demand for browsers that cannot decode the
   * camera's codec (H.265 in Chromium without HEVC): `h264` is an H.264 encode of that key's media,
   * started by a lease on it and stopped with the last one. Absent: the camera's stream itself.
   */
  readonly variant?: StreamVariant;
}

export const STREAM_VARIANTS = ['h264'] as const;
export type StreamVariant = (typeof STREAM_VARIANTS)[number];
/** `camera/profile~variant`: the variant's key id, and its profile segment in URLs (`sub~h264`). */
export const VARIANT_SEPARATOR = '~';

/** Camera ids are slugs: lower-case letters, digits, `_` and `-`, starting with a letter or digit. */
export const CAMERA_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const cameraIdRe = new RegExp(CAMERA_ID_PATTERN);

export function isProfileName(value: unknown): value is ProfileName {
  return typeof value === 'string' && (PROFILE_NAMES as readonly string[]).includes(value);
}

export function isCameraId(value: unknown): value is string {
  return typeof value === 'string' && cameraIdRe.test(value);
}

export function streamKey(camera: string, profile: ProfileName, variant?: StreamVariant): StreamKey {
  return Object.freeze(variant ? { camera, profile, variant } : { camera, profile });
}

/** Stable string form `camera/profile` (`camera/profile~h264` for a variant), used as a map key, in URLs, metrics labels and MQTT topics. */
export function keyId(key: StreamKey): string {
  return `${key.camera}/${profileSegment(key)}`;
}

/** The profile part of a key's URLs: `sub`, or `sub~h264` for a variant. */
export function profileSegment(key: StreamKey): string {
  return key.variant ? `${key.profile}${VARIANT_SEPARATOR}${key.variant}` : key.profile;
}

/** `sub` or `sub~h264` → the profile and variant, or null if it is neither. */
export function parseProfileSegment(s: string): { profile: ProfileName; variant?: StreamVariant } | null {
  const [profile, variant, ...rest] = s.split(VARIANT_SEPARATOR);
  if (rest.length || !isProfileName(profile)) return null;
  if (variant === undefined) return { profile };
  return (STREAM_VARIANTS as readonly string[]).includes(variant)
    ? { profile, variant: variant as StreamVariant }
    : null;
}

/** Parses `camera/profile[~variant]`; throws a readable error on anything else. */
export function parseKeyId(id: string): StreamKey {
  const [camera, segment, ...rest] = id.split('/');
  const p = segment === undefined ? null : parseProfileSegment(segment);
  if (rest.length > 0 || !isCameraId(camera) || !p) {
    throw new Error(`invalid stream key "${id}": expected <camera>/<main|sub>[~h264]`);
  }
  return streamKey(camera, p.profile, p.variant);
}

export function sameKey(a: StreamKey, b: StreamKey): boolean {
  return a.camera === b.camera && a.profile === b.profile && a.variant === b.variant;
}
