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
import type { ResolvedProfile, RtspLowerTransport, RtspTransport } from '../contracts/config.js';
import type {
  StreamProgress,
  StreamSourceFacts,
  StreamState,
  StreamStateEvent,
  StreamStatus,
} from '../contracts/stream-state.js';
import { parseInitSegment } from '../lib/mp4/index.js';
import { keyId, type StreamKey } from '../contracts/stream-key.js';
import type { Logger } from '../lib/log.js';
import type { ContainerMemory } from './container-memory.js';
import type { Redactor } from '../lib/redact.js';
import { pickTransport, resolveSource, TCP_REFUSED_RE, type SourceRouting } from '../sources/resolve.js';
import { Backoff } from './backoff.js';
import { buildFfmpegArgs, FLV_REFUSED_RE, PROBE_TOO_SHORT_RE } from './ffmpeg-args.js';
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

/**
 * A key fed from another key's hub instead of a camera (an H.264 variant, StreamKey.variant): FFmpeg
 * reads fMP4 on stdin. `attach` starts feeding `write` and returns the detach function; `restarted`
 * is called when the source key restarts (its new init cannot follow on the same stdin).
 */
export interface HubInput {
  args(): string[];
  attach(write: (chunk: Buffer) => Promise<void> | void, restarted: (why: string) => void): () => void;
}

export interface RunnerDeps {
  key: StreamKey;
  profile: ResolvedProfile;
  ffmpegPath: string;
  routing: SourceRouting;
  log: Logger;
  /** Masks credentials in FFmpeg's stderr as it is kept (status, `reason`, log lines). */
  redactor: Redactor;
  pids: PidRegistry;
  sink: StreamSink | null;
  onState: (event: StreamStateEvent) => void;
  probe?: (url: string) => Promise<ProbeResult>;
  input?: HubInput;
  /** What a copy's camera sends, remembered across starts (container-memory.ts); absent: per runner. */
  containers?: ContainerMemory;
}

const WATCHDOG_MS = 250;
const STOP_GRACE_MS = 2000;
const BITRATE_WINDOW_MS = 5000;
/** stderr patterns that mean "a human must fix this", not "try again soon". */
const NEEDS_HUMAN_RE =
  /\b(401|403|404|461)\b|Unauthorized|Forbidden|Not Found|No such file or directory|Invalid argument/i;
