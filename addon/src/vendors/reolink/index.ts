/** Reolink: RTSP on 554, ONVIF on 8000 (FIELD-NOTES, vendors). */
import type { VendorDefinition } from '../types.js';

export const reolink: VendorDefinition = {
  manufacturer: 'Reolink',
  preset: {
    rtspPort: 554,
    onvifPort: 8000,
    paths: { main: '/h264Preview_01_main', sub: '/h264Preview_01_sub' },
  },
};
