/**
 * One stream key's lifecycle: a state machine around at most one FFmpeg process.
 * (MediaMTX keeps a muxer's lifetime apart from its crashing instance; here the runner lives as long
 * as the key is configured, and FfmpegProcess is the part that can crash and be replaced.)
 *
 * Rules it enforces (FIELD-NOTES #2-#5):
 * - single flight: a new process is spawned only after the previous one's exit was observed;
 * - liveness = media bytes arriving, not "process exists": no media for the stall timeout
 *   (start-up grace while starting) means stalled → kill → backoff;
 * - backoff ladder with jitter, reset after a stable live period; while the source is down a cheap
 *   probe decides when to try again, so FFmpeg is spawned at most once per step;
 * - every restart is logged with key, reason and the stderr tail.
 * All transitions happen in this class, from timers and process events; nobody else mutates it.
 */
import type { ResolvedProfile } from '../contracts/config.js';
import type {
  StreamProgress,
  StreamState,
  StreamStateEvent,
  StreamStatus,
} from '../contracts/stream-state.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';
import type { Logger } from '../lib/log.js';
import { resolveSource, type SourceRouting } from '../sources/resolve.js';
import { Backoff } from './backoff.js';
import { buildFfmpegArgs, PROBE_TOO_SHORT_RE } from './ffmpeg-args.js';
import { FfmpegProcess, type ExitInfo } from './ffmpeg-process.js';
import type { PidRegistry } from './pid-registry.js';
import { probeSource, type ProbeResult } from './probe.js';

/** Where media goes: the hub for this key (live outputs, snapshots, recorder read from it). */
export interface StreamSink {
  init(segment: Buffer): void;
  fragment(fragment: Buffer): void;
  /** The process ended (any reason); a new init follows if it restarts. */
  end(reason: string): void;
}

export interface RunnerDeps {
  key: StreamKey;
  profile: ResolvedProfile;
  ffmpegPath: string;
  routing: SourceRouting;
  log: Logger;
  pids: PidRegistry;
  sink: StreamSink | null;
  onState: (event: StreamStateEvent) => void;
  probe?: (url: string) => Promise<ProbeResult>;
}

const WATCHDOG_MS = 250;
const STOP_GRACE_MS = 2000;
const BITRATE_WINDOW_MS = 5000;
/** stderr patterns that mean "a human must fix this", not "try again soon". */
const NEEDS_HUMAN_RE =
  /\b(401|403|404)\b|Unauthorized|Forbidden|Not Found|No such file or directory|Invalid argument/i;

export class StreamRunner {
  readonly key: StreamKey;
  readonly id: string;
  private profile: ResolvedProfile;
  private backoff: Backoff;
  private state: StreamState = 'idle';
  private reason = 'no consumers';
  private since = Date.now();
  private desired = false;
  private restartAfterStop = false;
  private proc: FfmpegProcess | null = null;
  private lastExitTail: string[] = [];
  private spawnedAt = 0;
  private lastMediaAt = 0;
  private liveSince: number | null = null;
  /** spawn → first fragment of the last start that reached live (StreamStatus.startLatencyMs). */
  private startLatencyMs: number | null = null;
  private nextAttemptAt: number | null = null;
  /** The last attempt ended because probing was too short: probe longer next time. */
  private longProbe = false;
  private sawSourceDown = false;
  private probing = false;
  private watchdog: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly counters = { spawns: 0, restarts: 0, stalls: 0 };
  private progress: StreamProgress = emptyProgress();
  private byteSamples: Array<[number, number]> = [];
  private readonly log: Logger;

  constructor(private readonly deps: RunnerDeps) {
    this.key = deps.key;
    this.id = keyId(deps.key);
    this.profile = deps.profile;
    this.backoff = new Backoff(deps.profile.tuning.backoffStepsMs);
    this.log = deps.log.child({ key: this.id });
  }

  get currentState(): StreamState {
    return this.state;
  }

  get tuning() {
    return this.profile.tuning;
  }

  get alwaysOn(): boolean {
    return this.profile.alwaysOn;
  }