/** Sample entries browsers decode in MP4 (HEVC: some; the panel asks for an H.264 variant otherwise). */
const BROWSER_VIDEO = new Set(['avc1', 'avc3', 'hvc1', 'hev1']);
/** A TCP attempt that ended like this, before any media, on a key where nothing has worked yet: try UDP. */
const TCP_TIMED_OUT_RE = /timed out|Connection timed out|Operation timed out/i;

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
  /** `transport: auto`: the transport that last delivered media for this key, and the next attempt's. */
  private workedTransport: RtspLowerTransport | null = null;
  private nextTransport: RtspLowerTransport | null = null;
  private attemptTransport: RtspLowerTransport | null = null;
  private configuredTransport: RtspTransport = 'auto';
  /** The source's video is not playable in browsers (seen in a copy attempt): encode it from now on. */
  private encodeH264 = false;
  /**
   * A copy goes to FFmpeg's mp4 muxer, not FLV (ffmpeg-args.ts outputContainer): its camera's video is
   * not H.264, or not known yet (container-memory.ts says why unknown means mp4).
   */
  private noFlv = true;
  private detachInput: (() => void) | null = null;
  private videoCodec: string | null = null;
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
    this.noFlv = deps.containers?.get(this.id) !== 'flv';
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

  /** What the source sends and what is done with it (StreamStatus.source). */
  sourceFacts(): StreamSourceFacts {
    const source = resolveSource(this.key, this.profile, this.deps.routing);
    const encodes = this.encodeH264 || source.isHttpMjpeg;
    return {
      videoCodec: this.videoCodec ?? (source.isHttpMjpeg ? 'mjpeg' : null),
      video:
        this.profile.mode === 'transcode'
          ? 'transcode'
          : encodes
            ? 'h264 encode (source not playable in browsers)'
            : 'copy',
      transport: source.isRtsp ? (this.attemptTransport ?? this.workedTransport) : null,
    };
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
      source: this.sourceFacts(),
    };
  }

  // ── process lifecycle ─────────────────────────────────────────────────────────────────────

  private spawn(why: string): void {
    if (this.proc) return; // single flight: the exit handler decides what comes next
    this.clearRetry();
    const source = resolveSource(this.key, this.profile, this.deps.routing);
    // The gateway's loopback restream forces its own (TCP); otherwise the profile's, `auto` resolved.
    this.configuredTransport = source.transport ?? this.profile.transport;
    const transport = this.nextTransport ?? pickTransport(this.configuredTransport, this.workedTransport);
    this.nextTransport = null;
    this.attemptTransport = source.isRtsp ? transport : null;
    const input = this.deps.input;
    const args = input
      ? input.args()
      : buildFfmpegArgs(this.profile, source, {
          longProbe: this.longProbe,
          transport,
          encodeH264: this.encodeH264,
          noFlv: this.noFlv,
        });
    this.progress = emptyProgress();
    this.byteSamples = [];
    this.spawnedAt = Date.now();
    this.lastMediaAt = 0;
    this.counters.spawns += 1;
    const proc: FfmpegProcess = new FfmpegProcess({
      ffmpegPath: this.deps.ffmpegPath,
      redactor: this.deps.redactor,
      args,
      records: this.deps.pids,
      label: this.id,
      stdin: input !== undefined,
      events: {
        bytes: (n) => this.onBytes(proc, n),
        init: (seg) => {
          if (proc === this.proc && this.checkCodec(proc, seg)) this.deps.sink?.init(seg);
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
    this.detachInput = input
      ? input.attach(
          (chunk) => proc.write(chunk),
          (w) => {
            if (proc === this.proc && (this.state === 'live' || this.state === 'starting'))
              this.stall(`its source ${w}`);
          },
        )
      : null;
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
    if (this.attemptTransport) this.workedTransport = this.attemptTransport;
    if (this.state === 'starting') {
      this.liveSince = Date.now();
      this.startLatencyMs = this.liveSince - this.spawnedAt;
      this.setState('live', `media flowing (${this.startLatencyMs} ms after start)`);
    }
  }

  /**
   * A copy whose video no browser plays (MJPEG, MPEG-4 Part 2 arrive as `mp4v`) is never passed on:
   * this process is replaced at once by one that encodes H.264, remembered for the key. False: drop
   * this init.
   */
  private checkCodec(proc: FfmpegProcess, seg: Buffer): boolean {
    if (this.sourceFacts().video !== 'copy') return true; // an encode: the init shows our codec, not the camera's
    let entry: string | null = null;
    try {
      const info = parseInitSegment(seg);
      entry = info.video?.sampleEntry ?? null;
      this.videoCodec = info.video ? codecName(info.video.sampleEntry, info.video.codec) : this.videoCodec;
    } catch {
      return true; // the hub rejects it with the reason
    }
    if (entry !== null) {
      // Every later start of this copy uses what fits (an H.264 camera: FLV, one frame faster).
      const h264 = entry === 'avc1' || entry === 'avc3';
      this.noFlv = !h264;
      this.deps.containers?.set(this.id, h264 ? 'flv' : 'mp4');
    }
    if (entry === null || BROWSER_VIDEO.has(entry)) return true;
    this.encodeH264 = true;
    this.log.warn({ sampleEntry: entry }, 'source video is not playable in browsers; encoding it to H.264');
    this.restartAfterStop = this.desired;
    this.setState('stopping', `source video is ${entry} (no browser plays it): encoding to H.264`);
    void proc.stop(STOP_GRACE_MS);
    return false;
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
    this.detachInput?.();
    this.detachInput = null;
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

    if (this.desired && this.flvRefused(info)) return;

    // `transport: auto`: a server that refuses RTSP over TCP (461), or TCP timing out before any media
    // on a key where nothing has worked yet, is tried over UDP at once, not after a backoff step.
    const from = this.state;
    if (this.desired && this.attemptTransport === 'tcp' && this.configuredTransport === 'auto') {
      const refused = info.stderrTail.some((l) => TCP_REFUSED_RE.test(l));
      const timedOut =
        this.workedTransport === null &&
        this.progress.fragments === 0 &&
        (from === 'stalled' || info.stderrTail.some((l) => TCP_TIMED_OUT_RE.test(l)));
      if (refused || timedOut) {
        const why = refused ? 'the server refused RTSP over TCP (461)' : 'TCP timed out before any media';
        this.nextTransport = 'udp';
        this.workedTransport = null;
        this.log.info({ reason: why }, 'transport auto: trying UDP');
        this.spawn(`${why}: trying UDP`);
        return;
      }
    }
    // Anything else is a failure: the process died on its own, or we killed it for stalling.
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

  /**
   * A copy of a source whose video FLV cannot carry (H.265, MJPEG, MPEG-4 Part 2): FFmpeg fails at
   * its header, before any media. Started again at once, no backoff step: with FFmpeg's mp4 muxer, or
   * as an H.264 encode when no browser plays the codec anyway (what checkCodec would decide next).
   */
  private flvRefused(info: ExitInfo): boolean {
    const line = info.stderrTail.find((l) => FLV_REFUSED_RE.test(l));
    if (!line || this.noFlv || this.encodeH264 || this.progress.fragments > 0) return false;
    if (/\b(mjpeg|mpeg4)\b/i.test(line)) this.encodeH264 = true;
    else this.noFlv = true;
    this.deps.containers?.set(this.id, 'mp4');
    const why = this.encodeH264
      ? 'source video is not playable in browsers: encoding to H.264'
      : 'source video does not fit FLV: using the mp4 muxer';
    this.log.info({ stderr: line }, why);
    this.spawn(why);
    return true;
  }

  // ── backoff and probing ───────────────────────────────────────────────────────────────────

  private enterBackoff(why: string, info: ExitInfo): void {
    const t = this.profile.tuning;
    // A stream that was live for a stable period starts the ladder again from the bottom.
    if (this.liveSince !== null && this.lastMediaAt - this.liveSince >= t.backoffResetAfterMs)
      this.backoff.reset();
    this.liveSince = null;
    // Through the gateway MediaMTX answers 404 while it cannot reach the camera: an outage, retried.
    const viaGateway = !!resolveSource(this.key, this.profile, this.deps.routing).viaGateway;
    const needsHuman = !viaGateway && info.stderrTail.some((l) => NEEDS_HUMAN_RE.test(l));
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

  /** Through the gateway, "up" needs both MediaMTX and the camera behind it to answer. */
  private async probe(): Promise<ProbeResult> {
    const source = resolveSource(this.key, this.profile, this.deps.routing);
    const probe = this.deps.probe ?? probeSource;
    const first = await probe(source.url);
    return first === 'up' && source.upstreamUrl ? probe(source.upstreamUrl) : first;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.retryTimer = null;
    this.probeTimer = null;
    this.nextAttemptAt = null;
  }

  // ── bookkeeping ───────────────────────────────────────────────────────────────────────────

  private setState(to: StreamState, why: string): void {
    // The reason goes to the API, MQTT state and WS status: whatever text it quotes, no credential.
    const reason = this.deps.redactor.redact(why);
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
  // The camera's own answer (`method SETUP failed: 461 Unsupported transport`) says more than FFmpeg's
  // last line ("Protocol not supported").
  const rtsp = info.stderrTail.findLast((l) => /method \w+ failed: \d{3}/.test(l));
  const last =
    info.mediaError ??
    (rtsp ? rtsp.replace(/^.*?(method)/, '$1') : info.stderrTail[info.stderrTail.length - 1]);
  return last ? `${how}: ${last}` : how;
}

/** FFmpeg-style codec name from an MP4 sample entry (what a user reads in `ffprobe` and camera menus). */
function codecName(sampleEntry: string, codec: string): string {
  if (sampleEntry.startsWith('avc')) return 'h264';
  if (sampleEntry === 'hvc1' || sampleEntry === 'hev1') return 'hevc';
  // mp4v carries MPEG-4 Part 2 (mp4v.20) or, as FFmpeg writes it, MJPEG (object type 0x6C).
  if (sampleEntry === 'mp4v') return /^mp4v\.6c/i.test(codec) ? 'mjpeg' : 'mpeg4';
  return sampleEntry;
}
