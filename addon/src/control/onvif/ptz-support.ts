/**
 * What a camera's ONVIF PTZ service supports: the PTZ service and a PTZ configuration on the media
 * profile must exist, then GetNodes says which move spaces, home and how many presets. Shared by the
 * PTZ controller (control/ptz/) and `lookout discover`.
 */
import type { PtzSupport } from '../../contracts/ptz.js';
import { CameraFault } from './errors.js';
import type { OnvifSession } from './session.js';

export async function readPtzSupport(session: OnvifSession, cameraId: string): Promise<PtzSupport> {
  const cam = await session.ready();
  if (!cam.uri?.ptz)
    throw new CameraFault('unsupported', `camera "${cameraId}" does not offer the ONVIF PTZ service`);
  if (!cam.activeSource?.ptz) {
    throw new CameraFault('unsupported', `camera "${cameraId}": its media profile has no PTZ configuration`);
  }
  let nodes: unknown;
  try {
    nodes = await session.call('getNodes');
  } catch (err) {
    if (!(err instanceof CameraFault) || err.kind !== 'fault') throw err;
    nodes = null; // GetNodes not implemented (some Reolinks): assume continuous moves only
  }
  return supportFromNodes(nodes);
}

/** Reads GetNodes (library shape: {nodeToken: node}); null → the camera did not say. */
export function supportFromNodes(nodes: unknown): PtzSupport {
  const first =
    nodes && typeof nodes === 'object'
      ? (Object.values(nodes)[0] as Record<string, unknown> | undefined)
      : undefined;
  if (!first)
    return { continuous: true, relative: true, absolute: true, home: true, presets: true, max_presets: null };
  const spaces = (first.supportedPTZSpaces ?? {}) as Record<string, unknown>;
  const has = (...keys: string[]) => keys.some((k) => k in spaces);
  const max = Number(first.maximumNumberOfPresets);
  return {
    continuous: has('continuousPanTiltVelocitySpace', 'continuousZoomVelocitySpace'),
    relative: has('relativePanTiltTranslationSpace', 'relativeZoomTranslationSpace'),
    absolute: has('absolutePanTiltPositionSpace', 'absoluteZoomPositionSpace'),
    home: first.homeSupported === true || first.homeSupported === 'true',
    presets: !(Number.isFinite(max) && max === 0),
    max_presets: Number.isFinite(max) ? max : null,
  };
}
