/**
 * Reload by diff, the one path (MediaMTX's closeResources, minus its hand-written field lists). Each
 * subsystem declares the slice of the resolved config it is built from (a `ConfigSlice`: per item,
 * e.g. a stream key or a camera id, the value that item depends on) and calls `diffSlice` on reload;
 * deep equality decides what restarts, so a field added to a sliced contract tomorrow is covered
 * without touching any list. The slices:
 *   supervisor    STREAMS_SLICE   (supervisor.ts)  stream key → ResolvedProfile (renaming a camera restarts nothing)
 *   recordings    RECORDING_SLICE (outputs/recorder/service.ts)  camera → its recording settings
 *   camera control CONTROL_SLICE  (control/camera-control.ts)  camera → the camera minus what only others read
 *   server        SERVER_SLICE    (here; main.ts warns: the listeners keep their settings until restart)
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

/** A subsystem's declaration of what it is built from: per item id, the slice of config it depends on. */
export type ConfigSlice<T> = (cfg: ResolvedConfig) => ReadonlyMap<string, T>;

export interface SliceDiff<T> extends SetDiff {
  /** The new config's slice (what added and changed items are rebuilt from). */
  after: ReadonlyMap<string, T>;
}

/** What a reload changes for one subsystem: the items of its slice added, removed, changed, unchanged. */
export function diffSlice<T>(
  slice: ConfigSlice<T>,
  before: ResolvedConfig,
  after: ResolvedConfig,
): SliceDiff<T> {
  const next = slice(after);
  return { ...diffMaps(slice(before), next), after: next };
}

/** The listeners' settings, as one item. */
export const SERVER_SLICE: ConfigSlice<ResolvedConfig['server']> = (c) => new Map([['server', c.server]]);

/** An overview of a reload (logs, `lookout config` tooling): server, cameras, stream keys. */
export function diffConfig(oldCfg: ResolvedConfig, newCfg: ResolvedConfig): ConfigDiff {
  return {
    serverChanged: diffSlice(SERVER_SLICE, oldCfg, newCfg).changed.length > 0,
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

/** Every stream key id of the enabled cameras, with its profile (the supervisor's slice). */
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
