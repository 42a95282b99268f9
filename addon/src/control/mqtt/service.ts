/**
 * The MQTT interface: availability (LWT), retained stream/motion/recording state, commands with
 * MQTT v5 request/response, and Home Assistant discovery. The connection is never a reason to stop
 * Lookout: mqtt.js reconnects forever (with our backoff) and everything is re-published on connect.
 *
 * This file only wires the parts together, in data-flow order:
 *   broker-choice.ts       which broker (config url, the HA Supervisor's, or the embedded one)
 *   connection.ts          the client: LWT, backoff, publishing with a retained-payload memory
 *   state-publisher.ts     retained stream/camera/motion/recording/preset state
 *   discovery-publisher.ts HA discovery: announce, clear removed cameras, re-announce on HA's birth
 *   command-replies.ts     incoming commands and their answers
 */
import type { IPublishPacket } from 'mqtt';
import type { MqttSettings } from '../../contracts/config.js';
import { mqttTopics, ONLINE, type MqttTopics } from '../../contracts/mqtt.js';
import type { ProfileName } from '../../contracts/stream-key.js';
import type { Logger } from '../../lib/log.js';
import { SecretRedactor, type Redactor, type SecretRegistry } from '../../lib/redact.js';
import type { BrokerRefusals } from './broker.js';
import { chooseBroker, type BrokerChoice } from './broker-choice.js';
import { CommandReplies } from './command-replies.js';
import { MqttConnection } from './connection.js';
import { DiscoveryPublisher } from './discovery-publisher.js';
import { CameraPictures } from './pictures.js';
import type { MotionFeed, PtzService, RecordingService, SnapshotService, StreamHost } from './ports.js';
import { StatePublisher } from './state-publisher.js';

export interface MqttServiceOptions {
  settings: MqttSettings;
  host: StreamHost;
  log: Logger;
  /** The app's redactor: masks what is published and logged, learns the brokers' passwords. */
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

export interface MqttRefusals {
  /** Commands dropped for naming a reply topic outside `mqtt.reply_prefix`. */
  replyTopics: number;
  /** The embedded broker's refused connects, publishes and subscribes; null: another broker. */
  broker: BrokerRefusals | null;
}

export class MqttService {
  private broker: BrokerChoice | null = null;
  private conn: MqttConnection | null = null;
  private state: StatePublisher | null = null;
  private discovery: DiscoveryPublisher | null = null;
  private commands: CommandReplies | null = null;
  private readonly topics: MqttTopics;
  private readonly log: Logger;
  private readonly s: MqttSettings;
  private readonly redactor: Redactor & SecretRegistry;
  /** Retained camera pictures for HA (pictures.ts); none without a snapshot service. */
  private pictures: CameraPictures | null = null;
  private stopped = false;

  constructor(private readonly o: MqttServiceOptions) {
    this.s = o.settings;
    this.redactor = o.redactor ?? new SecretRedactor();
    this.topics = mqttTopics(this.s.baseTopic);
    this.log = o.log.child({ component: 'mqtt' });
  }

  /** The broker URL in use (the embedded one when none is configured), without credentials. */
  get url(): string {
    return this.broker?.shownUrl ?? this.redactor.redact(this.s.url ?? '');
  }

