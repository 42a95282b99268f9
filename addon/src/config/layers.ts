/**
 * The override cascade, made explicit: each level of the file (profile, camera, vendors.<v>,
 * defaults) and each built-in level (vendor preset, built-in defaults) becomes a Layer of parsed
 * settings, each remembering where it was written. `pick` walks a stack of layers top-down, and
 * what it returns is both the effective value and its provenance (FIELD-NOTES #14).
 */
import type { ProvenanceLevel, StreamTuning, Vendor } from '../contracts/config.js';
import type { ProfileName } from '../contracts/stream-key.js';
import {
  BUILT_IN_LABEL,
  BUILT_IN_ONVIF_PORT,
  BUILT_IN_RTSP_PORT,
  BUILT_IN_STREAM,
  BUILT_IN_TUNING,
} from './built-in.js';
import { isBool, isPath, isPort, ok, type Checker, type RawMap } from './check.js';
import { AUDIO_MODES, isOneOf, PROFILE_MODES, TRANSPORTS } from './enums.js';
import { child } from './errors.js';
import { readTuning } from './tuning.js';
import { VENDOR_REGISTRY } from '../vendors/registry.js';

export type SettingName =
  | 'transport'
  | 'audio'
  | 'alwaysOn'
  | 'mode'
  | 'rtspPort'
  | 'onvifPort'
  | `path.${ProfileName}`
  | `tuning.${keyof StreamTuning}`;

export interface Setting {
  value: unknown;
  /** JSON pointer into the file, or a label such as `built-in vendor preset "reolink"`. */
  origin: string;
}

export interface Layer {
  level: ProvenanceLevel;
  values: Map<SettingName, Setting>;
}

export interface Picked<T> {
  value: T;
  level: ProvenanceLevel;
  origin: string;
}

/** The first layer (highest priority first) that sets `name`. */
export function pick<T>(name: SettingName, stack: readonly (Layer | undefined)[]): Picked<T> | undefined {
  for (const layer of stack) {
    const s = layer?.values.get(name);
    if (s) return { value: s.value as T, level: layer!.level, origin: s.origin };
  }
  return undefined;
}

/** Like pick, for settings the built-in layer always has. */
export function pickRequired<T>(name: SettingName, stack: readonly (Layer | undefined)[]): Picked<T> {
  const p = pick<T>(name, stack);
  if (!p) throw new Error(`no built-in default for ${name}`); // a bug in built-in.ts, not a config error
  return p;
}

const SIMPLE_KEYS: readonly [string, SettingName, (v: unknown) => boolean][] = [
  ['transport', 'transport', isOneOf(TRANSPORTS)],
  ['audio', 'audio', isOneOf(AUDIO_MODES)],
  ['always_on', 'alwaysOn', isBool],
  ['mode', 'mode', isOneOf(PROFILE_MODES)],
  ['rtsp_port', 'rtspPort', isPort],
  ['onvif_port', 'onvifPort', isPort],
  ['main_path', 'path.main', isPath],
  ['sub_path', 'path.sub', isPath],
];

/**
 * Parses the cascade keys of one file level. Which keys a level may hold is the schema's business;
 * this reads whichever are present. `profile` maps a profile block's `path` to `path.<profile>`.
 */
export function readLayer(
  block: RawMap | undefined,
  base: string,
  level: ProvenanceLevel,
  ck: Checker,
  profile?: ProfileName,
): Layer {
  const values = new Map<SettingName, Setting>();
  if (!block) return { level, values };
  const keys = profile ? [...SIMPLE_KEYS, ['path', `path.${profile}`, isPath] as const] : SIMPLE_KEYS;
  for (const [key, name, guard] of keys) {
    const v = ck.read(block, key, base, (x): x is unknown => guard(x));
    if (ok(v)) values.set(name, { value: v, origin: child(base, key) });
  }
  const stream = ck.map(block, 'stream', base);
  if (ok(stream)) {
    for (const t of readTuning(stream, child(base, 'stream'), ck)) {
      values.set(`tuning.${t.field}`, { value: t.value, origin: t.origin });
    }
  }
  return { level, values };
}

export function presetLayer(vendor: Vendor): Layer {
  const preset = VENDOR_REGISTRY[vendor].preset;
  const origin = `built-in vendor preset "${vendor}"`;
  const values = new Map<SettingName, Setting>();
  if (preset.rtspPort !== undefined) values.set('rtspPort', { value: preset.rtspPort, origin });
  if (preset.onvifPort !== undefined) values.set('onvifPort', { value: preset.onvifPort, origin });
  for (const [profile, path] of Object.entries(preset.paths)) {
    values.set(`path.${profile as ProfileName}`, { value: path, origin });
  }
  return { level: 'vendor', values };
}

export function builtInLayer(): Layer {
  const origin = BUILT_IN_LABEL;
  const values = new Map<SettingName, Setting>([
    ['transport', { value: BUILT_IN_STREAM.transport, origin }],
    ['audio', { value: BUILT_IN_STREAM.audio, origin }],
    ['alwaysOn', { value: BUILT_IN_STREAM.alwaysOn, origin }],
    ['mode', { value: 'copy', origin }],
    ['rtspPort', { value: BUILT_IN_RTSP_PORT, origin }],
    ['onvifPort', { value: BUILT_IN_ONVIF_PORT, origin }],
  ]);
  for (const [field, value] of Object.entries(BUILT_IN_TUNING)) {
    values.set(`tuning.${field as keyof StreamTuning}`, { value: structuredClone(value), origin });
  }
  return { level: 'built-in', values };
}
