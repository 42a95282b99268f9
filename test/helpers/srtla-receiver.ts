/** An SRTLA receiver for tests: product defaults, enabled, quiet, on a free port. */
import type { SrtlaLimits } from '../../addon/src/contracts/srtla.js';
import { silentLogger } from '../../addon/src/lib/log.js';
import { DEFAULT_SRTLA_SETTINGS } from '../../addon/src/sources/srtla/limits.js';
import { SrtlaReceiver } from '../../addon/src/sources/srtla/receiver.js';

export async function startTestReceiver(opts: {
  target: { host: string; port: number };
  host?: string;
  streamId?: string | null;
  limits?: Partial<SrtlaLimits>;
}): Promise<SrtlaReceiver> {
  const rx = new SrtlaReceiver({
    camera: 'cam',
    profile: 'main',
    host: opts.host ?? '127.0.0.1',
    port: 0,
    target: opts.target,
    streamId: opts.streamId ?? null,
    settings: {
      ...DEFAULT_SRTLA_SETTINGS,
      enabled: true,
      limits: { ...DEFAULT_SRTLA_SETTINGS.limits, ...opts.limits },
    },
    log: silentLogger(),
  });
  await rx.start();
  return rx;
}
