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
}

/** Camera ids are slugs: lower-case letters, digits, `_` and `-`, starting with a letter or digit. */
export const CAMERA_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const cameraIdRe = new RegExp(CAMERA_ID_PATTERN);

export function isProfileName(value: unknown): value is ProfileName {
  return typeof value === 'string' && (PROFILE_NAMES as readonly string[]).includes(value);
}

export function isCameraId(value: unknown): value is string {
  return typeof value === 'string' && cameraIdRe.test(value);
}

export function streamKey(camera: string, profile: ProfileName): StreamKey {
  return Object.freeze({ camera, profile });
}

/** Stable string form `camera/profile`, used as a map key, in URLs, metrics labels and MQTT topics. */
export function keyId(key: StreamKey): string {
  return `${key.camera}/${key.profile}`;
}

/** Parses `camera/profile`; throws a readable error on anything else. */
export function parseKeyId(id: string): StreamKey {
  const [camera, profile, ...rest] = id.split('/');
  if (rest.length > 0 || !isCameraId(camera) || !isProfileName(profile)) {
    throw new Error(`invalid stream key "${id}": expected <camera>/<main|sub>`);
  }
  return streamKey(camera, profile);
}

export function sameKey(a: StreamKey, b: StreamKey): boolean {
  return a.camera === b.camera && a.profile === b.profile;
}
