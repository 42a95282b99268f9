/**
 * One MQTT connection to Lookout, owned by the lookout-config node and shared by its users
 * (Node-RED's own mqtt-broker pattern): connect on the first user, disconnect after the last.
 * Requests put the reply keys (`ReplyKeys`: response_topic + correlation_id, contracts/mqtt.ts) in the
 * payload, which works with both the embedded (MQTT 3.1.1) broker and external v5 brokers.
 */
import { randomUUID } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { CommandResponse, MqttCommand, ReplyKeys } from '../../addon/src/contracts/mqtt.js';
import { mqttTopics } from '../../addon/src/contracts/mqtt.js';
import { defaultReplyPrefix } from '../../addon/src/contracts/mqtt-replies.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ConnectionUser {
  id: string;
  onConnection(state: ConnectionState): void;
}

type Handler = (topic: string, payload: Buffer) => void;

export class LookoutConnection {
  readonly topics: ReturnType<typeof mqttTopics>;
  private client: MqttClient | null = null;
  private readonly users = new Map<string, ConnectionUser>();
  private readonly subs = new Map<string, Map<string, Handler>>(); // filter → user id → handler
  private readonly pending = new Map<
    string,
    { resolve: (a: CommandResponse) => void; timer: NodeJS.Timeout }
  >();
  private readonly replyTopic: string;
  private idle: (() => void) | null = null;
  state: ConnectionState = 'disconnected';

  constructor(
    private readonly url: string,
    baseTopic: string,
    private readonly options: IClientOptions = {},
    private readonly timeoutMs = 10_000,
  ) {
    this.topics = mqttTopics(baseTopic);
    // The only place Lookout answers (mqtt.reply_prefix, default `<base>/_replies`).
    this.replyTopic = `${defaultReplyPrefix(baseTopic)}/${randomUUID()}`;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  register(user: ConnectionUser): void {
    this.users.set(user.id, user);
    user.onConnection(this.state);
    if (!this.client) this.open();
  }

  /** Drops the user's subscriptions; the last user closes the connection. */
  async deregister(user: ConnectionUser): Promise<void> {
    this.users.delete(user.id);
    for (const [filter, handlers] of this.subs) {
      handlers.delete(user.id);
      if (handlers.size === 0) {
        this.subs.delete(filter);
        this.client?.unsubscribe(filter);
      }
    }
    if (this.users.size === 0) {
      await this.close();
      this.idle?.();
    }
  }

  /**
   * The config node's close: Node-RED closes nodes in parallel, so wait (bounded) for the users'
   * own close handlers, which may still need the connection (releasing a lease).
   */
  async closeWhenIdle(timeoutMs = 5000): Promise<void> {
    if (this.users.size > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.idle = () => (clearTimeout(t), resolve());
      });
    }
    await this.close();
  }

  subscribe(user: ConnectionUser, filter: string, handler: Handler): void {
    void this.subscribed(user, filter, handler);
  }

  /**
   * Like subscribe, resolving once the broker has acknowledged the subscription (or at once when it
   * already stood, or when not connected: the subscription is then made on connect). A node that
   * subscribes just before sending a request (snapshot) must not miss the first message.
   */
  subscribed(user: ConnectionUser, filter: string, handler: Handler): Promise<void> {
    const handlers = this.subs.get(filter) ?? new Map<string, Handler>();
    handlers.set(user.id, handler);
    if (this.subs.has(filter)) return Promise.resolve();
    this.subs.set(filter, handlers);
    const client = this.client;
    if (!client?.connected) return Promise.resolve();
    return new Promise((resolve) => client.subscribe(filter, { qos: 1 }, () => resolve()));
  }

  /** Number of users and of topic filters held for them (tests check both are zero after close). */
  get usage(): { users: number; filters: number; pending: number } {
    return { users: this.users.size, filters: this.subs.size, pending: this.pending.size };
  }

  /** Sends a command and waits for Lookout's answer (or a timeout answer). */
  request(
    camera: string,
    command: MqttCommand,
    args: Record<string, unknown> = {},
    timeoutMs = this.timeoutMs,
  ): Promise<CommandResponse> {
    const id = randomUUID();
    return new Promise((resolve) => {
      if (!this.client?.connected) {
        resolve({ ok: false, error: { code: 'unavailable', message: 'not connected to the MQTT broker' } });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          ok: false,
          error: { code: 'timeout', message: `no answer from Lookout within ${timeoutMs} ms` },
        });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      const reply: Required<ReplyKeys> = { response_topic: this.replyTopic, correlation_id: id };
      const body = JSON.stringify({ ...args, ...reply });
      this.client.publish(this.topics.command(camera, command), body, { qos: 1 });
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code: 'unavailable', message: 'connection closed' } });
      this.pending.delete(id);
    }
    // Graceful: queued publishes (a last stream_stop) are flushed first; forced if the broker is gone.
    if (client) {
      await Promise.race([client.endAsync(), new Promise((r) => setTimeout(r, 2000))]).catch(() => {});
      if (!client.disconnected) client.end(true);
    }
    this.setState('disconnected');
  }

  private open(): void {
    this.setState('connecting');
    const client = connect(this.url, {
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...this.options,
    });
    this.client = client;
    client.on('connect', () => {
      client.subscribe([this.replyTopic, ...this.subs.keys()], { qos: 1 });
      this.setState('connected');
    });
    client.on('close', () => this.client === client && this.setState('connecting'));
    client.on('error', () => {});
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.replyTopic) {
      let answer: (CommandResponse & Pick<ReplyKeys, 'correlation_id'>) | null = null;
      try {
        answer = JSON.parse(payload.toString()) as CommandResponse & Pick<ReplyKeys, 'correlation_id'>;
      } catch {
        return;
      }
      const id = typeof answer.correlation_id === 'string' ? answer.correlation_id : '';
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      clearTimeout(p.timer);
      delete answer.correlation_id;
      p.resolve(answer);
      return;
    }
    for (const [filter, handlers] of this.subs) {
      if (!topicMatches(filter, topic)) continue;
      for (const h of handlers.values()) h(topic, payload);
    }
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const u of this.users.values()) u.onConnection(s);
  }
}

export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
