/**
 * PTZ and preset API shapes (HTTP JSON; MQTT and Node-RED reuse them). Preset tokens are the
 * camera's business: the API only ever speaks preset names.
 */

/** POST /api/cameras/:id/ptz/move — velocities in −1..1; the move stops by itself after timeout_ms. */
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

/** GET /api/cameras/:id/ptz — what the camera reports (GetNodes), after the config's gates. */
export interface PtzCapabilitiesAnswer {
  camera: string;
  continuous: boolean;
  relative: boolean;
  absolute: boolean;
  home: boolean;
  presets: boolean;
  max_presets: number | null;
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
