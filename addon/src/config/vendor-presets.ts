/**
 * Built-in vendor presets: the "vendor" level of the cascade when the file's `vendors.<v>` section
 * does not set a key. Only facts about the vendor's firmware live here (ports, RTSP paths), never
 * capabilities: those are declared per camera or discovered (FIELD-NOTES #15).
 */
import type { Vendor } from '../contracts/config.js';
import type { ProfileName } from '../contracts/stream-key.js';

export interface VendorPreset {
  rtspPort?: number;
  onvifPort?: number;
  paths: Partial<Record<ProfileName, string>>;
  /** Added to the "no url or path" error when the vendor has no default path. */
  pathHint?: string;
}

export const VENDOR_PRESETS: Readonly<Record<Vendor, VendorPreset>> = {
  generic: { paths: {} },
  onvif: { paths: {}, pathHint: 'ask the camera for its stream URI (ONVIF GetStreamUri) and set url' },
  reolink: {
    rtspPort: 554,
    onvifPort: 8000,
    paths: { main: '/h264Preview_01_main', sub: '/h264Preview_01_sub' },
  },
  amcrest: {
    rtspPort: 554,
    onvifPort: 80,
    paths: { main: '/cam/realmonitor?channel=1&subtype=0', sub: '/cam/realmonitor?channel=1&subtype=1' },
  },
  dahua: {
    rtspPort: 554,
    onvifPort: 80,
    paths: { main: '/cam/realmonitor?channel=1&subtype=0', sub: '/cam/realmonitor?channel=1&subtype=1' },
  },
  hikvision: {
    rtspPort: 554,
    onvifPort: 80,
    paths: { main: '/Streaming/Channels/101', sub: '/Streaming/Channels/102' },
  },
  tapo: { rtspPort: 554, onvifPort: 2020, paths: { main: '/stream1', sub: '/stream2' } },
  // UniFi Protect re-streams each camera under a per-camera alias, so there is no fixed path.
  unifi: {
    rtspPort: 7447,
    paths: {},
    pathHint:
      'UniFi Protect streams use a per-camera alias: set path: /<alias> (shown in Protect > camera > RTSP)',
  },
};

export function presetLabel(vendor: Vendor): string {
  return `built-in vendor preset "${vendor}"`;
}
