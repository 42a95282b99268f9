/**
 * Bitrate value type: `512k`, `2M`, `1.5M`, or a bare number meaning kbit/s. Parsed to whole kbit/s.
 * Lower-case `m` is refused rather than guessed: in other tools it means milli.
 */
import { ValueError, quote } from './errors.js';

/** Mirrored by `$defs/bitrate` in config/lookout.schema.json (a test keeps them equal). */
export const BITRATE_PATTERN = '^[0-9]+(\\.[0-9]+)?[kKM]$';

const FORMS = 'write kbit/s as a number, or a number with k (kbit/s) or M (Mbit/s), e.g. 512k or 2M';

export function parseBitrate(input: unknown): number {
  let kbps: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new ValueError(`invalid bitrate ${quote(input)}: ${FORMS}`);
    kbps = input;
  } else if (typeof input === 'string') {
    const m = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z/]*)$/.exec(input);
    if (!m) throw new ValueError(`invalid bitrate ${quote(input)}: ${FORMS}`);
    const [, num = '', unit = ''] = m;
    if (unit === 'k' || unit === 'K') kbps = Number(num);
    else if (unit === 'M') kbps = Number(num) * 1000;
    else if (unit === 'm')
      throw new ValueError(`invalid bitrate ${quote(input)}: write M (upper case) for Mbit/s`);
    else if (unit === '') throw new ValueError(`invalid bitrate ${quote(input)}: missing unit; ${FORMS}`);
    else throw new ValueError(`invalid bitrate ${quote(input)}: unknown unit "${unit}"; ${FORMS}`);
  } else {
    throw new ValueError(`invalid bitrate: expected a number or a string; ${FORMS}`);
  }
  const rounded = Math.round(kbps);
  if (rounded < 1) throw new ValueError(`invalid bitrate ${quote(input)}: must be at least 1 kbit/s`);
  return rounded;
}

export function formatBitrate(kbps: number): string {
  return kbps >= 1000 && kbps % 100 === 0 ? `${kbps / 1000}M` : `${kbps}k`;
}