  /** The supervisor's verdict from leases/always_on: should this key run? */
  setDesired(want: boolean, why: string): void {
    if (want) {
      this.desired = true;
      if (this.state === 'idle') this.spawn(why);
      else if (this.state === 'stopping') this.restartAfterStop = true;
      return;
    }
    this.desired = false;
    this.restartAfterStop = false;
    if (this.proc) {
      if (this.state !== 'stopping') this.beginStop(why);
    } else if (this.state !== 'idle') {
      this.clearRetry();
      this.setState('idle', why);
    }
  }

  /**
   * A consumer wants media now (lease acquired). Never answer with a stale "already running"
   * (FIELD-NOTES #4): a key waiting in backoff is retried at once, and a live key whose media
   * stopped is treated as stalled right away.
   */
  kick(why: string): void {
    if (!this.desired) return this.setDesired(true, why);
    switch (this.state) {
      case 'backoff':
      case 'failed':
        this.spawn(`${why}: retrying now`);
        break;
      case 'live':
        if (Date.now() - this.lastMediaAt > this.profile.tuning.stallTimeoutMs) {
          this.stall(`no media for ${secs(Date.now() - this.lastMediaAt)}s (seen on ${why})`);
        }
        break;
      case 'stopping':
        this.restartAfterStop = true;
        break;
      default:
        break; // starting or stalled: a restart is already in flight
    }
  }

  /** New profile from a config reload: takes effect through a restart if the key is running. */
  replaceProfile(profile: ResolvedProfile, why: string): void {
    this.profile = profile;
    this.backoff = new Backoff(profile.tuning.backoffStepsMs);
    if (this.proc) {
      this.restartAfterStop = this.desired;
      if (this.state !== 'stopping') this.beginStop(why);
    } else if (this.desired && (this.state === 'backoff' || this.state === 'failed')) {
      this.spawn(why);
    }
  }

  /** Stops for good (camera removed, shutdown); resolves once the process is confirmed dead. */
  async shutdown(why: string): Promise<void> {
    this.desired = false;
    this.restartAfterStop = false;
    this.clearRetry();
    if (this.proc) {
      if (this.state !== 'stopping') this.beginStop(why);
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    } else if (this.state !== 'idle') {
      this.setState('idle', why);
    }
  }

  status(): Omit<StreamStatus, 'leases' | 'media'> {
    return {
      key: this.id,
      camera: this.key.camera,
      profile: this.key.profile,
      state: this.state,
      reason: this.reason,
      since: new Date(this.since).toISOString(),
      liveSince: this.liveSince ? new Date(this.liveSince).toISOString() : null,
      startLatencyMs: this.startLatencyMs,
      alwaysOn: this.profile.alwaysOn,
      pid: this.proc?.pid ?? null,
      counters: { ...this.counters },
      progress: {
        ...this.progress,
        bitrateKbps: this.bitrateKbps(),
        lastMediaAt: this.lastMediaAt ? new Date(this.lastMediaAt).toISOString() : null,
      },
      nextAttemptAt: this.nextAttemptAt ? new Date(this.nextAttemptAt).toISOString() : null,
      backoffStep: this.backoff.attempt,
      stderrTail: this.proc ? this.proc.stderr.tail(100) : this.lastExitTail,
    };
  }

  // ── process lifecycle ─────────────────────────────────────────────────────────────────────

  private spawn(why: string): void {
    if (this.proc) return; // single flight: the exit handler decides what comes next
    this.clearRetry();
    const source = resolveSource(this.key, this.profile, this.deps.routing);
    const args = buildFfmpegArgs(this.profile, source, { longProbe: this.longProbe });
    this.progress = emptyProgress();
    this.byteSamples = [];
    this.spawnedAt = Date.now();
    this.lastMediaAt = 0;
    this.counters.spawns += 1;
    const proc: FfmpegProcess = new FfmpegProcess({
      ffmpegPath: this.deps.ffmpegPath,
      args,
      records: this.deps.pids,
      label: this.id,
      events: {
        bytes: (n) => this.onBytes(proc, n),
        init: (seg) => {
          if (proc === this.proc) this.deps.sink?.init(seg);
        },
        fragment: (frag) => this.onFragment(proc, frag),
        progress: (p) => {
          if (proc !== this.proc) return;
          this.progress.frames = p.frames;
          this.progress.fps = p.fps;
          this.progress.speed = p.speed;
        },
        exit: (info) => this.onExit(proc, info),
      },
    });
    this.proc = proc;
    this.setState('starting', why);
    this.log.info(
      { pid: proc.pid, source: source.displayUrl, spawns: this.counters.spawns },
      'ffmpeg started',
    );
    this.watchdog ??= setInterval(() => this.checkProgress(), WATCHDOG_MS);
  }

