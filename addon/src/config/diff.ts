/**
 * Reload by diff (MediaMTX's closeResources, minus its hand-written field lists): each slice of the
 * config is compared with deep equality, so a key added to the contracts tomorrow is covered
 * without touching this file. Stream keys are compared on their ResolvedProfile alone, so renaming
 * a camera restarts nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ResolvedConfig, ResolvedProfile } from '../contracts/config.js';
import { keyId, PROFILE_NAMES, streamKey } from '../contracts/stream-key.js';

export interface SetDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

export interface ConfigDiff {
  /** ServerSettings changed (the listener must be rebuilt). */
  serverChanged: boolean;
  /** By camera id, comparing whole ResolvedCameras (name, capabilities, ONVIF... included). */
  cameras: SetDiff;
  /**
   * By stream key id (`camera/profile`), comparing ResolvedProfiles. Only enabled cameras have
   * stream keys, so disabling a camera removes its keys and enabling it adds them.
   */
  streams: SetDiff;
}

export function diffConfig(oldCfg: ResolvedConfig, newCfg: ResolvedConfig): ConfigDiff {
  return {
    serverChanged: sliceChanged(oldCfg, newCfg, (c) => c.server),
    cameras: diffMaps(byId(oldCfg), byId(newCfg)),
    streams: diffMaps(streamProfiles(oldCfg), streamProfiles(newCfg)),
  };
}

/** True when the slice a subsystem cares about differs; the selector is the subsystem's whole contract. */
export function sliceChanged<T>(
  oldCfg: ResolvedConfig,
  newCfg: ResolvedConfig,
  select: (c: ResolvedConfig) => T,
): boolean {
  return !isDeepStrictEqual(select(oldCfg), select(newCfg));
}

/** Every stream key of the enabled cameras, with its profile. */
export function streamProfiles(cfg: ResolvedConfig): Map<string, ResolvedProfile> {
  const out = new Map<string, ResolvedProfile>();
  for (const cam of cfg.cameras) {
    if (!cam.enabled) continue;
    for (const name of PROFILE_NAMES) {
      const profile = cam.profiles[name];
      if (profile) out.set(keyId(streamKey(cam.id, name)), profile);
    }
  }
  return out;
}

export function diffMaps<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): SetDiff {
  const d: SetDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const [k, v] of after) {
    if (!before.has(k)) d.added.push(k);
    else if (isDeepStrictEqual(before.get(k), v)) d.unchanged.push(k);
    else d.changed.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) d.removed.push(k);
  return d;
}

function byId(cfg: ResolvedConfig): Map<string, unknown> {
  return new Map(cfg.cameras.map((c) => [c.id, c]));
}
