/**
 * The one list of camera vendors Lookout knows. Each entry is its brand's folder; everything that
 * varies by vendor is read from here: the config cascade's vendor level (config/layers.ts,
 * config/profile.ts), the JSON Schema's `vendor` enum and `vendors` section (config/schema.test.ts
 * proves they equal this list), Home Assistant's device manufacturer (control/mqtt/discovery.ts) and
 * the PTZ fallback over a vendor's HTTP API (control/camera-control.ts).
 *
 * A new vendor: a folder `vendors/<brand>/index.ts` exporting a VendorDefinition, one line here, its
 * id in VENDORS (contracts/config.ts: the config format's list, which `satisfies` below checks against
 * this registry) and in config/lookout.schema.json (the schema test names what is missing).
 */
import type { Vendor } from '../contracts/config.js';
import { amcrest } from './amcrest/index.js';
import { dahua } from './dahua/index.js';
import { generic } from './generic/index.js';
import { hikvision } from './hikvision/index.js';
import { onvif } from './onvif/index.js';
import { reolink } from './reolink/index.js';
import { tapo } from './tapo/index.js';
import type { VendorDefinition } from './types.js';
import { unifi } from './unifi/index.js';

export const VENDOR_REGISTRY: Readonly<Record<Vendor, VendorDefinition>> = {
  generic,
  reolink,
  amcrest,
  dahua,
  hikvision,
  unifi,
  tapo,
  onvif,
};

export function vendor(id: Vendor): VendorDefinition {
  return VENDOR_REGISTRY[id];
}
