/**
 * Wiring, in start order (go2rtc's main.go: the order is explicit and commented):
 *   1. redactor knows the secrets      (before anything can log a URL)
 *   2. supervisor                      (reaps leftovers from a crashed run, creates a runner per key)
 *   3. HTTP API                        (needs the supervisor to answer)
 *   3b. MQTT                           (embedded broker if none configured; never fatal)
 *   4. config watcher                  (reloads apply by diff through the supervisor)
 * and one shutdown path in reverse: watcher → API → supervisor (awaits every FFmpeg's exit).
 */
import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from './contracts/config.js';
import { ConfigWatcher } from './confwatcher/watcher.js';
import { buildApi } from './control/api/app.js';
import { CameraControl } from './control/onvif/control.js';
import { MqttService } from './control/mqtt/service.js';
import { loadOrCreateCertificate, type TlsFiles } from './control/api/tls-cert.js';
import { LlhlsOrigin } from './outputs/llhls/index.js';
import type { Logger } from './lib/log.js';
import { redactor } from './lib/redact.js';
import { RecordingService } from './outputs/recorder/service.js';
import { Supervisor, type ApplyResult } from './supervisor/supervisor.js';

export const VERSION = '0.1.0';

export interface ConfigIssueLike {
  path: string;
  message: string;
}

/** What reading the config file produced: a config, or every problem found. */
export type ConfigOutcome = { ok: true; config: ResolvedConfig } | { ok: false; issues: ConfigIssueLike[] };

export interface LookoutOptions {
  config: ResolvedConfig;
  log: Logger;
  /** Re-reads the config (file change, SIGHUP). Absent: reload is not available (demo mode). */
  reloadConfig?: () => Promise<ConfigOutcome>;
  /** File to watch for changes; requires reloadConfig. */
  watchFile?: string | null;
  ffmpegPath?: string;
  pidFile?: string | null;
  /** Overrides config.server.port / host (tests use port 0). */
  listen?: { host?: string; port?: number };
  /**
   * The HTTP/2-over-TLS listener (same routes): port default = main port + 1 (0 when the main port is
   * 0); certificate from `files`, else self-signed in `<dataDir>/tls/`. false: no TLS listener.
   */
  tls?: { port?: number; files?: TlsFiles } | false;
  /**
   * MQTT (config.mqtt): false turns it off. The embedded broker's port defaults to the config's
   * (0 when the main port is 0, so tests never fight over 1883).
   */
  mqtt?: { embeddedPort?: number } | false;
}

export type ReloadResult = { ok: true; applied: ApplyResult } | { ok: false; issues: ConfigIssueLike[] };

