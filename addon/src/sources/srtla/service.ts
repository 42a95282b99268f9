/**
 * The SRTLA receivers of a config: one per `srt:` profile with an `srtla_port`, each forwarding to
 * that profile's SRT listener (sources/resolve.ts srtTarget: MediaMTX's SRT server, or the key's own
 * FFmpeg listener). The group → camera mapping is therefore by port: every group on a receiver feeds
 * its one profile. Reloads restart only receivers whose settings changed.
 */
import type { ResolvedConfig } from '../../contracts/config.js';
import { PROFILE_NAMES, keyId, streamKey, type StreamKey } from '../../contracts/stream-key.js';
import type { SrtlaListenerStats } from '../../contracts/srtla.js';
import type { Logger } from '../../lib/log.js';
import { srtTarget, type SourceRouting } from '../resolve.js';
import { DEFAULT_SRTLA_SETTINGS } from './limits.js';
import { SrtlaReceiver, type ReceiverOptions } from './receiver.js';

/** A sender counts as present while its packets were forwarded this recently. */
const PRESENT_MS = 3000;

type Wanted = Omit<ReceiverOptions, 'log'>;

export class SrtlaService {
  private readonly receivers = new Map<string, { rx: SrtlaReceiver; spec: string }>();

  constructor(
    private readonly log: Logger,
    private readonly routing: SourceRouting = {},
  ) {}

  /** Starts, restarts and stops receivers to match the config. A port that cannot open is logged. */
  async apply(config: ResolvedConfig): Promise<void> {
    const wanted = this.wanted(config);
    for (const [id, cur] of [...this.receivers]) {
      const w = wanted.get(id);
      if (w && JSON.stringify(w) === cur.spec) {
        wanted.delete(id);
        continue;
      }
      this.receivers.delete(id);
      await cur.rx.stop();
    }
    for (const [id, w] of wanted) {
      const rx = new SrtlaReceiver({ ...w, log: this.log });
      try {
        await rx.start();
        this.receivers.set(id, { rx, spec: JSON.stringify(w) });
      } catch (err) {
        await rx.stop();
        this.log.error(
          { err, key: id, port: w.port },
          'SRTLA receiver could not start; that camera gets plain SRT only',
        );
      }
    }
  }

  private wanted(config: ResolvedConfig): Map<string, Wanted> {
    const out = new Map<string, Wanted>();
    const settings = config.srtla ?? DEFAULT_SRTLA_SETTINGS;
    if (!settings.enabled) return out;
    for (const cam of config.cameras) {
      if (!cam.enabled) continue;
      for (const name of PROFILE_NAMES) {
        const profile = cam.profiles[name];
        const port = profile?.srt?.srtlaPort;
        if (!profile || port == null) continue;
        const key = streamKey(cam.id, name);
        const t = srtTarget(key, profile, this.routing)!;
        out.set(keyId(key), {
          camera: cam.id,
          profile: name,
          host: settings.host,
          port,
          target: t.target,
          streamId: t.streamId,
          settings,
        });
      }
    }
    return out;
  }

  /** The probe for a bonded key: up while its sender is forwarding; null for keys without SRTLA. */
  presence(key: StreamKey): 'up' | 'down' | null {
    const r = this.receivers.get(keyId(key));
    if (!r) return null;
    return Date.now() - r.rx.lastForwardAt < PRESENT_MS ? 'up' : 'down';
  }

  /** Bound port of a key's receiver (tests start with port 0 through the config). */
  portOf(key: StreamKey): number | null {
    return this.receivers.get(keyId(key))?.rx.port ?? null;
  }

  stats(): SrtlaListenerStats[] {
    return [...this.receivers.values()].map((r) => r.rx.stats());
  }

  async stop(): Promise<void> {
    const all = [...this.receivers.values()];
    this.receivers.clear();
    await Promise.all(all.map((r) => r.rx.stop()));
  }
}
