/**
 * Which motion source a camera gets (config `motion.source`):
 *   onvif  the camera's own events (PullPoint)
 *   pixel  frame differencing on the sub stream (costs a decoder and keeps the stream running)
 *   off    none
 *   auto   ONVIF when the camera declares motion_events; else pixel, but only if somebody needs
 *          motion (the camera records on motion) — decoding 24/7 for nobody would waste a core.
 */
import type { ResolvedCamera } from '../../contracts/config.js';

export type ActiveMotionSource = 'onvif' | 'pixel';

export function motionSourceFor(camera: ResolvedCamera, recordsOnMotion: boolean): ActiveMotionSource | null {
  const hasVideo = Boolean(camera.profiles.sub ?? camera.profiles.main);
  switch (camera.motion.source) {
    case 'off':
      return null;
    case 'onvif':
      return camera.onvif ? 'onvif' : null;
    case 'pixel':
      return hasVideo ? 'pixel' : null;
    case 'auto':
      if (camera.onvif && camera.capabilities.motionEvents) return 'onvif';
      return recordsOnMotion && hasVideo ? 'pixel' : null;
  }
}

/** Sensitivity 1..100 → share of changed pixels that counts as motion (50 → 0.5 %, 100 → 0.125 %). */
export function areaThresholdFor(sensitivity: number): number {
  return 0.005 * 2 ** ((50 - sensitivity) / 25);
}
