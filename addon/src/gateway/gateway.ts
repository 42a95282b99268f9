/**
 * MediaMTX as a supervised child of Lookout: the gateway that pulls each camera stream once and
 * serves it to Lookout's own FFmpeg (loopback RTSP), to WebRTC viewers (WHEP, proxied through
 * Lookout's origin), to RTSP restream clients (HA's generic camera, Frigate) and that takes SRT
 * ingest. Same process rules as FFmpeg (lib/child-process.ts): own process group, pipes drained,
 * exit awaited, SIGTERM then SIGKILL, PID recorded so a crashed predecessor's MediaMTX is ended.
 *
 *   stopped ──start()──▶ starting ──/v3/info answers──▶ up
 *                           ▲   │ exited / 3 failed health checks (killed)
 *                           │   ▼
 *                           └─ backoff (0.5→1→2→5→10 s; reset after 30 s up)
 *
 * The config file is regenerated on start and on every Lookout config reload; MediaMTX watches it
 * and applies changes itself (only changed paths restart).
 */
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../contracts/config.js';
import type { GatewayPathStatus, GatewayStatus } from '../contracts/api.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';
import { lineSplitter, spawnChild, type ChildProcess } from '../lib/child-process.js';
import type { Logger } from '../lib/log.js';
import { restreamPathName, type SourceRouting } from '../sources/resolve.js';
import { Backoff } from '../supervisor/backoff.js';
import { PidRegistry } from '../supervisor/pid-registry.js';
import { loadOrCreateUsers } from './credentials.js';
import { MediamtxApi } from './mediamtx-api.js';
import {
  buildMediamtxConfig,
  gatewayPaths,
  MEDIAMTX_VERSION,
  renderMediamtxConfig,
  type GatewayListen,
  type GatewayUsers,
} from './mediamtx-config.js';

export const DEFAULT_LISTEN: GatewayListen = {
  host: '',
  rtspPort: 8554,
  webrtcPort: 8189,
  srtPort: 8890,
  apiPort: 9997,
  whepPort: 8889,
  webrtcHosts: [],
  webrtcInterfaces: true,
};

export interface GatewayOptions {
  binary: string;
  config: ResolvedConfig;
  log: Logger;
  listen?: Partial<GatewayListen>;
  /** Host name put into the restream / SRT URLs shown to users; null: the requesting Host header. */
  publicHost?: string | null;
  /** Default `<dataDir>/mediamtx`: the config file, generated users and PID records. */
  dir?: string;
  backoffStepsMs?: number[];
  healthIntervalMs?: number;
  /** start() waits this long for the first healthy answer. */
  startTimeoutMs?: number;
}

export type GatewayState = 'stopped' | 'starting' | 'up' | 'backoff';

const HEALTH_FAILURES_TO_KILL = 3;
const RESET_AFTER_MS = 30_000;

export class MediamtxGateway extends EventEmitter<{ state: [GatewayState, string] }> {
  readonly listen: GatewayListen;
  readonly configFile: string;
  readonly users: GatewayUsers;
  private readonly api: MediamtxApi;
  private readonly pids: PidRegistry;
  private readonly log: Logger;
  private readonly backoff: Backoff;
  private config: ResolvedConfig;
  private child: ChildProcess | null = null;
  private state: GatewayState = 'stopped';
  private reason = 'not started';
  private upSince = 0;
  private healthFailures = 0;
  private healthTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private version: string | null = null;
  private readonly counters = { starts: 0, restarts: 0, healthKills: 0 };
  private lastExit = '';
  /** Last MediaMTX log lines (it logs to stdout), for the start failure message. */
  private recentLines: string[] = [];

  constructor(private readonly opts: GatewayOptions) {
    super();
    this.listen = { ...DEFAULT_LISTEN, ...opts.listen };
    this.config = opts.config;
    this.log = opts.log.child({ component: 'mediamtx' });
    const dir = opts.dir ?? join(opts.config.server.dataDir, 'mediamtx');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.configFile = join(dir, 'mediamtx.yml');
    this.users = loadOrCreateUsers(join(dir, 'users.json')).users;
    this.pids = new PidRegistry(join(dir, 'children.json'));
    this.api = new MediamtxApi(`http://127.0.0.1:${this.listen.apiPort}`);
    this.backoff = new Backoff(opts.backoffStepsMs ?? [500, 1000, 2000, 5000, 10_000]);
  }

