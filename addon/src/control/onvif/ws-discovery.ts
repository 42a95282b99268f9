/**
 * `lookout discover --scan`: WS-Discovery probe (UDP multicast to 239.255.255.250:3702) through the
 * onvif library, listing the ONVIF devices that answer on the local network. Multicast: it is a CLI
 * command for users only, never run in tests (tests bind loopback only); `lookout discover <host>`
 * (discover.ts, unicast) is the tested path that turns one answer into a camera config.
 */
import { Discovery } from 'onvif';

export interface ScannedDevice {
  /** Device service URL(s) announced (XAddrs). */
  xaddrs: string[];
  /** WS-Addressing endpoint reference (urn:uuid:...). */
  urn: string;
  /** Scopes such as onvif://www.onvif.org/name/..., hardware/..., location/... */
  scopes: string[];
}

export function scanOnvif(timeoutMs = 5000): Promise<ScannedDevice[]> {
  return new Promise((resolve, reject) => {
    // resolve:false: answers are returned as parsed ProbeMatch data, no Cam objects that would connect.
    Discovery.probe(
      { timeout: timeoutMs, resolve: false },
      (err: Error | Error[] | null, found?: unknown[]) => {
        // Some answers may be malformed (an array of errors) while others are fine: keep the good ones.
        if (err && !found?.length)
          return reject(Array.isArray(err) ? (err[0] ?? new Error('discovery failed')) : err);
        resolve((found ?? []).map(toDevice));
      },
    );
  });
}

function toDevice(raw: unknown): ScannedDevice {
  const match =
    (raw as { probeMatches?: { probeMatch?: Record<string, unknown> } }).probeMatches?.probeMatch ?? {};
  const text = (v: unknown) =>
    typeof v === 'string' ? v : typeof v === 'object' && v && '_' in v ? String((v as { _: unknown })._) : '';
  const endpoint = match['endpointReference'] as { address?: unknown } | undefined;
  return {
    xaddrs: text(match['XAddrs']).split(/\s+/).filter(Boolean),
    urn: text(endpoint?.address),
    scopes: text(match['scopes']).split(/\s+/).filter(Boolean),
  };
}
