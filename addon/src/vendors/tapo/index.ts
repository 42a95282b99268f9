/** TP-Link Tapo: /stream1 and /stream2, ONVIF on 2020. */
import type { VendorDefinition } from '../types.js';

export const tapo: VendorDefinition = {
  manufacturer: 'TP-Link',
  preset: { rtspPort: 554, onvifPort: 2020, paths: { main: '/stream1', sub: '/stream2' } },
};
