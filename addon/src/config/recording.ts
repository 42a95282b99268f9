/**
 * The `recording:` section (global defaults, storage root and budgets) and each camera's
 * `recording:` block, which overrides the global defaults key by key. Shapes are checked by the
 * schema; this pass parses durations/ages/sizes and fills defaults.
 */
import { isAbsolute, join, resolve } from 'node:path';
import {
  RECORDING_MODES,
  type CameraRecordingSettings,
  type RecordingSettings,
} from '../contracts/recording.js';
import { PROFILE_NAMES } from '../contracts/stream-key.js';
import { isString, ok, type Checker, type RawMap } from './check.js';
import { parseDuration } from './duration.js';
import { isOneOf } from './enums.js';
import { child, ValueError } from './errors.js';
import { isPlainObject } from './secrets.js';

/** Mirrored by `$defs/age` in the schema: durations that also accept days (`14d`). */
const AGE_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};
/** Pre-roll comes from the hub window, which is capped; 60 s is the documented maximum. */
export const MAX_PRE_ROLL_MS = 60_000;

export const BUILT_IN_RECORDING: Readonly<CameraRecordingSettings> = Object.freeze({
  mode: 'manual',
  profile: 'main',
  preRollMs: 5000,
  postRollMs: 10_000,
  triggers: ['motion', 'person', 'vehicle', 'animal'],
  segmentLengthMs: 60_000,
  retentionMs: { motion: 14 * 86_400_000, continuous: 3 * 86_400_000, manual: null },
  maxBytes: null,
  stills: { intervalMs: null, retentionMs: 7 * 86_400_000 },
});

export function parseAge(v: unknown): number {
  if (typeof v === 'number' && v > 0) return Math.round(v * 1000);
  const m = typeof v === 'string' ? /^([0-9]+(?:\.[0-9]+)?)(s|m|h|d)$/.exec(v) : null;
  if (!m)
    throw new ValueError(
      `invalid age ${JSON.stringify(v)}: write a number with a unit s, m, h or d (e.g. 14d)`,
    );
  return Math.round(Number(m[1]) * (AGE_UNITS_MS[m[2] ?? 's'] ?? 1000));
}

export function parseSize(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^([0-9]+(?:\.[0-9]+)?)(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/.exec(v) : null;
  if (!m)
    throw new ValueError(
      `invalid size ${JSON.stringify(v)}: write bytes, or a number with a unit (500MB, 2GiB)`,
    );
  return Math.round(Number(m[1]) * (SIZE_UNITS[m[2] ?? 'B'] ?? 1));
}

export function resolveRecording(
  root: RawMap,
  cameras: readonly unknown[],
  dataDir: string,
  baseDir: string,
  ck: Checker,
): RecordingSettings {
  const block = ck.map(root, 'recording', '');
  const g = ok(block) ? block : undefined;
  const declaredRoot = ck.read(g, 'root', '/recording', isString);
  const folder = ok(declaredRoot)
    ? isAbsolute(declaredRoot)
      ? declaredRoot
      : resolve(baseDir, declaredRoot)
    : join(dataDir, 'recordings');
  const size = (obj: RawMap | undefined, key: string, base: string): number | null => {
    const v = obj?.[key];
    if (v === undefined || v === null) return null;
    try {
      return parseSize(v);
    } catch (err) {
      ck.add(child(base, key), (err as Error).message);
      return null;
    }
  };
  const defaults = cameraSettings(g, '/recording', BUILT_IN_RECORDING, ck, size);
  const out: RecordingSettings = {
    root: folder,
    maxBytes: size(g, 'max_bytes', '/recording'),
    minFreeBytes: size(g, 'min_free_bytes', '/recording') ?? 512 * 1024 ** 2,
    cameras: {},
    defaults,
  };
  cameras.forEach((cam, i) => {
    if (!isPlainObject(cam) || !isString(cam['id'])) return;
    const base = child('/cameras', i);
    const rb = ck.map(cam, 'recording', base);
    out.cameras[cam['id']] = ok(rb)
      ? cameraSettings(rb, child(base, 'recording'), defaults, ck, size)
      : defaults;
  });
  return out;
}

function cameraSettings(
  b: RawMap | undefined,
  base: string,
  parent: CameraRecordingSettings,
  ck: Checker,
  size: (obj: RawMap | undefined, key: string, base: string) => number | null,
): CameraRecordingSettings {
  const dur = (key: string, dflt: number): number => {
    const v = b?.[key];
    if (v === undefined) return dflt;
    try {
      return parseDuration(v);
    } catch (err) {
      ck.add(child(base, key), (err as Error).message);
      return dflt;
    }
  };
  const mode = ck.read(b, 'mode', base, isOneOf(RECORDING_MODES));
  const profile = ck.read(b, 'profile', base, isOneOf(PROFILE_NAMES));
  const triggers = ck.read(b, 'triggers', base, (v): v is string[] => Array.isArray(v) && v.every(isString));
  const preRollMs = dur('pre_roll', parent.preRollMs);
  if (preRollMs > MAX_PRE_ROLL_MS)
    ck.add(child(base, 'pre_roll'), 'pre_roll must be at most 60s (it comes from the live window)');
  const retention = { ...parent.retentionMs };
  const rb = ck.map(b, 'retention', base);
  if (ok(rb)) {
    for (const m of RECORDING_MODES) {
      const v = rb[m];
      if (v === undefined) continue;
      if (v === null || v === 'forever') retention[m] = null;
      else
        try {
          retention[m] = parseAge(v);
        } catch (err) {
          ck.add(child(base, 'retention', m), (err as Error).message);
        }
    }
  }
  const maxBytes = b && 'max_bytes' in b ? size(b, 'max_bytes', base) : parent.maxBytes;
  return {
    mode: ok(mode) ? mode : parent.mode,
    profile: ok(profile) ? profile : parent.profile,
    preRollMs: Math.min(preRollMs, MAX_PRE_ROLL_MS),
    postRollMs: dur('post_roll', parent.postRollMs),
    triggers: ok(triggers) ? [...triggers] : [...parent.triggers],
    segmentLengthMs: dur('segment_length', parent.segmentLengthMs),
    retentionMs: retention,
    maxBytes,
    stills: readStills(b, base, parent.stills, ck),
  };
}

/** `stills: { interval, retention }`; each key falls back to the parent level (global, built-in). */
function readStills(
  b: RawMap | undefined,
  base: string,
  parent: CameraRecordingSettings['stills'],
  ck: Checker,
): CameraRecordingSettings['stills'] {
  const sb = ck.map(b, 'stills', base);
  if (!ok(sb)) return { ...parent };
  const sbase = child(base, 'stills');
  const out = { ...parent };
  if (sb['interval'] !== undefined) {
    try {
      out.intervalMs = parseDuration(sb['interval']);
      if (out.intervalMs < 1000) ck.add(child(sbase, 'interval'), 'stills interval must be at least 1s');
    } catch (err) {
      ck.add(child(sbase, 'interval'), (err as Error).message);
    }
  }
  if (sb['retention'] !== undefined) {
    try {
      out.retentionMs = parseAge(sb['retention']);
    } catch (err) {
      ck.add(child(sbase, 'retention'), (err as Error).message);
    }
  }
  return out;
}
