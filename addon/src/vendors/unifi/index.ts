/** UniFi Protect re-streams each camera under a per-camera alias, so there is no fixed path. */
import type { VendorDefinition } from '../types.js';

export const unifi: VendorDefinition = {
  manufacturer: 'Ubiquiti',
  preset: {
    rtspPort: 7447,
    paths: {},
    pathHint:
      'UniFi Protect streams use a per-camera alias: set path: /<alias> (shown in Protect > camera > RTSP)',
  },
};