  /** Starts the embedded broker if needed, then connects (without waiting: it retries forever). */
  async start(opts: { embeddedPort?: number } = {}): Promise<void> {
    const { o, s, log, topics } = this;
    const broker = await chooseBroker({
      settings: s,
      log,
      env: o.env ?? process.env,
      embeddedPort: opts.embeddedPort,
      dataDir: o.dataDir,
      redactor: this.redactor,
    });
    this.broker = broker;
    const conn = new MqttConnection({
      broker,
      clientId: s.clientId,
      statusTopic: topics.status,
      log,
      redactor: this.redactor,
      reconnectMinMs: o.reconnectMinMs,
      reconnectMaxMs: o.reconnectMaxMs,
      onConnect: () => this.onConnect(),
      onMessage: (topic, payload, packet) => void this.onMessage(topic, payload, packet),
    });
    this.conn = conn;
    const pictures = o.snapshots
      ? new CameraPictures({
          topics,
          snapshots: o.snapshots,
          cameras: () => o.host.cameras().filter((c) => c.enabled && !c.hidden),
          publish: (topic, payload) => conn.publish(topic, payload, true, true),
          intervalMs: s.imageIntervalMs,
          log,
          ...(o.firstPicturesMs !== undefined ? { firstRoundMs: o.firstPicturesMs } : {}),
        })
      : null;
    this.pictures = pictures;
    const state = new StatePublisher({
      conn,
      topics,
      host: o.host,
      log,
      redactor: this.redactor,
      ptz: o.ptz,
      motion: o.motion,
      recordings: o.recordings,
      pictures,
      stateThrottleMs: o.stateThrottleMs,
      refreshMs: o.refreshMs,
      restreamUrl: o.restreamUrl,
      rediscover: (cam) => discovery.rediscover(cam),
    });
    this.state = state;
    const discovery = new DiscoveryPublisher({
      settings: s,
      conn,
      cameras: () => o.host.cameras(),
      log,
      version: o.version,
      configurationUrl: o.configurationUrl ?? null,
      dataDir: o.dataDir,
      presets: (c) => state.presets(c),
      motionKinds: (c) => state.kinds.of(c),
      forget: (c) => state.forget(c),
      rediscoverDelayMs: o.rediscoverDelayMs,
      publishAll: () => this.publishAll(),
    });
    this.discovery = discovery;
    this.commands = new CommandReplies({
      conn,
      replies: { baseTopic: s.baseTopic, discoveryPrefix: s.discoveryPrefix, replyPrefix: s.replyPrefix },
      topics,
      clientId: s.clientId,
      log,
      redactor: this.redactor,
      host: o.host,
      ptz: o.ptz,
      recordings: o.recordings,
      snapshots: o.snapshots,
      v5: () => broker.protocolVersion === 5,
      onSnapshot: (camera, jpeg) => pictures?.latest(camera, jpeg),
      onDone: (camera, command, result) => {
        if (command.startsWith('stream_')) state.scheduleFlush();
        if (command === 'preset_set' || command === 'preset_remove') state.refreshPresets(camera);
        // The recorder emits no event for a clip it discards (stopped before any media): use the answer.
        if (command.startsWith('record') && typeof result.recording === 'boolean')
          state.onRecording({ type: result.recording ? 'started' : 'finished', camera });
      },
    });
    conn.start();
    o.host.on('config', this.onConfig);
    state.start();
    pictures?.start();
  }

  /** Publishes `offline` (a clean disconnect does not fire the LWT), disconnects, stops the broker. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.o.host.off('config', this.onConfig);
    this.state?.stop();
    this.discovery?.stop();
    this.pictures?.stop();
    await this.conn?.stop();
    await this.broker?.embedded?.close();
  }

  /** What was refused since start: commands with a forbidden reply topic, the embedded broker's refusals. */
  stats(): MqttRefusals {
    return {
      replyTopics: this.commands?.replyTopicsRefused ?? 0,
      broker: this.broker?.embedded?.stats() ?? null,
    };
  }

  /** Updates the preset names a camera's select offers (re-announces its discovery). */
  setPresets(camera: string, names: string[]): void {
    this.state?.setPresets(camera, names);
  }

  private async onConnect(): Promise<void> {
    const subs = [this.topics.commandFilter];
    if (this.s.discovery) subs.push(this.discovery!.haStatusTopic);
    await this.conn!.subscribe(subs);
    this.conn!.retain(this.topics.status, ONLINE);
    this.publishAll();
    this.state!.askCameras();
  }

  private publishAll(): void {
    if (this.s.discovery) this.discovery!.publish();
    this.state!.publishAll();
  }

  private readonly onConfig = () => {
    if (this.s.discovery) this.discovery!.publish();
    else this.discovery!.clearRemoved();
    this.state!.scheduleFlush();
  };

  private async onMessage(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    if (this.s.discovery && topic === this.discovery!.haStatusTopic) {
      if (payload.toString() === ONLINE) this.discovery!.scheduleRediscovery();
      return;
    }
    await this.commands!.onMessage(topic, payload, packet);
  }
}
