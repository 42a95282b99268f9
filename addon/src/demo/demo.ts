/**
 * Demo mode (`lookout serve` without a config): four synthetic cameras on a loopback RTSP server,
 * configured through the same config resolver as a real file, including credentials (the RTSP
 * server requires them, and the config module percent-encodes them into the URLs).
 *
 * `front_door` has pixel motion, and its moving object walks through the picture for
 * DEMO_MOTION.onMs every DEMO_MOTION.everyMs, so the example flows (flows/) and the Home Assistant
 * blueprints (blueprints/) see motion against the demo without edits.
 */
import { resolveConfig } from '../config/index.js';
import type { ResolvedConfig } from '../contracts/config.js';
import type { Logger } from '../lib/log.js';
import { SyntheticCamera } from './synthetic-camera.js';
import { CLOCK_TEXT_REGION, TIMESTAMP_BAND_REGION } from './timestamp-code.js';

export const DEMO_CAMERAS = ['front_door', 'driveway', 'backyard', 'garage'] as const;
/** The demo camera that sees motion, and how often: a visitor for 8 s every 30 s. */
export const DEMO_MOTION = {
  camera: 'front_door',
  onMs: 8_000,
  everyMs: 30_000,
  firstAfterMs: 5_000,
} as const;

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
    motion: false,
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
      // The burned-in timestamp and clock change every frame: masked, so only the visitor counts.
      ...(id === DEMO_MOTION.camera
        ? { motion: { source: 'pixel', masks: [TIMESTAMP_BAND_REGION, CLOCK_TEXT_REGION] } }
        : {}),
    })),
  };
  const result = resolveConfig(raw, { env: {} });
  if (!result.ok) {
    await camera.close();
    throw new Error(`demo config invalid: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  const visitor = scheduleVisitor(camera, opts.log);
  return {
    config: result.config,
    camera,
    close: async () => {
      visitor.stop();
      await camera.close();
    },
  };
}

/** Turns front_door's moving object on for onMs every everyMs (first after firstAfterMs). */
function scheduleVisitor(camera: SyntheticCamera, log: Logger): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    t.unref();
    timers.add(t);
  };
  const set = (on: boolean) =>
    camera.setMotion(on, DEMO_MOTION.camera).catch((err: unknown) => {
      if (!stopped) log.debug({ err: String(err) }, 'demo: could not switch the visitor');
    });
  const visit = () => {
    void set(true);
    later(DEMO_MOTION.onMs, () => void set(false));
    later(DEMO_MOTION.everyMs, visit);
  };
  later(DEMO_MOTION.firstAfterMs, visit);
  return {
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    },
  };
}
