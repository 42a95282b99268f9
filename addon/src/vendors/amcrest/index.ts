/** Amcrest: Dahua firmware under another name; the same RTSP paths, PTZ CGI and talkback. */
import { dahuaPtzCgi } from '../dahua/ptz-cgi.js';
import { DAHUA_PRESET } from '../dahua/index.js';
import { dahuaTalkback } from '../dahua/talkback.js';
import type { VendorDefinition } from '../types.js';

export const amcrest: VendorDefinition = {
  manufacturer: 'Amcrest',
  preset: DAHUA_PRESET,
  ptz: dahuaPtzCgi,
  talkback: dahuaTalkback,
};
