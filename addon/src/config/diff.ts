/**
 * Reload by diff over the resolved config. The mechanism is lib/diff.ts; each subsystem declares its
 * own slice next to its code and diffs it on reload:
 *   supervisor       STREAMS_SLICE    supervisor/supervisor.ts       stream key → ResolvedProfile
 *                                                                   (renaming a camera restarts nothing)
 *   recordings       RECORDING_SLICE  outputs/recorder/service.ts    camera → its recording settings
 *   camera control   CONTROL_SLICE    control/camera-control.ts      camera → the camera minus what only
 *                                                                   other subsystems read
 *   listeners        SERVER_SLICE     here (main.ts warns: they keep their settings until restart)
 * `diffConfig` is the overview of all of them, for logs and tooling.
 */
import { isDeepStrictEqual } from 'node:util';
import { streamProfiles, type ResolvedConfig } from '../contracts/config.js';
import { diffMaps, diffSlice, type SetDiff, type Slice } from '../lib/diff.js';

export { diffMaps, diffSlice, streamProfiles, type SetDiff };

/** A slice of the resolved config (see lib/diff.ts). */
export type ConfigSlice<T> = Slice<ResolvedConfig, T>;

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

/** The listeners' settings, as one item. */
export const SERVER_SLICE: ConfigSlice<ResolvedConfig['server']> = (c) => new Map([['server', c.server]]);

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

function byId(cfg: ResolvedConfig): Map<string, unknown> {
  return new Map(cfg.cameras.map((c) => [c.id, c]));
}
