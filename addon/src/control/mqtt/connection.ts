/**
 * Lookout's one MQTT client: connect with the LWT, reconnect forever with a doubling backoff, and
 * publish. Retained payloads are remembered per topic so an unchanged state is not re-sent; the
 * memory starts over on every connect (clean session: the broker may have lost them).
 */
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { OFFLINE } from '../../contracts/mqtt.js';
import type { Logger } from '../../lib/log.js';
import type { Redactor } from '../../lib/redact.js';
import type { BrokerChoice } from './broker-choice.js';

export interface MqttConnectionOptions {
  broker: BrokerChoice;
  clientId: string;
  /** `<base>/status`: the LWT (`offline`, retained) and what stop() publishes. */
  statusTopic: string;
  log: Logger;
  /** Masks what is published and logged. */
  redactor: Redactor;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** After every (re)connect, once the retained memory is cleared. */
  onConnect: () => Promise<void>;
  onMessage: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
}

export class MqttConnection {
  private client: MqttClient | null = null;
  /** Last payload per retained topic, so unchanged states are not re-sent. */
  private readonly published = new Map<string, string>();
  private disconnectedSince: number | null = null;
  private stopped = false;

  constructor(private readonly o: MqttConnectionOptions) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Connects without waiting: mqtt.js retries forever. */
  start(): void {
    const { broker } = this.o;
    const min = this.o.reconnectMinMs ?? 1000;
    const mqtt31 = broker.protocolVersion === 3;
    const options: IClientOptions = {
      clientId: this.o.clientId,
      protocolVersion: broker.protocolVersion,
      ...(mqtt31 ? { protocolId: 'MQIsdp' as const } : {}),
      clean: true,
      reconnectPeriod: min,
      connectTimeout: 10_000,
      queueQoSZero: false,
      will: { topic: this.o.statusTopic, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      ...(broker.username !== null ? { username: broker.username } : {}),
      ...(broker.password !== null ? { password: broker.password } : {}),
    };
    const client = connect(broker.url, options);
    this.client = client;
    client.on('connect', () => void this.onConnect(min));
    client.on('close', () => this.onClose());
    client.on('error', (err) =>
      this.o.log.debug({ err: this.o.redactor.redact(err.message) }, 'mqtt client error'),
    );
    client.on('message', (topic, payload, packet) => this.o.onMessage(topic, payload, packet));
  }

  /** Publishes `offline` (a clean disconnect does not fire the LWT), then disconnects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      await withTimeout(
        client.publishAsync(this.o.statusTopic, OFFLINE, { qos: 1, retain: true }),
        2000,
      ).catch(() => {});
      await withTimeout(client.endAsync(), 3000).catch(() => client.end(true));
    } else {
      client.end(true);
    }
  }

  async subscribe(filters: string[]): Promise<void> {
    await this.client?.subscribeAsync(filters, { qos: 1 });
  }

  /** A retained payload, sent only when it differs from the last one sent since connecting. */
  retain(topic: string, payload: string): void {
    if (this.published.get(topic) === payload) return;
    this.publish(topic, payload, true, payload !== '');
  }

  /** Drops the payload while disconnected (everything is re-published on connect). */
  publish(topic: string, payload: string | Buffer, retain: boolean, qos1 = false): void {
    const client = this.client;
    if (!client?.connected) return;
    if (retain && typeof payload === 'string') this.published.set(topic, payload);
    // Retained state carries a stream's `reason`; whatever a bug put in it, no credential leaves.
    const body = typeof payload === 'string' ? this.o.redactor.redact(payload) : payload;
    client.publish(topic, body, { retain, qos: qos1 ? 1 : 0 }, (err) => {
      if (err) {
        this.published.delete(topic);
        this.o.log.debug({ topic, err: this.o.redactor.redact(err.message) }, 'MQTT publish failed');
      }
    });
  }

  /** QoS 1 publish with MQTT v5 properties (answers with their correlationData). */
  publishWith(topic: string, payload: string, correlationData: Buffer | undefined): void {
    const client = this.client;
    if (!client?.connected) return;
    const opts = correlationData ? { qos: 1 as const, properties: { correlationData } } : { qos: 1 as const };
    client.publish(topic, payload, opts, (err) => {
      if (err) this.o.log.debug({ err: this.o.redactor.redact(err.message) }, 'MQTT response publish failed');
    });
  }

  async publishAsync(topic: string, payload: Buffer): Promise<void> {
    await this.client?.publishAsync(topic, payload, { qos: 0, retain: false });
  }

  /** True when a non-empty retained payload was sent to this topic since connecting. */
  hasRetained(topic: string): boolean {
    return this.published.has(topic) && this.published.get(topic) !== '';
  }

  /** Forgets what was sent, so the next publishAll re-sends everything (HA restarted). */
  forgetRetained(): void {
    this.published.clear();
  }

  private async onConnect(min: number): Promise<void> {
    const client = this.client!;
    client.options.reconnectPeriod = min;
    if (this.disconnectedSince !== null) this.o.log.info('MQTT connection restored');
    else this.o.log.info({ url: this.o.broker.shownUrl }, 'connected to MQTT broker');
    this.disconnectedSince = null;
    // Clean session: subscriptions and our retained-state cache start over.
    this.published.clear();
    try {
      await this.o.onConnect();
    } catch (err) {
      this.o.log.warn(
        { err: this.o.redactor.redact(String(err)) },
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
      this.o.log.warn(
        { url: this.o.broker.shownUrl },
        'MQTT broker unreachable or connection lost; retrying with backoff',
      );
    }
  }
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
