/**
 * The supervisor: sole owner of the key → runner map and of the lease table (MediaMTX style: one
 * owner per mutable map, everyone else asks). It turns leases and `always_on` into "should this key
 * run", applies config reloads by diff, and re-emits runner state changes as events for the API,
 * metrics and (later) MQTT.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import {
  streamProfiles,
  type ResolvedCamera,
  type ResolvedConfig,
  type ResolvedProfile,
} from '../contracts/config.js';
import { diffSlice, type Slice } from '../lib/diff.js';
import type { StreamStateEvent, StreamStatus } from '../contracts/stream-state.js';
import { keyId, parseKeyId, streamKey, type StreamKey } from '../contracts/stream-key.js';
import { conflict, notFound } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { SecretRedactor, type Redactor } from '../lib/redact.js';
import { StreamHub } from '../hub/index.js';
import { hevcAsHvc1 } from '../lib/mp4/index.js';
import type { SourceRouting } from '../sources/resolve.js';
import { buildVariantArgs, DEFAULT_H264_ENCODE } from './ffmpeg-args.js';
import { LeaseTable, leaseView, type Lease, type LeaseStats } from './leases.js';
import { PidRegistry } from './pid-registry.js';
import type { ProbeResult } from './probe.js';
import type {
  CameraDirectory,
  HubSource,
  LeaseRequest,
  StreamLeases,
  StreamStateEvents,
  StreamStatuses,
} from './ports.js';
import { StreamRunner, type HubInput } from './runner.js';
import { ContainerMemory } from './container-memory.js';

export interface SupervisorOptions {
  config: ResolvedConfig;
  log: Logger;
  ffmpegPath?: string;
  routing?: SourceRouting;
  /** Where child PIDs are recorded; default `<dataDir>/run/children.json`; null disables. */
  pidFile?: string | null;
  /**
   * Which output container each copy key's camera fits (container-memory.ts); default
   * `<dataDir>/state/video-containers.json`; null: remembered for this process only.
   */
  containerFile?: string | null;
  /** How often expired leases are swept. */
  sweepIntervalMs?: number;
  /** Replaces the reachability probe of a key (a pushed SRTLA stream: is its sender there?). */
  probe?: (key: StreamKey, url: string) => Promise<ProbeResult>;
  /** The app's redactor (its owner feeds it the config's secrets); absent: the supervisor owns one. */
  redactor?: Redactor;
}

export type { LeaseRequest } from './ports.js';

export interface ApplyResult {
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
}

type SupervisorEvents = {
  state: [StreamStateEvent];
  config: [ApplyResult];
};

