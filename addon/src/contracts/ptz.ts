/**
 * PTZ and preset shapes and limits: the one definition for HTTP, MQTT, the Node-RED nodes and the
 * panel. Preset tokens are the camera's business: the API only ever speaks preset names.
 */

/** Each axis of a velocity (continuous move) or of a relative/absolute vector: −1..1. */
export const PTZ_AXIS = { min: -1, max: 1 } as const;
export const PTZ_AXES = ['pan', 'tilt', 'zoom'] as const;

/** A continuous move's self-stop time (`timeout_ms`): integer milliseconds. */
export const PTZ_MOVE_TIMEOUT_MS = { min: 50, max: 30_000, default: 1000 } as const;

/** Velocity (continuous move) or translation / position (relative / absolute), each axis −1..1. */
export interface PtzVelocity {
  pan: number;
  tilt: number;
  zoom: number;
}

/**
 * The one preset-name rule, for every action (goto, save, remove) on every surface: 1–64
 * characters after trimming, none of < > & " ' (the onvif library puts names into SOAP unescaped)
 * and no control characters.
 */
export const PRESET_NAME_MAX = 64;
export const PRESET_NAME_RULE = `1–${PRESET_NAME_MAX} characters, none of < > & " ' or control characters`;
const PRESET_NAME_RE = new RegExp(`^[^<>&"'\\u0000-\\u001f]{1,${PRESET_NAME_MAX}}$`);

/** The trimmed name, or null when it breaks PRESET_NAME_RULE. */
export function presetName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const name = raw.trim();
  return PRESET_NAME_RE.test(name) ? name : null;
}

/** The error text for a name that breaks the rule (the same words on every surface). */
export function presetNameError(raw: unknown): string {
  // Not String(raw): an object from a JSON payload may carry its own `toString` key and throw.
  const shown = typeof raw === 'string' ? raw.slice(0, 80) : `(${raw === null ? 'null' : typeof raw})`;
  return `invalid preset name "${shown}": ${PRESET_NAME_RULE}`;
}

/**
 * POST /api/cameras/:id/ptz/move and MQTT `ptz_move` — velocities in PTZ_AXIS; the move stops by
 * itself after timeout_ms.
 */
export interface PtzMoveBody {
  pan?: number;
  tilt?: number;
  zoom?: number;
  /** Default: the safety stop time (1 s). Send another move before it elapses to keep moving. */
  timeout_ms?: number;
}

/** POST /api/cameras/:id/ptz/relative and /absolute — translation or position in the generic spaces. */
export type PtzVectorBody = Omit<PtzMoveBody, 'timeout_ms'>;

export interface PtzMoveAnswer {
  ok: true;
  /** When the camera will be stopped unless another move renews it; 0 for a stop. */
  stops_in_ms: number;
}

export interface PtzOkAnswer {
  ok: true;
}

/** What a camera's PTZ supports (ONVIF GetNodes, or a vendor CGI's fixed set). */
export interface PtzSupport {
  continuous: boolean;
  relative: boolean;
  absolute: boolean;
  home: boolean;
  presets: boolean;
  max_presets: number | null;
}

/** GET /api/cameras/:id/ptz — what the camera reports, after the config's gates. */
export interface PtzCapabilitiesAnswer extends PtzSupport {
  camera: string;
}

export interface PresetView {
  name: string;
}

/** GET /api/cameras/:id/presets */
export interface PresetsAnswer {
  camera: string;
  presets: PresetView[];
}

/** PUT /api/cameras/:id/presets/:name — 201 when created, 200 when an existing one was overwritten. */
export interface PresetSavedAnswer {
  camera: string;
  preset: PresetView;
  created: boolean;
}