  /** Where Lookout's FFmpeg reads every gateway path (sources/resolve.ts appends the path name). */
  get restreamBase(): string {
    return `rtsp://127.0.0.1:${this.listen.rtspPort}`;
  }

  /**
   * How the supervisor and the SRTLA receivers reach the gateway: the loopback restream, and its SRT
   * server for `srt:` profiles (published as `publish:<path>`, path names from restreamPathName).
   */
  get routing(): Required<SourceRouting> {
    return { restreamBase: this.restreamBase, srtIngest: { host: '127.0.0.1', port: this.listen.srtPort } };
  }

  get currentState(): GatewayState {
    return this.state;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Ends a crashed predecessor's MediaMTX, writes the config, starts, waits for the first health answer. */
  async start(): Promise<void> {
    for (const rec of await this.pids.reapLeftovers())
      this.log.warn({ pid: rec.pid }, 'ended a leftover MediaMTX from a previous run');
    this.stopping = false;
    // Another MediaMTX answering on our API port would pass every health check of ours.
    const foreign = await this.api.info().then(
      (i) => i.version.trim(),
      () => null,
    );
    if (foreign !== null)
      throw new Error(
        `another MediaMTX (${foreign}) already answers on 127.0.0.1:${this.listen.apiPort}; set LOOKOUT_MEDIAMTX_API_PORT or stop it`,
      );
    this.writeConfig();
    this.spawn('start');
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 10_000);
    const first = this.child;
    while (this.state !== 'up') {
      // A MediaMTX that exits before it ever answered (a port in use, a config it rejects) is not
      // retried here: the caller decides to run without it.
      if (this.counters.restarts > 0 || (first && !first.running && this.child === null)) {
        const tail = this.recentLines.slice(-3).join(' | ');
        await this.stop();
        throw new Error(`MediaMTX exited at start (${this.lastExit}): ${tail}`);
      }
      if (Date.now() > deadline) {
        const why = `MediaMTX did not answer its API within ${(this.opts.startTimeoutMs ?? 10_000) / 1000} s (${this.lastExit || this.reason})`;
        await this.stop();
        throw new Error(why);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A reloaded Lookout config: new file; MediaMTX re-reads it (only changed paths restart). */
  apply(config: ResolvedConfig): void {
    this.config = config;
    this.writeConfig();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.clearTimers();
    const child = this.child;
    if (child) await child.stop(3000);
    this.setState('stopped', 'stopped');
  }

  /** `rtsp://host:port/<camera>_<profile>` for restream clients (credentials apart: see status). */
  restreamUrl(key: StreamKey, host: string): string {
    return `rtsp://${hostPart(host)}:${this.listen.rtspPort}/${restreamPathName(key)}`;
  }

  /** The SRT address an encoder (or the SRTLA receiver) publishes a key's stream to. */
  srtPublishUrl(key: StreamKey, host: string): string {
    const { user, pass } = this.users.publisher;
    return `srt://${hostPart(host)}:${this.listen.srtPort}?streamid=publish:${restreamPathName(key)}:${user}:${pass}&pkt_size=1316`;
  }

  /** MediaMTX's WHEP endpoint for a key (loopback; Lookout's origin proxies it). */
  whepUrl(key: StreamKey, suffix = ''): string {
    return `http://127.0.0.1:${this.listen.whepPort}/${restreamPathName(key)}/whep${suffix}`;
  }

  publicHost(requestHost: string | undefined): string {
    if (this.opts.publicHost) return this.opts.publicHost;
    const h = (requestHost ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return h || '127.0.0.1';
  }

  hasPath(key: StreamKey): boolean {
    return gatewayPaths(this.config).some((p) => keyId(p.key) === keyId(key));
  }

  /** Process state plus every path's readers and bytes from the control API. */
  async status(): Promise<GatewayStatus> {
    let paths: GatewayPathStatus[] = [];
    let apiError: string | null = null;
    if (this.state === 'up') {
      try {
        const live = new Map((await this.api.paths()).map((p) => [p.name, p]));
        paths = gatewayPaths(this.config).map((p) => {
          const m = live.get(p.name);
          return {
            path: p.name,
            key: keyId(p.key),
            kind: p.kind,
            available: m?.available ?? false,
            source: m?.available ? (m.source?.type ?? null) : null,
            readers: (m?.readers ?? []).map((r) => r.type),
            inboundBytes: m?.inboundBytes ?? 0,
            outboundBytes: m?.outboundBytes ?? 0,
          };
        });
      } catch (err) {
        apiError = (err as Error).message;
      }
    }
    return {
      state: this.state,
      reason: this.reason,
      version: this.version ?? MEDIAMTX_VERSION,
      pid: this.pid,
      upSince: this.upSince ? new Date(this.upSince).toISOString() : null,
      counters: { ...this.counters },
      apiError,
      paths,
    };
  }

  // ── process lifecycle ─────────────────────────────────────────────────────────────────────

  private writeConfig(): void {
    const text = renderMediamtxConfig(buildMediamtxConfig(this.config, this.listen, this.users));
    const tmp = `${this.configFile}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    chmodSync(tmp, 0o600); // an existing tmp keeps its old mode otherwise
    renameSync(tmp, this.configFile);
  }

  private spawn(why: string): void {
    if (this.child || this.stopping) return;
    this.counters.starts += 1;
    const logLine = lineSplitter((line) => this.onLogLine(line));
    const child = spawnChild({
      file: this.opts.binary,
      // The config path is the only argument: no credential in any process's command line.
      args: [this.configFile],
      records: this.pids,
      label: 'mediamtx',
      onStdout: logLine,
      onStderr: logLine,
    });
    this.child = child;
    this.healthFailures = 0;
    this.setState('starting', why);
    this.log.info({ pid: child.pid, config: this.configFile }, `MediaMTX started (${why})`);
    void child.exited.then((exit) => this.onExit(child, exit));
    this.healthTimer ??= setInterval(() => void this.checkHealth(), this.opts.healthIntervalMs ?? 1000);
    void this.checkHealth();
  }

  private onLogLine(line: string): void {
    if (!line.trim()) return;
    this.recentLines.push(line);
    if (this.recentLines.length > 10) this.recentLines.shift();
    // MediaMTX levels: DEB, INF, WAR, ERR.
    if (/\b(ERR|WAR)\b/.test(line)) this.log.warn(line);
    else this.log.debug(line);
  }

  private async checkHealth(): Promise<void> {
    const child = this.child;
    if (!child) return;
    try {
      const info = await this.api.info();
      if (child !== this.child) return;
      this.version = info.version.trim();
      this.healthFailures = 0;
      if (this.state !== 'up') {
        this.upSince = Date.now();
        this.setState('up', `API answers (MediaMTX ${this.version})`);
      } else if (Date.now() - this.upSince > RESET_AFTER_MS) {
        this.backoff.reset();
      }
    } catch (err) {
      if (child !== this.child) return;
      // While starting, a refused connection is expected; once up, repeated failures mean hung.
      if (this.state !== 'up') return;
      this.healthFailures += 1;
      if (this.healthFailures >= HEALTH_FAILURES_TO_KILL) {
        this.counters.healthKills += 1;
        this.log.warn({ err: (err as Error).message }, 'MediaMTX stopped answering its API; killing it');
        child.signal('SIGKILL');
      }
    }
  }

  private onExit(
    child: ChildProcess,
    exit: { code: number | null; signal: string | null; stderrTail: string },
  ): void {
    if (child !== this.child) return;
    this.child = null;
    this.lastExit = exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`;
    if (this.stopping) return;
    this.counters.restarts += 1;
    const delay = this.backoff.next();
    this.upSince = 0;
    this.setState(
      'backoff',
      `MediaMTX ended (${this.lastExit}); restarting in ${(delay / 1000).toFixed(1)} s`,
    );
    this.log.warn({ exit: this.lastExit, delayMs: delay }, 'MediaMTX ended; restart scheduled');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.writeConfig();
      this.spawn('restart after exit');
    }, delay);
  }

  private clearTimers(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.healthTimer = null;
    this.retryTimer = null;
  }

  private setState(state: GatewayState, reason: string): void {
    this.state = state;
    this.reason = reason;
    this.emit('state', state, reason);
  }
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
