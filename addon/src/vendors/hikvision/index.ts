/** Hikvision: ISAPI-style channel paths (101 main, 102 sub), ONVIF on 80. */
import type { VendorDefinition } from '../types.js';

export const hikvision: VendorDefinition = {
  manufacturer: 'Hikvision',
  preset: {
    rtspPort: 554,
    onvifPort: 80,
    paths: { main: '/Streaming/Channels/101', sub: '/Streaming/Channels/102' },
  },
};
