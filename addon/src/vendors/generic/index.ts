/** Any RTSP camera: no built-in port or path (the config gives url or path). */
import type { VendorDefinition } from '../types.js';

export const generic: VendorDefinition = { manufacturer: null, preset: { paths: {} } };
