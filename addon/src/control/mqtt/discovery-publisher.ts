/**
 * Publishing Home Assistant discovery (the payloads themselves are discovery.ts, pure): the hub and
 * every enabled, visible camera; clearing the cameras a reload removed (and what an earlier run
 * announced under another base topic or prefix); re-announcing after HA's birth message.
 */
import type { MqttSettings, ResolvedCamera } from '../../contracts/config.js';
import type { MotionKind } from '../../contracts/events.js';
import type { Logger } from '../../lib/log.js';
import { AnnouncedStore, announcedFile, cameraRetainedTopics, type Announcement } from './announced.js';
import type { MqttConnection } from './connection.js';
import { cameraDiscovery, cameraDiscoveryTopics, hubDiscovery, type DiscoveryContext } from './discovery.js';

export interface DiscoveryPublisherOptions {
  settings: MqttSettings;
  conn: MqttConnection;
  cameras: () => ResolvedCamera[];
  log: Logger;
  version: string;
  configurationUrl: string | null;
  /** server.data_dir: the announced cameras are kept there (announced.ts); absent: in memory only. */
  dataDir?: string | undefined;
  presets: (camera: string) => string[] | null;
  motionKinds: (camera: string) => readonly MotionKind[] | null;
  /** A camera's discovery and state were cleared: forget its remembered state. */
  forget: (camera: string) => void;
  /** Random delay before re-publishing discovery after HA's birth message (default 1–5 s). */
  rediscoverDelayMs?: [number, number] | undefined;
  /** Re-publishes everything (discovery and state) after HA came back. */
  publishAll: () => void;
}

export class DiscoveryPublisher {
  /** Cameras whose discovery we announced, to clear the ones a reload removes. */
  private announced = new Set<string>();
  private readonly store: AnnouncedStore | null;
  /** Cameras a previous run announced under another base topic or prefix: cleared once connected. */
  private stale: Announcement[] = [];
  private readonly rediscoverTimers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly o: DiscoveryPublisherOptions) {
    const s = o.settings;
    this.store = o.dataDir ? new AnnouncedStore(announcedFile(o.dataDir), o.log) : null;
    for (const a of this.store?.load() ?? [])
      if (a.baseTopic === s.baseTopic && a.prefix === s.discoveryPrefix) this.announced.add(a.camera);
      else this.stale.push(a);
  }

  /** HA's birth/last-will topic: `<prefix>/status`. */
  get haStatusTopic(): string {
    return `${this.o.settings.discoveryPrefix}/status`;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.rediscoverTimers) clearTimeout(t);
  }

  context(): DiscoveryContext {
    return {
      baseTopic: this.o.settings.baseTopic,
      prefix: this.o.settings.discoveryPrefix,
      version: this.o.version,
      presets: this.o.presets,
      motionKinds: this.o.motionKinds,
      configurationUrl: this.o.configurationUrl,
    };
  }

  publish(): void {
    const { conn } = this.o;
    const hub = hubDiscovery(this.context());
    conn.publish(hub.topic, JSON.stringify(hub.payload), true, true);
    const current = new Set<string>();
    for (const cam of this.o.cameras()) {
      if (!cam.enabled || cam.hidden) continue;
      current.add(cam.id);
      this.publishFor(cam);
    }
    // Offline, clears would be lost: keep every camera until the broker has seen them go.
    if (!conn.connected) for (const c of current) this.announced.add(c);
    else {
      for (const gone of this.announced) if (!current.has(gone)) this.clearCamera(gone);
      this.announced = current;
      this.saveAnnounced();
    }
  }

  /** With discovery off, a reload still clears the cameras it removed. */
  clearRemoved(): void {
    const ids = new Set(this.o.cameras().map((c) => c.id));
    for (const gone of this.announced) if (!ids.has(gone)) this.clearCamera(gone);
  }

  publishFor(cam: ResolvedCamera): void {
    const ctx = this.context();
    const { conn } = this.o;
    const wanted = cameraDiscovery(cam, ctx);
    const keep = new Set(wanted.map((m) => m.topic));
    // Entities a capability change dropped (e.g. PTZ turned off) are cleared, not left as ghosts.
    for (const topic of cameraDiscoveryTopics(cam.id, ctx))
      if (!keep.has(topic) && conn.hasRetained(topic)) conn.publish(topic, '', true, true);
    for (const m of wanted) conn.publish(m.topic, JSON.stringify(m.payload), true, true);
  }

  /** A camera whose entities changed (a new motion kind): re-announced when HA should show it. */
  rediscover(cam: ResolvedCamera): void {
    if (this.o.settings.discovery && cam.enabled && !cam.hidden) this.publishFor(cam);
  }

  /** HA restarted: it needs discovery again; a random delay spreads many publishers' bursts. */
  scheduleRediscovery(): void {
    const [lo, hi] = this.o.rediscoverDelayMs ?? [1000, 5000];
    const t = setTimeout(
      () => {
        this.rediscoverTimers.delete(t);
        if (this.stopped) return;
        this.o.log.info('Home Assistant came online; re-publishing discovery');
        this.o.conn.forgetRetained();
        this.o.publishAll();
      },
      lo + Math.random() * (hi - lo),
    );
    this.rediscoverTimers.add(t);
  }

  /** Clears what an earlier run announced under another base topic or prefix, then persists the set. */
  private saveAnnounced(): void {
    for (const a of this.stale.splice(0))
      for (const topic of cameraRetainedTopics(a.camera, { ...this.context(), ...a }))
        this.o.conn.publish(topic, '', true, true);
    const { baseTopic, discoveryPrefix: prefix } = this.o.settings;
    this.store?.save([...this.announced].map((camera) => ({ baseTopic, prefix, camera })));
  }

  /** Empty retained payloads: HA deletes the entities, the broker forgets the states. */
  private clearCamera(camera: string): void {
    this.o.log.info({ camera }, 'clearing MQTT discovery and state of a removed camera');
    for (const topic of cameraRetainedTopics(camera, this.context()))
      this.o.conn.publish(topic, '', true, true);
    this.o.forget(camera);
  }
}
