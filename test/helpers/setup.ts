/**
 * Shared test setup: builds configs through the real config module (raw object → resolveConfig),
 * pointing at real synthetic cameras, and starts supervisors/Lookout instances on loopback port 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../addon/src/config/index.js';
import type { ResolvedConfig } from '../../addon/src/contracts/config.js';
import { createLogger, silentLogger, type Logger } from '../../addon/src/lib/log.js';
import type { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import { startLookout, type Lookout, type LookoutOptions } from '../../addon/src/main.js';

export function tempDir(prefix = 'lookout-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Fast tuning for tests: short stall/idle times, a compressed backoff ladder. */
export const FAST_STREAM = {
  stall_timeout: '3s',
  startup_grace: '8s',
  idle_timeout: '1s',
  lease_ttl: '30s',
  probe_interval: '500ms',
  backoff: ['500ms', '1s', '2s', '4s'],
  backoff_reset_after: '3s',
  rtsp_timeout: '3s',
};

export interface RawCamera {
  id: string;
  [k: string]: unknown;
}

/** A raw (file-shaped) config with one camera per synthetic camera name, main + sub profiles. */
export function rawConfigFor(
  cam: SyntheticCamera,
  opts: { stream?: Record<string, unknown>; dataDir?: string; names?: readonly string[] } = {},
) {
  const names = opts.names ?? cam.cameras;
  return {
    server: { host: '127.0.0.1', port: 0, data_dir: opts.dataDir ?? tempDir() },
    defaults: { audio: 'drop', stream: { ...FAST_STREAM, ...opts.stream } },
    cameras: names.map((name) => ({
      id: name,
      name: `Synthetic ${name}`,
      vendor: 'generic',
      profiles: cameraProfiles(cam, name),
    })),
  };
}

export function resolveOrThrow(raw: unknown, env: Record<string, string> = {}): ResolvedConfig {
  const r = resolveConfig(raw, { env, baseDir: tempDir() });
  if (!r.ok)
    throw new Error(`test config invalid:\n${r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`);
  return r.config;
}

export function testLogger(): Logger {
  return process.env.LOOKOUT_TEST_LOGS ? createLogger({ pretty: false, level: 'debug' }) : silentLogger();
}

export async function startSupervisor(
  config: ResolvedConfig,
  log: Logger = testLogger(),
): Promise<Supervisor> {
  const sup = new Supervisor({ config, log });
  await sup.start();
  return sup;
}

/** The main and sub profiles of one synthetic camera, in config-file shape. */
export function cameraProfiles(cam: SyntheticCamera, name: string) {
  return { main: { url: cam.url(name, 'main') }, sub: { url: cam.url(name, 'sub') } };
}

/** Lookout on loopback port 0 with the test logger; `opts` adds or overrides options (tls, mqtt, ...). */
export function startTestLookout(
  config: ResolvedConfig,
  opts: Partial<LookoutOptions> = {},
): Promise<Lookout> {
  return startLookout({ config, log: testLogger(), listen: { port: 0, host: '127.0.0.1' }, ...opts });
}
