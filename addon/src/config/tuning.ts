/**
 * The `stream:` tuning block, at any level of the cascade. Each level's block is checked where it is
 * written (so an error points at the line to fix); the cascade then picks key by key, so a camera
 * can override stall_timeout and inherit everything else.
 */
import type { StreamTuning } from '../contracts/config.js';
import { BAD, type Checker, type RawMap } from './check.js';
import { formatDuration, parseDuration } from './duration.js';
import { child, ValueError } from './errors.js';

/** File key -> StreamTuning field. Typed both ways, so adding a field without a key fails to compile. */
export const TUNING_KEYS = {
  stall_timeout: 'stallTimeoutMs',
  startup_grace: 'startupGraceMs',
  idle_timeout: 'idleTimeoutMs',
  lease_ttl: 'leaseTtlMs',
  probe_interval: 'probeIntervalMs',
  backoff: 'backoffStepsMs',
  backoff_reset_after: 'backoffResetAfterMs',
  rtsp_timeout: 'rtspTimeoutMs',
  part_target: 'partTargetMs',
} as const satisfies Record<string, keyof StreamTuning>;
type _EveryFieldHasAKey =
  Exclude<keyof StreamTuning, (typeof TUNING_KEYS)[keyof typeof TUNING_KEYS]> extends never ? true : never;
const _check: _EveryFieldHasAKey = true;
void _check;

export type TuningKey = keyof typeof TUNING_KEYS;
export type TuningField = keyof StreamTuning;

/** LL-HLS parts shorter than 100 ms cost more in requests than they save; longer than 2 s is not "low latency". */
export const PART_TARGET_MIN_MS = 100;
export const PART_TARGET_MAX_MS = 2000;

export interface TuningValue {
  field: TuningField;
  value: number | number[];
  origin: string;
}

/** Parses one level's `stream:` block; problems go to the checker, good keys come back. */
export function readTuning(block: RawMap, base: string, ck: Checker): TuningValue[] {
  const out: TuningValue[] = [];
  for (const [key, field] of Object.entries(TUNING_KEYS) as [TuningKey, TuningField][]) {
    if (block[key] === undefined) continue;
    const path = child(base, key);
    const value = key === 'backoff' ? readBackoff(block[key], path, ck) : readDuration(block[key], path, ck);
    if (value === BAD) continue;
    if (
      key === 'part_target' &&
      typeof value === 'number' &&
      (value < PART_TARGET_MIN_MS || value > PART_TARGET_MAX_MS)
    ) {
      ck.add(
        path,
        `part_target must be between ${formatDuration(PART_TARGET_MIN_MS)} and ${formatDuration(PART_TARGET_MAX_MS)} (got ${formatDuration(value)})`,
      );
      continue;
    }
    out.push({ field, value, origin: path });
  }
  return out;
}

function readDuration(raw: unknown, path: string, ck: Checker): number | typeof BAD {
  try {
    return parseDuration(raw);
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    ck.add(path, err.message);
    return BAD;
  }
}

function readBackoff(raw: unknown, path: string, ck: Checker): number[] | typeof BAD {
  if (!Array.isArray(raw) || raw.length === 0) return BAD; // the schema reported it
  const steps = raw.map((item, i) => readDuration(item, child(path, i), ck));
  if (steps.some((s) => s === BAD)) return BAD;
  const ms = steps as number[];
  // A ladder that goes down would make a flapping camera retry faster the longer it fails.
  for (let i = 1; i < ms.length; i++) {
    const prev = ms[i - 1] as number;
    const cur = ms[i] as number;
    if (cur < prev) {
      ck.add(
        child(path, i),
        `backoff must not decrease: ${formatDuration(cur)} follows ${formatDuration(prev)}`,
      );
      return BAD;
    }
  }
  return ms;
}
