/** Hikvision: ISAPI-style channel paths (101 main, 102 sub), ONVIF on 80, ISAPI talkback (talkback.ts). */
import type { VendorDefinition } from '../types.js';
import { hikvisionTalkback } from './talkback.js';

export const hikvision: VendorDefinition = {
  manufacturer: 'Hikvision',
  preset: {
    rtspPort: 554,
    onvifPort: 80,
    paths: { main: '/Streaming/Channels/101', sub: '/Streaming/Channels/102' },
  },
  talkback: hikvisionTalkback,
};
