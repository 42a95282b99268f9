/**
 * Demo mode (`lookout serve` without a config): four synthetic cameras on a loopback RTSP server,
 * configured through the same config resolver as a real file, including credentials (the RTSP
 * server requires them, and the config module percent-encodes them into the URLs).
 *
 * `front_door` has pixel motion, and its moving object walks through the picture for
 * DEMO_MOTION.onMs every DEMO_MOTION.everyMs, so the example flows (flows/) and the Home Assistant
 * blueprints (blueprints/) see motion against the demo without edits.
 *
 * Plus, from a source checkout, a synthetic phone bonding SRT over three links into the SRTLA
 * receiver (test/helpers/srtla-phone.ts as a child process): the `phone` camera.
 */
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../config/index.js';
import type { ResolvedConfig } from '../contracts/config.js';
import { streamKey } from '../contracts/stream-key.js';
import { describeExit, spawnChild } from '../lib/child-process.js';
import type { Logger } from '../lib/log.js';
import { restreamPathName } from '../sources/resolve.js';
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
  /** The bonded phone's SRTLA port, or null when the phone is not part of this demo. */
  srtlaPort: number | null;
  close(): Promise<void>;
}

const PHONE_STREAM_ID = `publish:${restreamPathName(streamKey('phone', 'main'))}`;
const PHONE = fileURLToPath(new URL('../../../test/helpers/srtla-phone.ts', import.meta.url));

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The phone child (lib/child-process: own group, pipes drained, SIGTERM then SIGKILL, exit awaited). */
function startPhone(port: number, log: Logger): { stop(): Promise<void> } {
  // tsx resolved from here, not from the working directory (serve may run from anywhere).
  const child = spawnChild({
    file: process.execPath,
    // The stream id names the phone's MediaMTX path when the gateway takes the SRT ingest.
    args: ['--import', import.meta.resolve('tsx'), PHONE, String(port), '127.0.0.1', PHONE_STREAM_ID],
    killGraceMs: 3000,
    label: 'demo phone',
  });
  void child.exited.then((exit) =>
    exit.code === 0 || exit.signal === 'SIGTERM'
      ? log.info({ exit: describeExit(exit) }, 'demo: synthetic phone ended')
      : log.warn({ exit: describeExit(exit), stderr: exit.stderrTail }, 'demo: synthetic phone failed'),
  );
  return {
    async stop() {
      await child.stop();
    },
  };
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
    // Two-way audio: every demo camera has an ONVIF backchannel (a speaker that records a WAV per
    // talk session); the first one mixes several talkers.
    backchannel: 'pcmu',
    backchannelDir: opts.dataDir ?? tmpdir(),
    ...credentials,
  });
  opts.log.info({ port: camera.port, cameras: DEMO_CAMERAS }, 'demo: synthetic cameras started');
  // The phone only runs from a source checkout (its sender lives with the tests).
  const withPhone = existsSync(PHONE);
  const [srtPort, srtlaPort] = withPhone ? [await freeUdpPort(), await freeUdpPort()] : [0, 0];
  const phoneCamera = {
    id: 'phone',
    name: 'Phone (bonded, 3 links)',
    // Its listener waits for the phone longer than a pulled camera's start; loopback links need
    // little SRT latency (a real phone over cellular wants the 2 s default).
    stream: { startup_grace: '30s' },
    profiles: { main: { srt: { port: srtPort, srtla_port: srtlaPort, latency: '500ms' } } },
  };
  const raw = {
    ...(withPhone ? { srtla: { enabled: true, host: '127.0.0.1' } } : {}),
    server: {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 8080,
      ...(opts.dataDir ? { data_dir: opts.dataDir } : {}),
    },
    cameras: [
      ...DEMO_CAMERAS.map((id) => ({
        id,
        name: id.replace('_', ' ').replace(/^./, (c) => c.toUpperCase()),
        vendor: 'generic',
        credentials,
        profiles: { main: { url: camera.url(id, 'main') }, sub: { url: camera.url(id, 'sub') } },
        ...(id === DEMO_CAMERAS[0] ? { backchannel: { mix: true } } : {}),
        // The burned-in timestamp and clock change every frame: masked, so only the visitor counts.
        ...(id === DEMO_MOTION.camera
          ? { motion: { source: 'pixel', masks: [TIMESTAMP_BAND_REGION, CLOCK_TEXT_REGION] } }
          : {}),
      })),
      ...(withPhone ? [phoneCamera] : []),
    ],
  };
  const result = resolveConfig(raw, { env: {} });
  if (!result.ok) {
    await camera.close();
    throw new Error(`demo config invalid: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  const visitor = scheduleVisitor(camera, opts.log);
  // Started now, alongside Lookout: it registers its links as soon as the receiver is up, then encodes.
  const phone = withPhone ? startPhone(srtlaPort, opts.log) : null;
  if (phone) opts.log.info({ srtlaPort }, 'demo: synthetic phone sending bonded SRT over 3 links');
  return {
    config: result.config,
    camera,
    srtlaPort: withPhone ? srtlaPort : null,
    close: async () => {
      visitor.stop();
      await phone?.stop();
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
