/**
 * Camera events as the rest of Lookout sees them (recorder, MQTT, API, Node-RED). ONVIF topics,
 * vendor namespaces and payload shapes are normalised away in control/onvif/; consumers only ever
 * see these types.
 */

/** What was detected. `motion` is plain pixel/cell motion; the rest come from camera analytics. */
export const MOTION_KINDS = [
  'motion',
  'person',
  'vehicle',
  'animal',
  'face',
  'package',
  'line',
  'field',
  'tamper',
] as const;
export type MotionKind = (typeof MOTION_KINDS)[number];

/** Where the event came from: the camera's ONVIF event service, or our own frame differencing. */
export type MotionSource = 'onvif' | 'pixel';

export interface MotionEvent {
  camera: string;
  kind: MotionKind;
  active: boolean;
  /** ISO time (host clock) the change was accepted, after debounce/off-delay. */
  at: string;
  source: MotionSource;
}

/**
 * Current state of one (camera, kind). `unknown` means we cannot tell (subscription down, camera
 * unreachable): consumers must not read it as "no motion".
 */
export type MotionStateValue = 'active' | 'idle' | 'unknown';

export interface MotionState {
  camera: string;
  kind: MotionKind;
  state: MotionStateValue;
  /** ISO time of the last change of `state`. */
  since: string;
}

/** Health of a camera's event subscription, for status pages and `unknown` explanations. */
export interface EventFeedStatus {
  camera: string;
  state: 'connecting' | 'subscribed' | 'down' | 'stopped';
  /** Why it is down (redacted fault text), null when fine. */
  reason: string | null;
  since: string;
}

/** GET /api/events */
export interface EventsAnswer {
  feeds: EventFeedStatus[];
  states: MotionState[];
}
