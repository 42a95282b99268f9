/**
 * `lookout serve`: load the config (or start the demo), run until SIGINT/SIGTERM, reload on SIGHUP
 * and on file change. Shutdown always goes through Lookout.stop(), which waits for every FFmpeg.
 */
import { resolve } from 'node:path';
import { formatIssues, loadConfig } from '../config/index.js';
import { startDemo, type Demo } from '../demo/demo.js';
import { createLogger } from '../lib/log.js';
import { startLookout, type ConfigOutcome } from '../main.js';

export interface ServeOptions {
  configFile: string | null;
  port?: number;
  host?: string;
}

export async function serve(opts: ServeOptions): Promise<number> {
  const log = createLogger();
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
    config = first.config;
    reloadConfig = async () => {
      const r = await loadConfig(file);
      return r.ok ? { ok: true, config: r.config } : { ok: false, issues: r.errors };
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
      reloadConfig,
      watchFile: opts.configFile ? resolve(opts.configFile) : null,
      listen: { port: opts.port, host: opts.host },
    });
  } catch (err) {
    await demo?.close();
    throw err;
  }
  process.stdout.write(
    `\nLookout is running${demo ? ` in demo mode (4 synthetic cameras${demo.srtlaPort ? `, a bonded phone on SRTLA port ${demo.srtlaPort}` : ''})` : ''}.\n  API:     ${lookout.url}/api/streams\n  Health:  ${lookout.url}/api/health\n  Metrics: ${lookout.url}/metrics\n  LL-HLS:  ${lookout.url}/hls/<camera>/<main|sub>/index.m3u8\n${lookout.tlsUrl ? `  HTTP/2:  ${lookout.tlsUrl} (same routes, self-signed TLS)\n` : ''}\n`,
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
