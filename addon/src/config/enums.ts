/**
 * The closed sets of the file format as runtime lists, typed against the contracts so a change on
 * either side fails to compile. config.schema.test.ts checks the schema's enums against these.
 */
import type { AudioMode, ProfileMode, RtspTransport, ServerSettings } from '../contracts/config.js';

export const TRANSPORTS = ['auto', 'tcp', 'udp'] as const satisfies readonly RtspTransport[];
export const AUDIO_MODES = ['auto', 'copy', 'aac', 'opus', 'drop'] as const satisfies readonly AudioMode[];
export const PROFILE_MODES = ['copy', 'transcode'] as const satisfies readonly ProfileMode[];
export const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
] as const satisfies readonly ServerSettings['logLevel'][];
export const X264_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
] as const;

export function isOneOf<T extends string>(list: readonly T[]) {
  return (v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);
}
