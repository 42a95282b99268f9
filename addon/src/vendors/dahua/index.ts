/**
 * Dahua: RTSP realmonitor paths, ONVIF on 80, PTZ over `ptz.cgi` with HTTP Digest (ptz-cgi.ts),
 * talkback over `audio.cgi?action=postAudio` (talkback.ts).
 */
import type { VendorDefinition, VendorPreset } from '../types.js';
import { dahuaPtzCgi } from './ptz-cgi.js';
import { dahuaTalkback } from './talkback.js';

export const DAHUA_PRESET: VendorPreset = {
  rtspPort: 554,
  onvifPort: 80,
  paths: { main: '/cam/realmonitor?channel=1&subtype=0', sub: '/cam/realmonitor?channel=1&subtype=1' },
};

export const dahua: VendorDefinition = {
  manufacturer: 'Dahua',
  preset: DAHUA_PRESET,
  ptz: dahuaPtzCgi,
  talkback: dahuaTalkback,
};
