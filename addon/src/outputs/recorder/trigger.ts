/**
 * The recorder's trigger input: the fields of contracts/events.ts `MotionEvent` it uses, so a
 * MotionEvent (ONVIF or pixel motion) is passed as is, and tests can send plain objects.
 */
import type { MotionEvent } from '../../contracts/events.js';

export interface MotionTrigger {
  camera: string;
  /** 'motion' | 'person' | 'vehicle' | 'animal' | any other kind the source reports. */
  kind: string;
  active: boolean;
  /** ISO time of the event at the source. */
  at: string;
}

/** Compile-time check: the ONVIF/pixel MotionEvent can be passed to the recorder as it is. */
export const asTrigger = (ev: MotionEvent): MotionTrigger => ev;