  private onBytes(proc: FfmpegProcess, n: number): void {
    if (proc !== this.proc) return;
    const now = Date.now();
    this.lastMediaAt = now;
    this.progress.bytes += n;
    // Called per stdout chunk (several per fragment): keep it to arithmetic. The ISO time is made when
    // status is read, and samples are bucketed per 100 ms so the bitrate window stays a short array.
    const last = this.byteSamples[this.byteSamples.length - 1];
    if (last && now - last[0] < 100) last[1] += n;
    else this.byteSamples.push([now, n]);
    while (this.byteSamples.length && this.byteSamples[0]![0] < now - BITRATE_WINDOW_MS)
      this.byteSamples.shift();
  }

  private onFragment(proc: FfmpegProcess, frag: Buffer): void {
    if (proc !== this.proc) return;
    this.progress.fragments += 1;
    this.deps.sink?.fragment(frag);
    if (this.state === 'starting') {
      this.liveSince = Date.now();
      this.startLatencyMs = this.liveSince - this.spawnedAt;
      this.setState('live', `media flowing (${this.startLatencyMs} ms after start)`);
    }
  }

  private checkProgress(): void {
    const now = Date.now();
    const t = this.profile.tuning;
    if (this.state === 'starting' && now - this.spawnedAt > t.startupGraceMs) {
      this.stall(`no media within the start-up grace of ${secs(t.startupGraceMs)}s`);
    } else if (this.state === 'live' && now - this.lastMediaAt > t.stallTimeoutMs) {
      this.stall(`no media for ${secs(now - this.lastMediaAt)}s`);
    }
  }

  /** Media stopped while the process still exists (hung FFmpeg, frozen camera): kill it. */
  private stall(why: string): void {
    if (!this.proc) return;
    if (this.state === 'live') this.counters.stalls += 1;
    this.setState('stalled', why);
    this.log.warn({ reason: why, stderrTail: this.proc.stderr.tail(10) }, 'stream stalled; stopping ffmpeg');
    void this.proc.stop(STOP_GRACE_MS);
  }

  private beginStop(why: string): void {
    this.setState('stopping', why);
    void this.proc?.stop(STOP_GRACE_MS);
  }

  private onExit(proc: FfmpegProcess, info: ExitInfo): void {
    if (proc !== this.proc) return;
    this.proc = null;
    this.lastExitTail = proc.stderr.tail(100);
    this.longProbe = info.stderrTail.some((l) => PROBE_TOO_SHORT_RE.test(l));
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    const summary = exitSummary(info);
    this.deps.sink?.end(summary);

    if (this.state === 'stopping') {
      const again = this.desired && this.restartAfterStop;
      this.restartAfterStop = false;
      this.liveSince = null;
      if (again) this.spawn(`restart after: ${this.reason}`);
      else this.setState('idle', this.reason);
      this.flushIdleWaiters();
      return;
    }

    // Anything else is a failure: the process died on its own, or we killed it for stalling.
    const from = this.state;
    const why = from === 'stalled' ? this.reason : `ffmpeg exited (${summary})`;
    if (from === 'live') {
      this.counters.stalls += 1;
      this.setState('stalled', why);
    }
    this.log.warn(
      { from, reason: why, exit: summary, stderrTail: info.stderrTail.slice(-10) },
      'ffmpeg ended',
    );
    if (!this.desired) {
      this.setState('idle', 'no consumers');
      this.flushIdleWaiters();
      return;
    }
    this.counters.restarts += 1;
    this.enterBackoff(why, info);
  }

  // ── backoff and probing ───────────────────────────────────────────────────────────────────

