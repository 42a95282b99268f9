/** Test helpers: a ResolvedCamera pointing at the loopback ONVIF device, and a polling wait. */
import type { ResolvedCamera } from '../contracts/config.js';
import type { OnvifDevice } from '../../../test/fixtures/onvif-device/index.js';

export const USER = { username: 'admin', password: 'Pw-s3cret!x' };

export function cameraFor(
  dev: OnvifDevice | null,
  id: string,
  o: { ptz?: boolean; presets?: boolean; motionEvents?: boolean; password?: string } = {},
): ResolvedCamera {
  return {
    id,
    name: id,
    enabled: true,
    hidden: false,
    vendor: 'onvif',
    host: '127.0.0.1',
    credentials: null,
    profiles: {},
    onvif: dev
      ? {
          host: '127.0.0.1',
          port: dev.port,
          path: '/onvif/device_service',
          credentials: { username: USER.username, password: o.password ?? USER.password },
        }
      : null,
    snapshotUrl: null,
    capabilities: {
      ptz: o.ptz ?? true,
      presets: o.presets ?? true,
      motionEvents: o.motionEvents ?? false,
      audioOut: false,
    },
    motion: { source: 'auto', sensitivity: 50, masks: [] },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
  return Date.now() - started;
}
