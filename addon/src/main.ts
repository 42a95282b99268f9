/**
 * Wiring, in start order (go2rtc's main.go: the order is explicit and commented):
 *   1. redactor knows the secrets   before anything can log a URL (the app's one instance)
 *   1b. MediaMTX gateway            when its binary is found: pulls the cameras, FFmpeg reads it
 *   2. supervisor                   reaps leftovers of a crashed run, creates a runner + hub per key
 *   2b. SRTLA receivers             bonded SRT for `srt:` profiles with an srtla_port (off by default)
 *   3. snapshots                    one decode service shared by every listener, MQTT and stills
 *   4. recordings                   hub readers and leases; needs the supervisor's hubs
 *   5. camera control, LL-HLS       ONVIF sessions, PTZ, motion events (→ recordings); one origin
 *   6. MQTT                         an extra door: a broker problem is logged, never fatal
 *   7. HTTP API, then HTTP/2+TLS    the same routes on two listeners
 *   8. config watcher               reloads apply by diff (supervisor, then recordings)
 * Each step registers how to undo itself; stop (and a failed start) runs those in reverse, ending
 * with the supervisor, which awaits every FFmpeg's exit.
 */
import type { FastifyInstance } from 'fastify';
import { diffSlice, SERVER_SLICE } from './config/diff.js';
import type { ResolvedConfig } from './contracts/config.js';
import { ConfigWatcher } from './confwatcher/watcher.js';
import { streamKey } from './contracts/stream-key.js';
import { findMediamtx } from './gateway/binary.js';
import { MediamtxGateway, type GatewayOptions } from './gateway/gateway.js';
import { buildApi } from './control/api/app.js';
import { ApiLimits } from './control/api/limits.js';
import { exposureProblem } from './config/server.js';
import { loadOrCreateCertificate, type TlsFiles } from './control/api/tls-cert.js';
import { panelLink } from './control/mqtt/panel-link.js';
import { MqttService } from './control/mqtt/service.js';
import { CameraControl } from './control/camera-control.js';
import type { Logger } from './lib/log.js';
import { SecretRedactor } from './lib/redact.js';
import { LlhlsOrigin } from './outputs/llhls/index.js';
import { RecordingService } from './outputs/recorder/service.js';
import { SnapshotService } from './outputs/snapshot/snapshot-service.js';
import { SrtlaService } from './sources/srtla/service.js';
import { TalkService } from './talkback/service.js';
import { probeSource } from './supervisor/probe.js';
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
  /**
   * The app's redactor, the one `log` writes through (createLogger({ redactor })); it is fed the
   * config's secrets on start and on every reload. Absent: a new one (then `log` masks URL
   * credentials only, not the config's other secrets).
   */
  redactor?: SecretRedactor;
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
  /**
   * The MediaMTX gateway (gateway/): listeners, public host, binary. Given: used when the binary is
   * found (gateway/binary.ts), skipped with one log line when not (`required`: a failure instead).
   * Absent or false: off (library use and tests opt in; `lookout serve` turns it on).
   */
  gateway?:
    | (Partial<Pick<GatewayOptions, 'listen' | 'publicHost' | 'binary' | 'dir'>> & { required?: boolean })
    | false;
}

export type ReloadResult = { ok: true; applied: ApplyResult } | { ok: false; issues: ConfigIssueLike[] };

export interface Lookout {
  /** Base URL of the API, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Base URL of the HTTP/2 + TLS listener (self-signed unless configured), or null when off. */
  tlsUrl: string | null;
  supervisor: Supervisor;
  /** The SRTLA receivers (bonded SRT ingest); empty unless srtla.enabled. */
  srtla: SrtlaService;
  recordings: RecordingService;
  /** PTZ, presets and camera motion events ('motion' MotionEvents for the recorder and MQTT). */
  control: CameraControl;
  /** The MQTT interface; null when disabled or when it could not start (logged). */
  mqtt: MqttService | null;
  /** MediaMTX in front of the cameras; null when Lookout runs without it. */
  gateway: MediamtxGateway | null;
  /** Two-way audio: talkers (WebSocket, play, MQTT, Node-RED) to camera speakers. */
  talk: TalkService;
  api: FastifyInstance;
  reload(): Promise<ReloadResult>;
  stop(): Promise<void>;
}

