/**
 * `lookout serve`: load the config (or start the demo), run until SIGINT/SIGTERM, reload on SIGHUP
 * and on file change. Shutdown always goes through Lookout.stop(), which waits for every FFmpeg.
 */
import { resolve } from 'node:path';
import { formatIssues, loadConfig } from '../config/index.js';
import type { ResolvedConfig } from '../contracts/config.js';
import { applyAddonOptions } from './addon-options.js';
import { startDemo, type Demo } from '../demo/demo.js';
import { gatewayOptionsFromEnv } from '../gateway/env.js';
import { createLogger } from '../lib/log.js';
import { SecretRedactor } from '../lib/redact.js';
import { keyId, streamKey } from '../contracts/stream-key.js';
import { startLookout, type ConfigOutcome, type Lookout } from '../main.js';
import { supervisorAccess } from '../control/mqtt/supervisor-broker.js';
import { announceToSupervisor, discoveryConfig } from '../control/supervisor/discovery.js';

export interface ServeOptions {
  configFile: string | null;
  port?: number;
  host?: string;
}

export async function serve(opts: ServeOptions): Promise<number> {
  // The app's one redactor: the logger writes through it, startLookout feeds it the config's secrets.
  const redactor = new SecretRedactor();
  const log = createLogger({ redactor });
  let demo: Demo | null = null;
  let reloadConfig: (() => Promise<ConfigOutcome>) | undefined;
  let config;

  if (opts.configFile) {
    const file = resolve(opts.configFile);
    const first = await loadConfig(file);
    if (!first.ok) {
      process.stderr.write(
        `invalid config ${file}: ${first.errors.length} problem(s); nothing started\n${formatIssues(first.errors, file)}\n`,
      );
      return 1;
    }
    // In the add-on, its options (environment) override a few settings of the file, on every load.
    const options = (c: ResolvedConfig) => applyAddonOptions(c, process.env);
    config = options(first.config);
    redactor.setSecrets(config.secrets);
    reloadConfig = async () => {
      const r = await loadConfig(file);
      if (!r.ok) return { ok: false, issues: r.errors };
      try {
        return { ok: true, config: options(r.config) };
      } catch (err) {
        return { ok: false, issues: [{ path: '', message: (err as Error).message }] };
      }
    };
  } else {
    demo = await startDemo({ log, port: opts.port, host: opts.host });
    config = demo.config;
  }

  let lookout;
  try {
    lookout = await startLookout({
      config,
      log,
      redactor,
      reloadConfig,
      watchFile: opts.configFile ? resolve(opts.configFile) : null,
      listen: { port: opts.port, host: opts.host },
      // MediaMTX (WebRTC, RTSP restream, SRT) when its binary is found; one log line when not.
      gateway: gatewayOptionsFromEnv(process.env, opts.host ?? config.server.host),
    });
  } catch (err) {
    await demo?.close();
    throw err;
  }
  // In the add-on: tell HA's Lookout integration where this Lookout is (Supervisor discovery), so
  // the user only confirms it. Outside the add-on there is no Supervisor to tell.
  const access = supervisorAccess(process.env);
  if (access) {
    const port = Number(new URL(lookout.url).port);
    announceToSupervisor(access, discoveryConfig(port, config.server.token)).then(
      (uuid) => log.info({ uuid }, 'announced to Home Assistant (Supervisor discovery)'),
      (err: unknown) =>
        log.warn(
          { err: (err as Error).message },
          'Supervisor discovery failed; add the Lookout integration by URL and token instead',
        ),
    );
  }
  process.stdout.write(
    `\nLookout is running${demo ? ` in demo mode (4 synthetic cameras${demo.srtlaPort ? `, a bonded phone on SRTLA port ${demo.srtlaPort}` : ''})` : ''}.\n  API:     ${lookout.url}/api/streams\n  Health:  ${lookout.url}/api/health\n  Metrics: ${lookout.url}/metrics\n  LL-HLS:  ${lookout.url}/hls/<camera>/<main|sub>/index.m3u8\n${lookout.tlsUrl ? `  HTTP/2:  ${lookout.tlsUrl} (same routes, self-signed TLS)\n` : ''}${gatewayLines(lookout)}\n`,
  );

  return new Promise<number>((done) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      process.off('SIGHUP', onHup);
      void lookout
        .stop()
        .then(() => demo?.close())
        .then(
          () => done(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            done(1);
          },
        );
    };
    const onHup = () => {
      log.info('SIGHUP: reloading config');
      void lookout.reload();
    };
    process.on('SIGHUP', onHup);
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

/** The demo's MediaMTX lines: the WebRTC panel and one restream URL per camera profile. */
function gatewayLines(lookout: Lookout): string {
  const gw = lookout.gateway;
  if (!gw) return '  MediaMTX: not running (no WebRTC, RTSP restream or SRT; see the log line above)\n';
  const host = gw.publicHost(new URL(lookout.url).hostname);
  // The password is not printed (terminals end up in logs and issues): the panel's camera menu and
  // GET /api/cameras show it.
  const lines = [
    `  WebRTC:  ${lookout.url}/?tech=webrtc`,
    `  RTSP restream (user ${gw.users.restream.user}; password in the panel's camera menu or GET /api/cameras):`,
  ];
  for (const cam of lookout.supervisor.cameras()) {
    for (const name of ['main', 'sub'] as const) {
      const key = streamKey(cam.id, name);
      if (cam.profiles[name] && gw.hasPath(key))
        lines.push(`    ${keyId(key)}: ${gw.restreamUrl(key, host)}`);
    }
  }
  return lines.join('\n') + '\n';
}