export class Supervisor
  extends EventEmitter<SupervisorEvents>
  implements CameraDirectory, StreamLeases, StreamStatuses, HubSource, StreamStateEvents
{
  readonly leases = new LeaseTable();
  private config: ResolvedConfig;
  private readonly runners = new Map<string, StreamRunner>();
  /** One hub per key, living as long as the key is configured (across FFmpeg restarts). */
  private readonly hubs = new Map<string, StreamHub>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly pids: PidRegistry;
  private readonly containers: ContainerMemory;
  private readonly log: Logger;
  /** Set when no redactor was given (tests, bench): then this supervisor keeps it fed on reload. */
  private readonly ownRedactor: SecretRedactor | null;
  private readonly redactor: Redactor;
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: SupervisorOptions) {
    super();
    // Every MSE socket listens for state changes; their number is bounded by the API's socket cap
    // (control/api/limits.ts, 128), not by Node's leak warning at 10.
    this.setMaxListeners(256);
    this.config = opts.config;
    this.log = opts.log.child({ component: 'supervisor' });
    const pidFile =
      opts.pidFile === undefined ? join(opts.config.server.dataDir, 'run', 'children.json') : opts.pidFile;
    this.pids = new PidRegistry(pidFile);
    this.containers = new ContainerMemory(
      opts.containerFile === undefined
        ? join(opts.config.server.dataDir, 'state', 'video-containers.json')
        : opts.containerFile,
      this.log,
    );
    this.ownRedactor = opts.redactor ? null : new SecretRedactor();
    this.ownRedactor?.setSecrets(opts.config.secrets);
    this.redactor = opts.redactor ?? this.ownRedactor!;
  }

  async start(): Promise<void> {
    const leftovers = await this.pids.reapLeftovers();
    for (const rec of leftovers)
      this.log.warn({ pid: rec.pid, key: rec.key }, 'ended a leftover ffmpeg from a previous run');
    for (const [id, profile] of STREAMS_SLICE(this.config)) this.addRunner(parseKeyId(id), profile);
    this.sweepTimer = setInterval(() => this.sweep(), this.opts.sweepIntervalMs ?? 1000);
  }

  /** Stops every stream and waits until each FFmpeg is confirmed dead. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.idleTimers.clear();
    await Promise.all([...this.runners.values()].map((r) => r.shutdown('supervisor stopping')));
    for (const hub of this.hubs.values()) hub.close('supervisor stopping');
  }

  // ── config ────────────────────────────────────────────────────────────────────────────────

  get currentConfig(): ResolvedConfig {
    return this.config;
  }

  cameras(): ResolvedCamera[] {
    return this.config.cameras;
  }

  camera(id: string): ResolvedCamera {
    const cam = this.config.cameras.find((c) => c.id === id);
    if (!cam) throw notFound(`camera "${id}"`);
    return cam;
  }

  /**
   * Applies a new, already validated config by diff: only keys whose resolved profile changed are
   * restarted; viewers of unchanged keys never notice. Removed keys are forgotten only after their
   * process is confirmed dead.
   */
  async applyConfig(next: ResolvedConfig): Promise<ApplyResult> {
    const d = diffSlice(STREAMS_SLICE, this.config, next);
    const result: ApplyResult = { added: [], removed: [], restarted: [], unchanged: d.unchanged };
    this.config = next;
    this.ownRedactor?.setSecrets(next.secrets);

    const removals: Promise<void>[] = [];
    // A variant goes with its base key's change or removal (it is made again on demand).
    const gone = new Set([...d.removed, ...d.changed]);
    for (const [id, runner] of this.runners) {
      if (!runner.key.variant || !gone.has(keyId(streamKey(runner.key.camera, runner.key.profile)))) continue;
      this.holdBaseLease(runner, false);
      removals.push(this.removeRunner(id, runner, 'its base stream changed'));
    }
    for (const id of d.removed) {
      const runner = this.runners.get(id);
      if (!runner) continue;
      result.removed.push(id);
      removals.push(this.removeRunner(id, runner, 'removed from config'));
    }
    for (const id of d.changed) {
      const runner = this.runners.get(id);
      if (!runner) continue;
      result.restarted.push(id);
      runner.replaceProfile(d.after.get(id)!, 'config changed');
      this.reconcile(id);
    }
    for (const id of d.added) {
      if (this.runners.has(id)) continue;
      result.added.push(id);
      this.addRunner(parseKeyId(id), d.after.get(id)!);
    }
    await Promise.all(removals);
    this.log.info(result, 'config applied');
    this.emit('config', result);
    return result;
  }

  // ── leases ────────────────────────────────────────────────────────────────────────────────

  /** Takes a lease; a dead, stalled or backing-off key is restarted now (never "already running"). */
  acquireLease(key: StreamKey, req: LeaseRequest): { lease: Lease; status: StreamStatus } {
    const runner = this.runnerFor(key);
    const lease = this.leases.acquire(
      key,
      req.kind,
      req.ttlMs ?? runner.tuning.leaseTtlMs,
      req.holder ?? null,
      req.client ?? null,
      req.historyS,
    );
    this.applyHistory(runner.id);
    this.clearIdle(runner.id);
    this.holdBaseLease(runner, true);
    runner.kick(`${req.kind} lease acquired`);
    return { lease, status: this.status(key) };
  }

  /** Client leases held and refused (LEASE_LIMITS), for /metrics. */
  leaseStats(): LeaseStats {
    return this.leases.stats();
  }

  renewLease(id: string, ttlMs?: number): Lease {
    const lease = this.leases.renew(id, ttlMs);
    if (!lease) throw notFound(`lease "${id}"`);
    return lease;
  }

  releaseLease(id: string): Lease {
    const lease = this.leases.release(id);
    if (!lease) throw notFound(`lease "${id}"`);
    this.reconcile(keyId(lease.key));
    return lease;
  }

  // ── status ────────────────────────────────────────────────────────────────────────────────

  status(key: StreamKey): StreamStatus {
    return this.statusOf(this.runnerFor(key));
  }

  statuses(): StreamStatus[] {
    return [...this.runners.values()].map((r) => this.statusOf(r));
  }

  private statusOf(runner: StreamRunner): StreamStatus {
    const hub = this.hubs.get(runner.id)!;
    const h = hub.status();
    return {
      ...runner.status(),
      leases: this.leases.forKey(runner.key).map(leaseView),
      media: {
        codecs: h.codecs,
        width: h.video?.width ?? null,
        height: h.video?.height ?? null,
        gopS: h.gopS,
        fps: h.fps,
        warnings: hub.warnings().map((w) => w.message),
        readers: hub.readerCount,
      },
    };
  }

  /** The in-process fan-out for a key: live outputs, snapshots and the recorder read from it. */
  hub(key: StreamKey): StreamHub {
    this.runnerFor(key); // same 404/409 answers as every other key lookup
    return this.hubs.get(keyId(key))!;
  }

  hasKey(key: StreamKey): boolean {
    return this.runners.has(keyId(key));
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  private runnerFor(key: StreamKey): StreamRunner {
    if (key.variant) return this.ensureVariant(key);
    const runner = this.runners.get(keyId(key));
    if (runner) return runner;
    const cam = this.config.cameras.find((c) => c.id === key.camera);
    if (!cam) throw notFound(`camera "${key.camera}"`);
    if (!cam.enabled) throw conflict(`camera "${key.camera}" is disabled in the config`);
    throw notFound(`profile "${key.profile}" of camera "${key.camera}"`);
  }

  /**
   * The H.264 variant of a key, created on its first use: its own runner and hub, FFmpeg encoding the
   * base key's hub (no second camera connection). While it runs it holds a lease on the base key.
   */
  private ensureVariant(key: StreamKey): StreamRunner {
    const id = keyId(key);
    const existing = this.runners.get(id);
    if (existing) return existing;
    const base = this.runnerFor(streamKey(key.camera, key.profile));
    const baseProfile = this.camera(key.camera).profiles[key.profile]!;
    const profile: ResolvedProfile = {
      ...baseProfile,
      mode: 'transcode',
      transcode: DEFAULT_H264_ENCODE,
      audio: 'copy',
      alwaysOn: false,
    };
    const baseHub = this.hubs.get(base.id)!;
    this.addRunner(key, profile, {
      args: () => buildVariantArgs(profile, this.config.server.hwaccel),
      attach: (write, restarted) => {
        let inits = 0;
        const reader = baseHub.subscribe({
          name: `${id} encoder`,
          write: (ev) => {
            if (ev.type === 'init') return inits++ === 0 ? write(ev.init.data) : restarted('restarted');
            if (ev.type === 'fragment') return write(ev.fragment.data);
            if (ev.type === 'reset') restarted(`stopped (${ev.reason})`);
          },
        });
        return () => reader.close();
      },
    });
    return this.runners.get(id)!;
  }

  /** Drops a key's leases, stops it and forgets it (and its hub) once its FFmpeg is confirmed dead. */
  private removeRunner(id: string, runner: StreamRunner, why: string): Promise<void> {
    for (const l of this.leases.forKey(runner.key)) this.leases.release(l.id);
    this.clearIdle(id);
    return runner.shutdown(why).then(() => {
      this.runners.delete(id);
      this.hubs.get(id)?.close(why);
      this.hubs.delete(id);
    });
  }

  /** Variant id → its lease on the base key, held while the variant should run. */
  private readonly variantLeases = new Map<string, string>();

  private holdBaseLease(runner: StreamRunner, hold: boolean): void {
    if (!runner.key.variant) return;
    const held = this.variantLeases.get(runner.id);
    if (hold && !held) {
      const base = streamKey(runner.key.camera, runner.key.profile);
      const lease = this.acquireLease(base, { kind: 'viewer', holder: `${runner.id} variant` }).lease;
      this.variantLeases.set(runner.id, lease.id);
    } else if (!hold && held) {
      this.variantLeases.delete(runner.id);
      try {
        this.releaseLease(held);
      } catch {
        // expired or dropped with its camera
      }
    }
  }

  private addRunner(key: StreamKey, profile: ResolvedProfile, input?: HubInput): void {
    const hub = new StreamHub(keyId(key), { partTargetS: profile.tuning.partTargetMs / 1000 });
    this.hubs.set(keyId(key), hub);
    const runner = new StreamRunner({
      key,
      profile,
      ffmpegPath: this.opts.ffmpegPath ?? 'ffmpeg',
      routing: this.opts.routing ?? {},
      log: this.opts.log,
      redactor: this.redactor,
      pids: this.pids,
      sink: {
        // A malformed init or fragment throws here; the process wrapper then kills FFmpeg and the
        // runner restarts it like any other failure.
        init: (seg) => void hub.setInit(hevcAsHvc1(seg)),
        fragment: (frag) => void hub.pushFragment(frag),
        end: (reason) => hub.reset(reason),
      },
      onState: (ev) => this.emit('state', ev),
      input,
      probe: this.opts.probe ? (url) => this.opts.probe!(key, url) : undefined,
      containers: this.containers,
    });
    this.runners.set(runner.id, runner);
    this.reconcile(runner.id);
  }

  /** The key's hub window keeps the history its consumers' leases ask for (and shrinks when they go). */
  private applyHistory(id: string): void {
    const runner = this.runners.get(id);
    const hub = this.hubs.get(id);
    if (runner && hub) hub.setHistory(this.leases.historyS(runner.key));
  }

  /** Recomputes whether a key should run; an idle key stops only after its idle timeout. */
  private reconcile(id: string): void {
    const runner = this.runners.get(id);
    if (!runner || this.stopped) return;
    this.applyHistory(id);
    if (runner.alwaysOn || this.leases.count(runner.key) > 0) {
      this.clearIdle(id);
      this.holdBaseLease(runner, true);
      runner.setDesired(true, runner.alwaysOn ? 'always on' : 'lease held');
      return;
    }
    if (this.idleTimers.has(id)) return;
    const idleMs = runner.tuning.idleTimeoutMs;
    this.idleTimers.set(
      id,
      setTimeout(() => {
        this.idleTimers.delete(id);
        if (!runner.alwaysOn && this.leases.count(runner.key) === 0) {
          runner.setDesired(false, `no consumers for ${idleMs / 1000}s`);
          this.holdBaseLease(runner, false);
        }
      }, idleMs),
    );
  }

  private clearIdle(id: string): void {
    const t = this.idleTimers.get(id);
    if (t) clearTimeout(t);
    this.idleTimers.delete(id);
  }

  private sweep(): void {
    // A running variant's lease on its base key lives as long as the variant does.
    for (const lease of this.variantLeases.values()) this.leases.renew(lease);
    const touched = new Set(this.leases.expire().map((l) => keyId(l.key)));
    for (const id of touched) this.reconcile(id);
  }
}

/**
 * What the supervisor is built from (lib/diff.ts): per stream key of the enabled cameras, its
 * resolved profile. A reload restarts exactly the keys whose profile differs.
 */
export const STREAMS_SLICE: Slice<ResolvedConfig, ResolvedProfile> = streamProfiles;