export interface Lookout {
  /** Base URL of the API, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Base URL of the HTTP/2 + TLS listener (self-signed unless configured), or null when off. */
  tlsUrl: string | null;
  supervisor: Supervisor;
  recordings: RecordingService;
  /** PTZ, presets and camera motion events ('motion' MotionEvents for the recorder and MQTT). */
  control: CameraControl;
  /** The MQTT interface; null when disabled or when it could not start (logged). */
  mqtt: MqttService | null;
  api: FastifyInstance;
  reload(): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export async function startLookout(opts: LookoutOptions): Promise<Lookout> {
  const { log } = opts;
  redactor.setSecrets(opts.config.secrets);

  const supervisor = new Supervisor({
    config: opts.config,
    log,
    ffmpegPath: opts.ffmpegPath,
    pidFile: opts.pidFile,
  });
  await supervisor.start();
  // After the supervisor (it needs the hubs and leases), before the API (which serves it).
  const recordings = new RecordingService({ config: opts.config, host: supervisor, log, ffmpegPath: opts.ffmpegPath });
  await recordings.start();
  // ONVIF sessions connect lazily; event subscriptions start now and follow config reloads.
  const control = new CameraControl({
    cameras: supervisor,
    log,
    // Cameras without ONVIF events that record on motion get pixel motion on their sub stream.
    pixelMotion: { host: supervisor, ffmpegPath: opts.ffmpegPath, recordsOnMotion: (cam) => recordings.recordsOnMotion(cam.id) },
  });
  // "When motion, record": camera events (ONVIF, or pixel motion) trigger the recorder's motion mode.
  control.on('motion', (ev) => recordings.motion(ev));
  control.start();

  // One LL-HLS origin for both listeners: one viewer lease and one view of the hub per key.
  const llhls = new LlhlsOrigin(supervisor);
  const api = buildApi({ supervisor, log, version: VERSION, llhls, recordings, control });
  const host = opts.listen?.host ?? opts.config.server.host;
  const port = opts.listen?.port ?? opts.config.server.port;
  try {
    await api.listen({ host, port });
  } catch (err) {
    llhls.close();
    await control.stop();
    await recordings.stop();
    await supervisor.stop();
    throw err;
  }
  const address = api.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const hostPart = shownHost.includes(':') ? `[${shownHost}]` : shownHost;
  const url = `http://${hostPart}:${boundPort}`;

  let tlsApi: ReturnType<typeof buildApi> | null = null;
  let tlsUrl: string | null = null;
  if (opts.tls !== false) {
    try {
      const material = await loadOrCreateCertificate(opts.config.server.dataDir, opts.tls?.files);
      if (material.generated)
        log.info({ cert: material.certFile }, 'generated a self-signed TLS certificate');
      tlsApi = buildApi({ supervisor, log, version: VERSION, llhls, recordings, control }, material);
      await tlsApi.listen({ host, port: opts.tls?.port ?? (port === 0 ? 0 : boundPort + 1) });
      const a = tlsApi.server.address();
      tlsUrl = `https://${hostPart}:${typeof a === 'object' && a ? a.port : 0}`;
    } catch (err) {
      await tlsApi?.close();
      tlsApi = null;
      // Asked for explicitly: fail the start. Default (port + 1, self-signed): HTTP keeps working without it.
      if (opts.tls?.port === undefined && opts.tls?.files === undefined) {
        log.warn({ err }, 'TLS (HTTP/2) listener not started; continuing with HTTP only');
      } else {
        await api.close();
        llhls.close();
        await control.stop();
        await recordings.stop();
        await supervisor.stop();
        throw err;
      }
    }
  }

  // After the API: MQTT is an extra door, and a broker problem must never keep the cameras down.
  let mqtt: MqttService | null = null;
  if (opts.mqtt !== false && opts.config.mqtt.enabled) {
    mqtt = new MqttService({ settings: opts.config.mqtt, host: supervisor, log, version: VERSION, ptz: control, motion: control, recordings });
    try {
      await mqtt.start({ embeddedPort: opts.mqtt?.embeddedPort ?? (port === 0 ? 0 : undefined) });
    } catch (err) {
      log.error({ err }, 'MQTT interface could not start; running without it');
      await mqtt.stop();
      mqtt = null;
    }
  }

  // Reloads are serialised: a second change while one is being applied waits for it.
  let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, applied: emptyApply() });
  const reload = (): Promise<ReloadResult> => {
    reloading = reloading.then(async (): Promise<ReloadResult> => {
      if (!opts.reloadConfig) return { ok: false, issues: [{ path: '', message: 'this instance has no config file to reload' }] };
      const outcome = await opts.reloadConfig();
      if (!outcome.ok) {
        log.error({ issues: outcome.issues }, `config reload rejected (${outcome.issues.length} problem(s)); the previous config keeps running`);
        for (const i of outcome.issues) log.error(`config: ${i.path || '/'}: ${i.message}`);
        return { ok: false, issues: outcome.issues };
      }
      if (JSON.stringify(outcome.config.server) !== JSON.stringify(supervisor.currentConfig.server)) {
        log.warn('server settings changed; they take effect after a restart');
      }
      const applied = await supervisor.applyConfig(outcome.config);
      await recordings.applyConfig(outcome.config); // after the supervisor: new keys have their hubs
      return { ok: true, applied };
    });
    return reloading;
  };

  const watcher = opts.watchFile && opts.reloadConfig ? new ConfigWatcher(opts.watchFile, () => void reload()) : null;
  await watcher?.start();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      watcher?.close();
      llhls.close(); // releases LL-HLS viewer leases and wakes held requests so close() need not wait
      await Promise.all([api.close(), tlsApi?.close()]);
      await mqtt?.stop(); // publishes offline before the services it commands go away
      await control.stop(); // unsubscribes camera events, stops any PTZ move in flight
      await recordings.stop();
      await supervisor.stop();
    })();
    return stopping;
  };

  log.info({ url, tlsUrl, cameras: opts.config.cameras.length }, 'lookout is running');
  return { url, tlsUrl, supervisor, recordings, control, mqtt, api, reload, stop };
}

function emptyApply(): ApplyResult {
  return { added: [], removed: [], restarted: [], unchanged: [] };
}
