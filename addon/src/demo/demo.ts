/**
 * Demo mode (`lookout serve` without a config): four synthetic cameras on a loopback RTSP server,
 * configured through the same config resolver as a real file, including credentials (the RTSP
 * server requires them, and the config module percent-encodes them into the URLs).
 */
import { resolveConfig } from '../config/index.js';
import type { ResolvedConfig } from '../contracts/config.js';
import type { Logger } from '../lib/log.js';
import { SyntheticCamera } from './synthetic-camera.js';

export const DEMO_CAMERAS = ['front_door', 'driveway', 'backyard', 'garage'] as const;

export interface Demo {
  config: ResolvedConfig;
  camera: SyntheticCamera;
  close(): Promise<void>;
}

export async function startDemo(opts: {
  log: Logger;
  port?: number;
  host?: string;
  dataDir?: string;
}): Promise<Demo> {
  // A password with characters that break hand-built URLs, to show they are encoded for you.
  const credentials = { username: 'demo', password: 'l00k#out)' };
  const camera = await SyntheticCamera.start({
    names: [...DEMO_CAMERAS],
    main: { width: 1280, height: 720, fps: 15, gop: 15 },
    sub: { width: 640, height: 360, fps: 15, gop: 15 },
    audio: 'aac',
    ...credentials,
  });
  opts.log.info({ port: camera.port, cameras: DEMO_CAMERAS }, 'demo: synthetic cameras started');
  const raw = {
    server: {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 8080,
      ...(opts.dataDir ? { data_dir: opts.dataDir } : {}),
    },
    cameras: DEMO_CAMERAS.map((id) => ({
      id,
      name: id.replace('_', ' ').replace(/^./, (c) => c.toUpperCase()),
      vendor: 'generic',
      credentials,
      profiles: { main: { url: camera.url(id, 'main') }, sub: { url: camera.url(id, 'sub') } },
    })),
  };
  const result = resolveConfig(raw, { env: {} });
  if (!result.ok) {
    await camera.close();
    throw new Error(`demo config invalid: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  return { config: result.config, camera, close: () => camera.close() };
}