export async function startLookout(opts: LookoutOptions): Promise<Lookout> {
  const { log } = opts;
  // The config check judged the file's host; `--host` (listen.host) may widen it: judged again here,
  // before anything starts.
  const { token: cfgToken, trustedProxies: cfgProxies } = opts.config.server;
  const exposure = exposureProblem(opts.listen?.host ?? opts.config.server.host, cfgToken, cfgProxies);
  if (exposure !== null) throw new Error(`refusing to start: ${exposure}`);
  const redactor = opts.redactor ?? new SecretRedactor();
  redactor.setSecrets(opts.config.secrets);
  // Undo steps, in start order; run in reverse by stop() or when a later step fails.
  const undo: Array<() => unknown> = [];
  const unwind = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };

  try {
    const gateway = await startGateway(opts);
    if (gateway) undo.push(() => gateway.stop()); // after the supervisor (reverse order): readers first
    // With the gateway, FFmpeg reads its restream and `srt:` profiles are published to its SRT server.
    const routing = gateway?.routing ?? {};

    // Asked while the rest starts (never rejects): the HA devices link to the panel, the add-on's
    // ingress page or this listener.
    const panel = panelLink({
      env: process.env,
      host: opts.listen?.host ?? opts.config.server.host,
      port: opts.listen?.port ?? opts.config.server.port,
    });
    const srtla = new SrtlaService(log, routing);
    const supervisor = new Supervisor({
      config: opts.config,
      log,
      ffmpegPath: opts.ffmpegPath,
      pidFile: opts.pidFile,
      routing,
      redactor,
      // A bonded key's source is "up" while its sender forwards (its FFmpeg listens again at once).
      probe: async (key, url) => srtla.presence(key) ?? probeSource(url),
    });
    await supervisor.start();
    undo.push(() => supervisor.stop());
    await srtla.apply(opts.config);
    undo.push(() => srtla.stop());

    const snapshots = new SnapshotService({ supervisor, log, ffmpegPath: opts.ffmpegPath });
    undo.push(() => snapshots.close());
    const talk = new TalkService({
      cameras: supervisor,
      settings: opts.config.talk,
      log,
      ffmpegPath: opts.ffmpegPath,
    });
    undo.push(() => talk.close());

    const recordings = new RecordingService({
      config: opts.config,
      host: supervisor,
      log,
      ffmpegPath: opts.ffmpegPath,
      stills: snapshots,
    });
    await recordings.start();
    undo.push(() => recordings.stop());

    const control = new CameraControl({
      cameras: supervisor,
      log,
      // Cameras without ONVIF events that record on motion get pixel motion on their sub stream.
      pixelMotion: {
        host: supervisor,
        ffmpegPath: opts.ffmpegPath,
        recordsOnMotion: (cam) => recordings.recordsOnMotion(cam.id),
      },
    });
    // "When motion, record": camera events (ONVIF, or pixel motion) trigger the recorder's motion mode.
    control.on('motion', (ev) => recordings.motion(ev));
    control.start();
    undo.push(() => control.stop()); // unsubscribes camera events, stops any PTZ move in flight

    const llhls = new LlhlsOrigin(supervisor);
    let mqtt: MqttService | null = null;
    const { token, trustedProxies, allowedHosts, corsOrigins } = opts.config.server;
    const auth = { token, trustedProxies };
    // The listeners keep this token until restart, even if a reload drops it from the config's secrets.
    if (token !== null) redactor.addSecrets([token]);
    const host = opts.listen?.host ?? opts.config.server.host;
    // Both listeners share the guard's settings, the caps and their drop counters.
    const guard = { bindHost: host, allowedHosts, corsOrigins, trustedProxies };
    const limits = new ApiLimits();
    const deps = {
      ...{ supervisor, log, version: VERSION, llhls, recordings, control, snapshots, auth, guard, limits },
      ...{ gateway, srtla, redactor, talk },
      leaseStats: () => supervisor.leaseStats(),
      // `mqtt` is assigned below, before the API answers its first request.
      mqttStats: () => mqtt?.stats() ?? null,
    };
    const port = opts.listen?.port ?? opts.config.server.port;

    if (opts.mqtt !== false && opts.config.mqtt.enabled) {
      const link = await panel;
      if (link.problem) log.info({ err: link.problem }, 'the Home Assistant devices get no panel link');
      const service = new MqttService({
        dataDir: opts.config.server.dataDir,
        configurationUrl: link.url,
        settings: opts.config.mqtt,
        host: supervisor,
        log,
        redactor,
        version: VERSION,
        ptz: control,
        motion: control,
        recordings,
        snapshots,
        talk,
        restreamUrl: gateway
          ? (camera, profile) => {
              const key = streamKey(camera, profile);
              return gateway.hasPath(key) ? gateway.restreamUrl(key, gateway.publicHost(undefined)) : null;
            }
          : undefined,
      });
      try {
        await service.start({ embeddedPort: opts.mqtt?.embeddedPort ?? (port === 0 ? 0 : undefined) });
        mqtt = service;
        undo.push(() => service.stop()); // publishes offline before the services it commands go
      } catch (err) {
        log.error({ err }, 'MQTT interface could not start; running without it');
        await service.stop();
      }
    }

    const api = buildApi(deps);
    undo.push(() => api.close());
    await api.listen({ host, port });
    const address = api.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const hostPart = shownHost.includes(':') ? `[${shownHost}]` : shownHost;
    const url = `http://${hostPart}:${boundPort}`;
    const tlsUrl =
      opts.tls === false
        ? null
        : await startTls(opts, deps, host, port === 0 ? 0 : boundPort + 1, hostPart, undo);
    // Closed before the listeners: releases LL-HLS leases and wakes held requests so close() need not wait.
    undo.push(() => llhls.close());

    // Reloads are serialised: a second change while one is being applied waits for it.
    let reloading: Promise<ReloadResult> = Promise.resolve({ ok: true, applied: emptyApply() });
    const reload = (): Promise<ReloadResult> => {
      reloading = reloading.then(async (): Promise<ReloadResult> => {
        if (!opts.reloadConfig)
          return { ok: false, issues: [{ path: '', message: 'this instance has no config file to reload' }] };
        const outcome = await opts.reloadConfig();
        if (!outcome.ok) {
          log.error(
            { issues: outcome.issues },
            `config reload rejected (${outcome.issues.length} problem(s)); the previous config keeps running`,
          );
          for (const i of outcome.issues) log.error(`config: ${i.path || '/'}: ${i.message}`);
          return { ok: false, issues: outcome.issues };
        }
        // Each subsystem diffs its own declared slice (lib/diff.ts); the listeners are not rebuilt.
        if (diffSlice(SERVER_SLICE, supervisor.currentConfig, outcome.config).changed.length > 0) {
          log.warn('server settings changed; they take effect after a restart');
        }
        redactor.setSecrets(outcome.config.secrets); // before anything logs the new config's URLs
        gateway?.apply(outcome.config); // MediaMTX re-reads its file; changed paths restart there
        const applied = await supervisor.applyConfig(outcome.config);
        await recordings.applyConfig(outcome.config); // after the supervisor: new keys have their hubs
        await srtla.apply(outcome.config);
        talk.applySettings(outcome.config.talk);
        return { ok: true, applied };
      });
      return reloading;
    };

    if (opts.watchFile && opts.reloadConfig) {
      const watcher = new ConfigWatcher(opts.watchFile, () => void reload());
      await watcher.start();
      undo.push(() => watcher.close());
    }

    let stopping: Promise<void> | null = null;
    const stop = () => (stopping ??= unwind());
    log.info({ url, tlsUrl, cameras: opts.config.cameras.length }, 'lookout is running');
    return { url, tlsUrl, supervisor, srtla, recordings, control, mqtt, gateway, talk, api, reload, stop };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/**
 * MediaMTX when its binary is there: started and healthy before any FFmpeg reads it. Not found, or
 * not starting: Lookout runs without WebRTC, restream and SRT (one log line), unless `required`.
 */
async function startGateway(opts: LookoutOptions): Promise<MediamtxGateway | null> {
  if (!opts.gateway) return null;
  const g = opts.gateway;
  const lookup = g.binary ? { found: true as const, path: g.binary } : findMediamtx();
  if (!lookup.found) {
    if (g.required) throw new Error(`MediaMTX gateway required but ${lookup.reason}`);
    opts.log.info(
      `MediaMTX not used: ${lookup.reason}. WebRTC, RTSP restream and SRT ingest are off; everything else runs.`,
    );
    return null;
  }
  const gateway = new MediamtxGateway({
    binary: lookup.path,
    config: opts.config,
    log: opts.log,
    listen: g.listen,
    publicHost: g.publicHost,
    dir: g.dir,
  });
  try {
    await gateway.start();
    return gateway;
  } catch (err) {
    if (g.required) throw err;
    opts.log.error({ err }, 'MediaMTX gateway did not start; running without it (no WebRTC, restream, SRT)');
    return null;
  }
}

/**
 * The HTTP/2-over-TLS listener. Asked for explicitly (port or certificate given), a failure fails the
 * start; by default (port + 1, self-signed) HTTP keeps working without it.
 */
async function startTls(
  opts: LookoutOptions,
  deps: Parameters<typeof buildApi>[0],
  host: string,
  defaultPort: number,
  hostPart: string,
  undo: Array<() => unknown>,
): Promise<string | null> {
  const tls = opts.tls || undefined;
  let tlsApi: FastifyInstance | null = null;
  try {
    const material = await loadOrCreateCertificate(opts.config.server.dataDir, tls?.files);
    if (material.generated)
      opts.log.info({ cert: material.certFile }, 'generated a self-signed TLS certificate');
    tlsApi = buildApi(deps, material);
    await tlsApi.listen({ host, port: tls?.port ?? defaultPort });
    const api = tlsApi;
    undo.push(() => api.close());
    const a = tlsApi.server.address();
    return `https://${hostPart}:${typeof a === 'object' && a ? a.port : 0}`;
  } catch (err) {
    await tlsApi?.close();
    if (tls?.port !== undefined || tls?.files !== undefined) throw err;
    opts.log.warn({ err }, 'TLS (HTTP/2) listener not started; continuing with HTTP only');
    return null;
  }
}

function emptyApply(): ApplyResult {
  return { added: [], removed: [], restarted: [], unchanged: [] };
}
