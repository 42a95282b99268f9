/**
 * Duration value type: `200ms`, `5s`, `1.5s`, `2m`, `1h`, or a bare number meaning seconds.
 * Parsed to whole milliseconds, the unit every StreamTuning field uses.
 */
import { ValueError, quote } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Mirrored by `$defs/duration` in config/lookout.schema.json (a test keeps them equal). */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

const FORMS = 'write a number of seconds, or a number with a unit ms, s, m or h (e.g. 200ms, 1.5s, 2m)';

/** Returns milliseconds (> 0, rounded to whole ms) or throws a ValueError saying what is wrong. */
export function parseDuration(input: unknown): number {
  let ms: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new ValueError(`invalid duration ${quote(input)}: ${FORMS}`);
    ms = input * 1000;
  } else if (typeof input === 'string') {
    const m = /^(-?[0-9]*\.?[0-9]+)\s*([A-Za-z]*)$/.exec(input.trim());
    if (!m) throw new ValueError(`invalid duration ${quote(input)}: ${FORMS}`);
    const [, num = '', unit = ''] = m;
    if (unit === '') throw new ValueError(`invalid duration ${quote(input)}: missing unit; ${FORMS}`);
    const factor = UNIT_MS[unit];
    if (factor === undefined)
      throw new ValueError(`invalid duration ${quote(input)}: unknown unit "${unit}"; use ms, s, m or h`);
    if (input !== input.trim() || /\s/.test(input)) {
      throw new ValueError(`invalid duration ${quote(input)}: no spaces allowed (write ${num}${unit})`);
    }
    if (num.startsWith('-')) throw new ValueError(`invalid duration ${quote(input)}: must be greater than 0`);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(num)) throw new ValueError(`invalid duration ${quote(input)}: ${FORMS}`);
    ms = Number(num) * factor;
  } else {
    throw new ValueError(`invalid duration: expected a number or a string, ${FORMS}`);
  }
  if (ms <= 0) throw new ValueError(`invalid duration ${quote(input)}: must be greater than 0`);
  const rounded = Math.round(ms);
  if (rounded < 1) throw new ValueError(`invalid duration ${quote(input)}: shorter than 1ms`);
  return rounded;
}

/** The shortest exact spelling, for explain output: 200 -> `200ms`, 1500 -> `1.5s`, 120000 -> `2m`. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
