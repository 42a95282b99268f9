/**
 * Wiring, in start order (go2rtc's main.go: the order is explicit and commented):
 *   1. redactor knows the secrets      (before anything can log a URL)
 *   2. supervisor                      (reaps leftovers from a crashed run, creates a runner per key)
 *   3. HTTP API                        (needs the supervisor to answer)
 *   4. config watcher                  (reloads apply by diff through the supervisor)
 * and one shutdown path in reverse: watcher → API → supervisor (awaits every FFmpeg's exit).
 */
import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from './contracts/config.js';
import { ConfigWatcher } from './confwatcher/watcher.js';
import { buildApi } from './control/api/app.js';
import type { Logger } from './lib/log.js';
import { redactor } from './lib/redact.js';
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
}

export type ReloadResult = { ok: true; applied: ApplyResult } | { ok: false; issues: ConfigIssueLike[] };

export interface Lookout {
  /** Base URL of the API, e.g. http://127.0.0.1:8080 */
  url: string;
  supervisor: Supervisor;
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

  const api = buildApi({ supervisor, log, version: VERSION });
  const host = opts.listen?.host ?? opts.config.server.host;
  const port = opts.listen?.port ?? opts.config.server.port;
  try {
    await api.listen({ host, port });
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  const address = api.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${boundPort}`;

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
      return { ok: true, applied: await supervisor.applyConfig(outcome.config) };
    });
    return reloading;
  };

  const watcher = opts.watchFile && opts.reloadConfig ? new ConfigWatcher(opts.watchFile, () => void reload()) : null;
  await watcher?.start();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      watcher?.close();
      await api.close();
      await supervisor.stop();
    })();
    return stopping;
  };

  log.info({ url, cameras: opts.config.cameras.length }, 'lookout is running');
  return { url, supervisor, api, reload, stop };
}

function emptyApply(): ApplyResult {
  return { added: [], removed: [], restarted: [], unchanged: [] };
}
