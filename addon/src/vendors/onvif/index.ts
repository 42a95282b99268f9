/** A camera known only by its ONVIF conformance: stream URIs come from the camera (GetStreamUri). */
import type { VendorDefinition } from '../types.js';

export const onvif: VendorDefinition = {
  manufacturer: null,
  preset: { paths: {}, pathHint: 'ask the camera for its stream URI (ONVIF GetStreamUri) and set url' },
};
