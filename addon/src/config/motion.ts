/**
 * A camera's `motion` block: where its motion events come from (ONVIF, pixel motion on the sub
 * stream, or none) and the pixel-motion tuning. The schema has already checked types and ranges;
 * this reads the values with provenance. `auto` is decided later by control/ (it depends on the
 * camera's declared capabilities and recording mode, not on this block alone).
 */
import type { FrameRect, MotionSettings, MotionSource } from '../contracts/config.js';
import { MOTION_SOURCES } from '../contracts/config.js';
import { isNumber, ok, type Checker, type RawMap } from './check.js';
import { isOneOf } from './enums.js';
import { child } from './errors.js';
import type { ProvenanceLog } from './provenance.js';

export const BUILT_IN_MOTION: Readonly<MotionSettings> = Object.freeze({
  source: 'auto',
  sensitivity: 50,
  masks: [],
});

const isRect = (v: unknown): v is FrameRect =>
  typeof v === 'object' &&
  v !== null &&
  ['x', 'y', 'width', 'height'].every((k) => isNumber((v as Record<string, unknown>)[k]));

export function readMotion(raw: RawMap, base: string, ck: Checker, prov: ProvenanceLog): MotionSettings {
  const block = ck.map(raw, 'motion', base);
  const b = ok(block) ? block : undefined;
  const mbase = child(base, 'motion');
  const source = ck.read(b, 'source', mbase, isOneOf<MotionSource>(MOTION_SOURCES));
  const sensitivity = ck.read(b, 'sensitivity', mbase, isNumber);
  const masks = ck.read(b, 'masks', mbase, (v): v is FrameRect[] => Array.isArray(v) && v.every(isRect));
  const out: MotionSettings = {
    source: ok(source) ? source : BUILT_IN_MOTION.source,
    sensitivity: ok(sensitivity) ? sensitivity : BUILT_IN_MOTION.sensitivity,
    masks: ok(masks) ? masks.map((m) => ({ x: m.x, y: m.y, width: m.width, height: m.height })) : [],
  };
  prov.fileOr(
    'motion.source',
    ok(source) ? source : undefined,
    child(mbase, 'source'),
    BUILT_IN_MOTION.source,
    'built-in default',
  );
  prov.fileOr(
    'motion.sensitivity',
    ok(sensitivity) ? sensitivity : undefined,
    child(mbase, 'sensitivity'),
    BUILT_IN_MOTION.sensitivity,
    'built-in default',
  );
  prov.fileOr('motion.masks', ok(masks) ? masks : undefined, child(mbase, 'masks'), [], 'built-in default');
  return out;
}
