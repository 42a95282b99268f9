/**
 * The MQTT interface: availability (LWT), retained stream/motion/recording state, commands with
 * MQTT v5 request/response, and Home Assistant discovery. The connection is never a reason to stop
 * Lookout: mqtt.js reconnects forever (with our backoff) and everything is re-published on connect.
 */
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { MqttSettings, ResolvedCamera } from '../../contracts/config.js';
import type { MotionEvent, MotionKind, MotionState } from '../../contracts/events.js';
import {
  isMqttCommand,
  mqttTopics,
  OFF,
  OFFLINE,
  ON,
  ONLINE,
  parseCommandTopic,
  type CommandResponse,
  type MotionEventPayload,
  type MqttTopics,
  type StreamStatePayload,
} from '../../contracts/mqtt.js';
import type { RecordingEvent } from '../../contracts/recording.js';
import type { ProfileName } from '../../contracts/stream-key.js';
import type { StreamStatus } from '../../contracts/stream-state.js';
import { LookoutError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { SecretRedactor, type Redactor, type SecretRegistry } from '../../lib/redact.js';
import { AnnouncedStore, announcedFile, cameraRetainedTopics, type Announcement } from './announced.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { CameraKinds } from './camera-kinds.js';
import { fetchSupervisorBroker, supervisorAccess, type SupervisorBroker } from './supervisor-broker.js';
import { parsePayload, runCommand, type CommandDeps } from './commands.js';
import {
  cameraDiscovery,
  cameraDiscoveryTopics,
  detectionKinds,
  hubDiscovery,
  type DiscoveryContext,
} from './discovery.js';
import { CameraPictures } from './pictures.js';
import type { MotionFeed, PtzService, RecordingService, SnapshotService, StreamHost } from './ports.js';

export interface MqttServiceOptions {
  settings: MqttSettings;
  host: StreamHost;
  log: Logger;
  /** The app's redactor: masks what is published and logged, learns the Supervisor's broker password. */
  redactor?: Redactor & SecretRegistry;
  version: string;
  ptz?: PtzService;
  motion?: MotionFeed;
  recordings?: RecordingService;
  snapshots?: SnapshotService;
  /** State topics are coalesced over this window (default 500 ms). */
  stateThrottleMs?: number;
  /** fps/bitrate/viewers refresh (default 10 s). */
  refreshMs?: number;
  /** Random delay before re-publishing discovery after HA's birth message (default 1–5 s). */
  rediscoverDelayMs?: [number, number];
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Where SUPERVISOR_TOKEN / SUPERVISOR_URL are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** server.data_dir: the announced cameras are kept there (announced.ts); absent: in memory only. */
  dataDir?: string;
  /** The devices' configuration_url (panel-link.ts). */
  configurationUrl?: string | null;
  /** CameraPictures' first periodic round (default 5 s). */
  firstPicturesMs?: number;
  /** The gateway's RTSP restream URL of a key (no credentials), or null; in the state payload. */
  restreamUrl?: (camera: string, profile: ProfileName) => string | null;
}

export class MqttService {
  private client: MqttClient | null = null;
  private broker: EmbeddedBroker | null = null;
  /** The broker the HA Supervisor named, when mqtt.url is absent in the add-on. */
  private haBroker: SupervisorBroker | null = null;
  private readonly topics: MqttTopics;
  private readonly log: Logger;
  private readonly s: MqttSettings;
  private readonly redactor: Redactor & SecretRegistry;
  /** Last payload per retained topic, so unchanged states are not re-sent. */
  private readonly published = new Map<string, string>();
  /** Cameras whose discovery we announced, to clear the ones a reload removes. */
  private announced = new Set<string>();
  private readonly activeMotion = new Map<string, Set<string>>();
  private readonly recording = new Map<string, boolean>();
  private readonly presetNames = new Map<string, string[]>();
  /** Detection kinds per camera (person, vehicle, …) and their last ON/OFF: one binary_sensor each. */
  private readonly kinds = new CameraKinds();
  private flushTimer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private readonly rediscoverTimers = new Set<NodeJS.Timeout>();
  private protocolVersion: 4 | 5 = 5;
  private stopped = false;
  private disconnectedSince: number | null = null;
  /** Retained camera pictures for HA (pictures.ts); none without a snapshot service. */
  private readonly pictures: CameraPictures | null;
  private readonly store: AnnouncedStore | null;
  /** Cameras a previous run announced under another base topic or prefix: cleared once connected. */
  private stale: Announcement[] = [];

  constructor(private readonly o: MqttServiceOptions) {
    this.s = o.settings;
    this.redactor = o.redactor ?? new SecretRedactor();
    this.topics = mqttTopics(this.s.baseTopic);
    this.log = o.log.child({ component: 'mqtt' });
    this.pictures = o.snapshots
      ? new CameraPictures({
          topics: this.topics,
          snapshots: o.snapshots,
          cameras: () => o.host.cameras().filter((c) => c.enabled && !c.hidden),
          publish: (topic, payload) => this.publish(topic, payload, true, true),
          intervalMs: this.s.imageIntervalMs,
          log: this.log,
          ...(o.firstPicturesMs !== undefined ? { firstRoundMs: o.firstPicturesMs } : {}),
        })
      : null;
    this.store = o.dataDir ? new AnnouncedStore(announcedFile(o.dataDir), this.log) : null;
    for (const a of this.store?.load() ?? [])
      if (a.baseTopic === this.s.baseTopic && a.prefix === this.s.discoveryPrefix)
        this.announced.add(a.camera);
      else this.stale.push(a);
  }

  /** The broker URL in use (the embedded one when none is configured), without credentials. */
  get url(): string {
    return this.broker?.url ?? this.haBroker?.url ?? this.redactor.redact(this.s.url ?? '');
  }

  /** Starts the embedded broker if needed, then connects (without waiting: it retries forever). */
  async start(opts: { embeddedPort?: number } = {}): Promise<void> {
    let url = this.s.url;
    let { username, password } = this.s;
    if (url === null) this.haBroker = await this.askSupervisor();
    if (this.haBroker) {
      ({ url, username, password } = this.haBroker);
      // MQTT 3.1 has no v5 properties either: requests name their reply topic in the payload.
      if (this.haBroker.protocolVersion === 3) this.protocolVersion = 4;
    }
    if (url === null) {
      this.broker = await startEmbeddedBroker(
        this.s.embedded.host,
        opts.embeddedPort ?? this.s.embedded.port,
      );
      url = this.broker.url;
      // aedes only speaks MQTT 3.1.1.
      this.protocolVersion = 4;
      this.log.info({ url: this.broker.url }, 'embedded MQTT broker listening');
    }
    const min = this.o.reconnectMinMs ?? 1000;
    const mqtt31 = this.haBroker?.protocolVersion === 3;
    const options: IClientOptions = {
      clientId: this.s.clientId,
      protocolVersion: mqtt31 ? 3 : this.protocolVersion,
      ...(mqtt31 ? { protocolId: 'MQIsdp' as const } : {}),
      clean: true,
      reconnectPeriod: min,
      connectTimeout: 10_000,
      queueQoSZero: false,
      will: { topic: this.topics.status, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      ...(username !== null ? { username } : {}),
      ...(password !== null ? { password } : {}),
    };
    const client = connect(url, options);
    this.client = client;
    client.on('connect', () => void this.onConnect(min));
    client.on('close', () => this.onClose());
    client.on('error', (err) =>
      this.log.debug({ err: this.redactor.redact(err.message) }, 'mqtt client error'),
    );
    client.on('message', (topic, payload, packet) => void this.onMessage(topic, payload, packet));

    this.o.host.on('state', this.onStreamState);
    this.o.host.on('config', this.onConfig);
    this.o.motion?.on('state', this.onMotionState);
    this.o.motion?.on('motion', this.onMotionEvent);
    this.o.recordings?.on('recording', this.onRecording);
    this.refreshTimer = setInterval(() => this.flushStates(), this.o.refreshMs ?? 10_000);
    this.refreshTimer.unref();
    this.pictures?.start();
  }

  /**
   * In the add-on (SUPERVISOR_TOKEN set) with no mqtt.url: the broker HA's Supervisor provides.
   * Any failure (no MQTT service, 401/403, malformed answer, 3 s timeout) is one warning, and the
   * embedded broker takes over.
   */
  private async askSupervisor(): Promise<SupervisorBroker | null> {
    const access = supervisorAccess(this.o.env ?? process.env);
    if (!access) return null;
    try {
      const broker = await fetchSupervisorBroker(access);
      // Before anything can log it: the password is not in the config, so the redactor must learn it.
      if (broker.password !== null) this.redactor.addSecrets([broker.password]);
      this.log.info({ url: broker.url }, 'using the MQTT broker named by the Home Assistant Supervisor');
      return broker;
    } catch (err) {
      this.log.warn(
        { err: this.redactor.redact((err as Error).message) },
        'no MQTT broker from the Home Assistant Supervisor; running the embedded broker',
      );
      return null;
    }
  }

  /** Publishes `offline` (a clean disconnect does not fire the LWT), disconnects, stops the broker. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.o.host.off('state', this.onStreamState);
    this.o.host.off('config', this.onConfig);
    this.o.motion?.off('state', this.onMotionState);
    this.o.motion?.off('motion', this.onMotionEvent);
    this.o.recordings?.off('recording', this.onRecording);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const t of this.rediscoverTimers) clearTimeout(t);
    this.pictures?.stop();
    const client = this.client;
    if (client) {
      if (client.connected) {
        await withTimeout(
          client.publishAsync(this.topics.status, OFFLINE, { qos: 1, retain: true }),
          2000,
        ).catch(() => {});
        await withTimeout(client.endAsync(), 3000).catch(() => client.end(true));
      } else {
        client.end(true);
      }
    }
    await this.broker?.close();
  }

  /** Updates the preset names a camera's select offers (re-announces its discovery). */
  setPresets(camera: string, names: string[]): void {
    this.presetNames.set(camera, [...names]);
    this.retain(this.topics.presets(camera), JSON.stringify(names));
    const cam = this.o.host.cameras().find((c) => c.id === camera);
    if (cam && this.s.discovery) this.publishDiscoveryFor(cam);
  }

  /** Asks the camera for its presets (in the background: ONVIF may be slow or down). */
  private refreshPresets(camera: string): void {
    if (!this.o.ptz) return;
    let handle;
    try {
      handle = this.o.ptz.ptz(camera);
    } catch {
      return;
    }
    handle.presets().then(
      (list) => {
        if (!this.stopped)
          this.setPresets(
            camera,
            list.map((p) => p.name),
          );
      },
      (err: unknown) =>
        this.log.debug(
          { camera, err: this.redactor.redact(String(err)) },
          'could not read presets for the HA select',
        ),
    );
  }

  // ── connection ──────────────────────────────────────────────────────────────────────────────

  private async onConnect(min: number): Promise<void> {
    const client = this.client!;
    client.options.reconnectPeriod = min;
    if (this.disconnectedSince !== null) this.log.info('MQTT connection restored');
    else this.log.info({ url: this.url }, 'connected to MQTT broker');
    this.disconnectedSince = null;
    // Clean session: subscriptions and our retained-state cache start over.
    this.published.clear();
    try {
      const subs = [this.topics.commandFilter];
      if (this.s.discovery) subs.push(`${this.s.discoveryPrefix}/status`);
      await client.subscribeAsync(subs, { qos: 1 });
      this.retain(this.topics.status, ONLINE);
      this.publishAll();
      for (const cam of this.o.host.cameras()) {
        if (cam.capabilities.presets && !this.presetNames.has(cam.id)) this.refreshPresets(cam.id);
        if (cam.capabilities.motionEvents) this.refreshKinds(cam.id);
      }
    } catch (err) {
      this.log.warn(
        { err: this.redactor.redact(String(err)) },
        'MQTT subscribe after connect failed; will retry on reconnect',
      );
    }
  }

  private onClose(): void {
    if (this.stopped || !this.client) return;
    const max = this.o.reconnectMaxMs ?? 60_000;
    const cur = this.client.options.reconnectPeriod ?? 1000;
    this.client.options.reconnectPeriod = Math.min(max, cur * 2);
    if (this.disconnectedSince === null) {
      this.disconnectedSince = Date.now();
      this.log.warn({ url: this.url }, 'MQTT broker unreachable or connection lost; retrying with backoff');
    }
  }

  // ── publishing ──────────────────────────────────────────────────────────────────────────────

  private publishAll(): void {
    if (this.s.discovery) this.publishDiscovery();
    for (const cam of this.o.host.cameras()) this.publishCameraExtras(cam.id);
    this.flushStates();
  }

  private discoveryContext(): DiscoveryContext {
    return {
      baseTopic: this.s.baseTopic,
      prefix: this.s.discoveryPrefix,
      version: this.o.version,
      presets: (c) => this.presetNames.get(c) ?? null,
      motionKinds: (c) => this.kinds.of(c),
      configurationUrl: this.o.configurationUrl ?? null,
    };
  }

  private publishDiscovery(): void {
    const hub = hubDiscovery(this.discoveryContext());
    this.publish(hub.topic, JSON.stringify(hub.payload), true, true);
    const current = new Set<string>();
    for (const cam of this.o.host.cameras()) {
      if (!cam.enabled || cam.hidden) continue;
      current.add(cam.id);
      this.publishDiscoveryFor(cam);
    }
    // Offline, clears would be lost: keep every camera until the broker has seen them go.
    if (!this.client?.connected) for (const c of current) this.announced.add(c);
    else {
      for (const gone of this.announced) if (!current.has(gone)) this.clearCamera(gone);
      this.announced = current;
      this.saveAnnounced();
    }
  }

  /** Clears what an earlier run announced under another base topic or prefix, then persists the set. */
  private saveAnnounced(): void {
    for (const a of this.stale.splice(0))
      for (const topic of cameraRetainedTopics(a.camera, { ...this.discoveryContext(), ...a }))
        this.publish(topic, '', true, true);
    const { baseTopic, discoveryPrefix: prefix } = this.s;
    this.store?.save([...this.announced].map((camera) => ({ baseTopic, prefix, camera })));
  }

  private publishDiscoveryFor(cam: ResolvedCamera): void {
    const ctx = this.discoveryContext();
    const wanted = cameraDiscovery(cam, ctx);
    const keep = new Set(wanted.map((m) => m.topic));
    // Entities a capability change dropped (e.g. PTZ turned off) are cleared, not left as ghosts.
    for (const topic of cameraDiscoveryTopics(cam.id, ctx))
      if (!keep.has(topic)) this.clearIfPublished(topic);
    for (const m of wanted) this.publish(m.topic, JSON.stringify(m.payload), true, true);
  }

  /** Empty retained payloads: HA deletes the entities, the broker forgets the states. */
  private clearCamera(camera: string): void {
    this.log.info({ camera }, 'clearing MQTT discovery and state of a removed camera');
    for (const topic of cameraRetainedTopics(camera, this.discoveryContext()))
      this.publish(topic, '', true, true);
    this.activeMotion.delete(camera);
    this.kinds.forget(camera);
    this.recording.delete(camera);
  }

  private clearIfPublished(topic: string): void {
    if (this.published.has(topic) && this.published.get(topic) !== '') this.publish(topic, '', true, true);
  }

  private publishCameraExtras(camera: string): void {
    if (this.o.recordings) {
      if (!this.recording.has(camera)) {
        try {
          this.recording.set(camera, this.o.recordings.recorder(camera).state().recording);
        } catch {
          // A camera that cannot record has no recorder; its switch simply stays off.
          this.recording.set(camera, false);
        }
      }
      this.retain(this.topics.recording(camera), this.recording.get(camera) ? ON : OFF);
    }
    const motion = this.activeMotion.get(camera);
    if (motion) this.retain(this.topics.motion(camera), motion.size > 0 ? ON : OFF);
    for (const [kind, active] of this.kinds.statesOf(camera)) this.retainKind(camera, kind, active);
    const presets = this.presetNames.get(camera);
    if (presets) this.retain(this.topics.presets(camera), JSON.stringify(presets));
  }

  /** Retained state topics for every stream and every camera's availability; only changes are sent. */
  private flushStates(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.client?.connected) return;
    const byCamera = new Map<string, StreamStatus[]>();
    for (const st of this.o.host.statuses()) {
      const list = byCamera.get(st.camera) ?? [];
      list.push(st);
      byCamera.set(st.camera, list);
      this.retain(
        this.topics.streamState(st.camera, st.profile as ProfileName),
        JSON.stringify(statePayload(st, this.o.restreamUrl?.(st.camera, st.profile as ProfileName) ?? null)),
      );
    }
    for (const cam of this.o.host.cameras()) {
      const streams = byCamera.get(cam.id) ?? [];
      const up = cam.enabled && streams.length > 0 && streams.some((s) => s.state !== 'failed');
      this.retain(this.topics.cameraStatus(cam.id), up ? ONLINE : OFFLINE);
    }
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.flushStates(), this.o.stateThrottleMs ?? 500);
  }

  private retain(topic: string, payload: string): void {
    if (this.published.get(topic) === payload) return;
    this.publish(topic, payload, true, payload !== '');
  }

  private publish(topic: string, payload: string | Buffer, retain: boolean, qos1 = false): void {
    const client = this.client;
    if (!client?.connected) return;
    if (retain && typeof payload === 'string') this.published.set(topic, payload);
    // Retained state carries a stream's `reason`; whatever a bug put in it, no credential leaves.
    const body = typeof payload === 'string' ? this.redactor.redact(payload) : payload;
    client.publish(topic, body, { retain, qos: qos1 ? 1 : 0 }, (err) => {
      if (err) {
        this.published.delete(topic);
        this.log.debug({ topic, err: this.redactor.redact(err.message) }, 'MQTT publish failed');
      }
    });
  }

  // ── events from the rest of Lookout ─────────────────────────────────────────────────────────

  private readonly onStreamState = () => this.scheduleFlush();

  private readonly onConfig = () => {
    if (this.s.discovery) this.publishDiscovery();
    else {
      const ids = new Set(this.o.host.cameras().map((c) => c.id));
      for (const gone of this.announced) if (!ids.has(gone)) this.clearCamera(gone);
    }
    this.scheduleFlush();
  };

  private readonly onMotionState = (s: MotionState) => {
    // Unknown (event feed down) is not "no motion": keep the last published state.
    if (s.state === 'unknown') return;
    const set = this.activeMotion.get(s.camera) ?? new Set<string>();
    if (s.state === 'active') set.add(s.kind);
    else set.delete(s.kind);
    this.activeMotion.set(s.camera, set);
    this.retain(this.topics.motion(s.camera), set.size > 0 ? ON : OFF);
    this.noteKind(s.camera, s.kind, s.state === 'active');
    // The event feed delivers, so the camera answers: ask for its declared kinds if still unknown.
    this.refreshKinds(s.camera);
  };

  private readonly onMotionEvent = (ev: MotionEvent) => {
    const payload: MotionEventPayload = { kind: ev.kind, active: ev.active, at: ev.at, source: ev.source };
    this.publish(this.topics.motionEvent(ev.camera), JSON.stringify(payload), false);
    this.pictures?.onMotion(ev);
    this.noteKind(ev.camera, ev.kind, ev.active);
  };

  /**
   * A kind's known state (never called for unknown). The first state or event of a kind the camera
   * did not declare adds its entity: discovery for that camera is re-published before the state.
   */
  private noteKind(camera: string, kind: MotionKind, active: boolean): void {
    const cam = this.o.host.cameras().find((c) => c.id === camera);
    if (!cam) return; // a late event of a removed camera must not re-create its topics
    if (detectionKinds(this.kinds.add(camera, [kind])).length > 0) this.rediscoverCamera(cam);
    this.kinds.setState(camera, kind, active);
    this.retainKind(camera, kind, active);
  }

  /** Plain `motion` has no topic of its own: `<base>/<cam>/motion` (any kind) covers it. */
  private retainKind(camera: string, kind: MotionKind, active: boolean): void {
    if (kind !== 'motion') this.retain(this.topics.motionKind(camera, kind), active ? ON : OFF);
  }

  private rediscoverCamera(cam: ResolvedCamera): void {
    if (this.s.discovery && cam.enabled && !cam.hidden) this.publishDiscoveryFor(cam);
  }

  /** Asks the camera which kinds it declares (in the background: ONVIF may be slow or down). */
  private refreshKinds(camera: string): void {
    const feed = this.o.motion;
    if (!feed?.eventKinds || !this.kinds.shouldAsk(camera)) return;
    this.kinds.asking(camera);
    feed.eventKinds(camera).then(
      (list) => {
        this.kinds.answered(camera, list !== null);
        const cam = this.o.host.cameras().find((c) => c.id === camera);
        if (this.stopped || !cam || !list) return;
        if (detectionKinds(this.kinds.add(camera, list)).length > 0) this.rediscoverCamera(cam);
      },
      (err: unknown) => {
        this.kinds.answered(camera, false);
        this.log.debug(
          { camera, err: this.redactor.redact(String(err)) },
          'could not read the camera’s event properties',
        );
      },
    );
  }

  private readonly onRecording = (ev: Pick<RecordingEvent, 'type' | 'camera'>) => {
    const on = ev.type === 'started';
    this.recording.set(ev.camera, on);
    this.retain(this.topics.recording(ev.camera), on ? ON : OFF);
  };

  // ── incoming messages ───────────────────────────────────────────────────────────────────────

  private async onMessage(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    if (this.s.discovery && topic === `${this.s.discoveryPrefix}/status`) {
      if (payload.toString() === ONLINE) this.scheduleRediscovery();
      return;
    }
    const target = parseCommandTopic(this.s.baseTopic, topic);
    if (!target) return;
    let responseTopic = packet.properties?.responseTopic;
    const correlationData = packet.properties?.correlationData;
    let correlationId: unknown;
    let answer: CommandResponse;
    try {
      if (!isMqttCommand(target.command))
        throw new LookoutError(400, 'bad_request', `unknown command "${target.command}"`);
      const args = parsePayload(target.command, payload);
      // v3.1.1 clients (the embedded broker) name the reply topic in the payload.
      if (!responseTopic && typeof args.response_topic === 'string' && isReplyTopic(args.response_topic)) {
        responseTopic = args.response_topic;
        correlationId = args.correlation_id;
      }
      const deps: CommandDeps = {
        host: this.o.host,
        ptz: this.o.ptz,
        recordings: this.o.recordings,
        snapshots: this.o.snapshots,
        publishSnapshot: async (camera, jpeg) => {
          await this.client?.publishAsync(this.topics.snapshot(camera), jpeg, { qos: 0, retain: false });
          this.pictures?.latest(camera, jpeg);
        },
        holder: `mqtt:${this.s.clientId}`,
      };
      const result = await runCommand(deps, target.camera, target.command, args);
      answer = { ok: true, ...result };
      this.log.debug({ camera: target.camera, command: target.command }, 'MQTT command done');
      if (target.command.startsWith('stream_')) this.scheduleFlush();
      if (target.command === 'preset_set' || target.command === 'preset_remove')
        this.refreshPresets(target.camera);
      // The recorder emits no event for a clip it discards (stopped before any media): use the answer.
      if (target.command.startsWith('record') && typeof result.recording === 'boolean') {
        this.onRecording({ type: result.recording ? 'started' : 'finished', camera: target.camera });
      }
    } catch (err) {
      const e = toCommandError(err, this.redactor);
      answer = { ok: false, error: e };
      // ONE line per failed command, never a stack trace for a client's mistake.
      this.log.warn(
        { camera: target.camera, command: target.command, code: e.code },
        `MQTT command failed: ${e.message}`,
      );
    }
    if (!responseTopic || !this.client?.connected) return;
    const body = correlationId !== undefined ? { ...answer, correlation_id: correlationId } : answer;
    const opts =
      this.protocolVersion === 5 && correlationData
        ? { qos: 1 as const, properties: { correlationData } }
        : { qos: 1 as const };
    this.client.publish(responseTopic, JSON.stringify(this.redactor.redactValue(body)), opts, (err) => {
      if (err) this.log.debug({ err: this.redactor.redact(err.message) }, 'MQTT response publish failed');
    });
  }

  /** HA restarted: it needs discovery again; a random delay spreads many publishers' bursts. */
  private scheduleRediscovery(): void {
    const [lo, hi] = this.o.rediscoverDelayMs ?? [1000, 5000];
    const t = setTimeout(
      () => {
        this.rediscoverTimers.delete(t);
        if (this.stopped) return;
        this.log.info('Home Assistant came online; re-publishing discovery');
        this.published.clear();
        this.publishAll();
      },
      lo + Math.random() * (hi - lo),
    );
    this.rediscoverTimers.add(t);
  }
}

function statePayload(st: StreamStatus, restream: string | null): StreamStatePayload {
  const live = st.state === 'live';
  return {
    ...(restream ? { rtsp_restream: restream } : {}),
    state: st.state,
    reason: st.reason,
    since: st.since,
    fps: live ? Math.round((st.media.fps ?? st.progress.fps) * 10) / 10 : 0,
    bitrateKbps: live ? Math.round(st.progress.bitrateKbps) : 0,
    viewers: st.leases.filter((l) => l.kind === 'viewer').length,
    leases: st.leases.length,
    startLatencyMs: st.startLatencyMs,
  };
}

/** A reply topic a client may name: no wildcards, not one of ours' command topics. */
function isReplyTopic(t: string): boolean {
  return t.length > 0 && t.length < 256 && !/[#+]/.test(t) && !t.includes('/cmd/');
}

function toCommandError(err: unknown, redactor: Redactor): { code: string; message: string } {
  if (err instanceof LookoutError) return { code: err.code, message: redactor.redact(err.message) };
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.status === 'number' && typeof e.code === 'string' && typeof e.message === 'string') {
    return { code: e.code, message: redactor.redact(e.message) };
  }
  return { code: 'internal', message: redactor.redact(err instanceof Error ? err.message : String(err)) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