  private enterBackoff(why: string, info: ExitInfo): void {
    const t = this.profile.tuning;
    // A stream that was live for a stable period starts the ladder again from the bottom.
    if (this.liveSince !== null && this.lastMediaAt - this.liveSince >= t.backoffResetAfterMs)
      this.backoff.reset();
    this.liveSince = null;
    const needsHuman = info.stderrTail.some((l) => NEEDS_HUMAN_RE.test(l));
    const delay = needsHuman ? this.backoff.capMs() : this.backoff.next();
    this.nextAttemptAt = Date.now() + delay;
    this.sawSourceDown = false;
    this.setState(needsHuman ? 'failed' : 'backoff', `${why}; next attempt in ${secs(delay)}s`);
    this.log.warn({ delayMs: delay, step: this.backoff.attempt }, `restart scheduled (${this.state})`);
    this.retryTimer = setTimeout(() => void this.onRetryDue(), delay);
    // A camera rejecting our credentials is reachable; probing would only say "up" forever.
    if (!needsHuman) this.probeTimer = setInterval(() => void this.probeTick(), t.probeIntervalMs);
  }

  private async onRetryDue(): Promise<void> {
    this.retryTimer = null;
    if (!this.desired || (this.state !== 'backoff' && this.state !== 'failed')) return;
    const result = await this.probe();
    if (this.proc || !this.desired || (this.state !== 'backoff' && this.state !== 'failed')) return;
    if (result === 'down') {
      // Still away: skip this step's spawn, wait for the next step (or the probe seeing it return).
      this.sawSourceDown = true;
      const delay = this.backoff.next();
      this.nextAttemptAt = Date.now() + delay;
      this.setState(
        'backoff',
        `source unreachable; next check in ${secs(delay)}s (probing every ${secs(this.profile.tuning.probeIntervalMs)}s)`,
      );
      this.retryTimer = setTimeout(() => void this.onRetryDue(), delay);
      return;
    }
    this.spawn('backoff elapsed');
  }

  private async probeTick(): Promise<void> {
    if (this.probing || this.state !== 'backoff') return;
    this.probing = true;
    try {
      const result = await this.probe();
      if (this.state !== 'backoff' || this.proc) return;
      if (result === 'down') this.sawSourceDown = true;
      else if (result === 'up' && this.sawSourceDown) this.spawn('source reachable again');
    } finally {
      this.probing = false;
    }
  }

  private probe(): Promise<ProbeResult> {
    const source = resolveSource(this.key, this.profile, this.deps.routing);
    return (this.deps.probe ?? probeSource)(source.url);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.retryTimer = null;
    this.probeTimer = null;
    this.nextAttemptAt = null;
  }

  // ── bookkeeping ───────────────────────────────────────────────────────────────────────────

  private setState(to: StreamState, reason: string): void {
    const from = this.state;
    if (to !== 'backoff' && to !== 'failed') this.clearRetry();
    // A key that went idle on purpose starts its next life at the bottom of the ladder.
    if (to === 'idle') this.backoff.reset();
    this.state = to;
    this.reason = reason;
    this.since = Date.now();
    this.deps.onState({
      type: 'state',
      key: this.id,
      from,
      to,
      reason,
      at: new Date(this.since).toISOString(),
    });
  }

  private flushIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private bitrateKbps(): number {
    if (this.byteSamples.length < 2) return 0;
    const span = Date.now() - this.byteSamples[0]![0];
    if (span <= 0) return 0;
    const bytes = this.byteSamples.reduce((s, [, n]) => s + n, 0);
    return Math.round((bytes * 8) / span);
  }
}

function emptyProgress(): StreamProgress {
  return { bytes: 0, fragments: 0, frames: 0, fps: 0, speed: 0, bitrateKbps: 0, lastMediaAt: null };
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(1).replace(/\.0$/, '');
}

function exitSummary(info: ExitInfo): string {
  const how = info.signal ? `signal ${info.signal}` : `code ${info.code}`;
  const last = info.mediaError ?? info.stderrTail[info.stderrTail.length - 1];
  return last ? `${how}: ${last}` : how;
}
