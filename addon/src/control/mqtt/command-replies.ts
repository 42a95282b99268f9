/**
 * Incoming commands (`<base>/<cam>/cmd/<command>`) and their answers: parse and run them
 * (commands.ts), then answer on the request's reply topic (MQTT v5 `responseTopic` with its
 * `correlationData`, or the v3.1.1 payload keys `response_topic` + `correlation_id`). A failed
 * command is one log line, never a stack trace for a client's mistake.
 */
import type { IPublishPacket } from 'mqtt';
import {
  isMqttCommand,
  parseCommandTopic,
  type CommandResponse,
  type MqttTopics,
} from '../../contracts/mqtt.js';
import { replyTopicProblem, type ReplyTopicRule } from '../../contracts/mqtt-replies.js';
import { LookoutError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { Redactor } from '../../lib/redact.js';
import { parseCommand, runCommand, type CommandDeps } from './commands.js';
import type { MqttConnection } from './connection.js';
import type { PtzService, RecordingService, SnapshotService, StreamHost } from './ports.js';

export interface CommandRepliesOptions {
  conn: MqttConnection;
  /** Where answers may go (base topic, discovery prefix, reply prefix). */
  replies: ReplyTopicRule;
  topics: MqttTopics;
  clientId: string;
  log: Logger;
  /** Masks every answer (deep, before serialisation: a JSON-escaped secret is still found). */
  redactor: Redactor;
  host: StreamHost;
  ptz?: PtzService | undefined;
  recordings?: RecordingService | undefined;
  snapshots?: SnapshotService | undefined;
  /** Whether the connection speaks MQTT v5 (answers carry the request's correlationData). */
  v5: () => boolean;
  /** A snapshot command published this JPEG (the retained HA picture follows it). */
  onSnapshot: (camera: string, jpeg: Buffer) => void;
  /** After a command that changes state: what to re-publish. */
  onDone: (camera: string, command: string, result: Record<string, unknown>) => void;
}

export class CommandReplies {
  /** Commands dropped because they named a reply topic Lookout may not publish to. */
  private refusedReplies = 0;

  constructor(private readonly o: CommandRepliesOptions) {}

  get replyTopicsRefused(): number {
    return this.refusedReplies;
  }

  /**
   * A request naming a forbidden reply topic is dropped, not run: its answer cannot be delivered,
   * and a stream_start whose lease id never reaches its requester would hold the stream for
   * nothing. Counted, and logged once (then at debug: a loop of them must not flood the log).
   */
  private replyAllowed(topic: unknown, camera: string, command: string): boolean {
    const problem = replyTopicProblem(topic, this.o.replies);
    if (problem === null) return true;
    this.refusedReplies++;
    const shown = typeof topic === 'string' ? topic.slice(0, 100) : typeof topic;
    const line = { camera, command, replyTopic: shown, refused: this.refusedReplies };
    const msg = `MQTT command dropped: its reply topic is ${problem}`;
    if (this.refusedReplies === 1) this.o.log.warn(line, `${msg} (further ones are counted in /metrics)`);
    else this.o.log.debug(line, msg);
    return false;
  }

  async onMessage(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    const target = parseCommandTopic(this.o.replies.baseTopic, topic);
    if (!target) return;
    const { conn, log } = this.o;
    let responseTopic = packet.properties?.responseTopic;
    if (responseTopic !== undefined && !this.replyAllowed(responseTopic, target.camera, target.command))
      return;
    const correlationData = packet.properties?.correlationData;
    let correlationId: unknown;
    let answer: CommandResponse;
    try {
      if (!isMqttCommand(target.command))
        throw new LookoutError(400, 'bad_request', `unknown command "${target.command}"`);
      const args = parseCommand(target.command, payload);
      // v3.1.1 clients (the embedded broker) name the reply topic in the payload.
      if (responseTopic === undefined && Object.hasOwn(args, 'response_topic')) {
        if (!this.replyAllowed(args.response_topic, target.camera, target.command)) return;
        responseTopic = args.response_topic as string;
        correlationId = args.correlation_id;
      }
      const deps: CommandDeps = {
        host: this.o.host,
        ptz: this.o.ptz,
        recordings: this.o.recordings,
        snapshots: this.o.snapshots,
        publishSnapshot: async (camera, jpeg) => {
          await conn.publishAsync(this.o.topics.snapshot(camera), jpeg);
          this.o.onSnapshot(camera, jpeg);
        },
        holder: `mqtt:${this.o.clientId}`,
      };
      const result = await runCommand(deps, target.camera, target.command, args);
      answer = { ok: true, ...result };
      log.debug({ camera: target.camera, command: target.command }, 'MQTT command done');
      this.o.onDone(target.camera, target.command, result);
    } catch (err) {
      const e = toCommandError(err, this.o.redactor);
      answer = { ok: false, error: e };
      // ONE line per failed command, never a stack trace for a client's mistake.
      log.warn(
        { camera: target.camera, command: target.command, code: e.code },
        `MQTT command failed: ${e.message}`,
      );
    }
    if (!responseTopic || !conn.connected) return;
    const body = correlationId !== undefined ? { ...answer, correlation_id: correlationId } : answer;
    conn.publishWith(
      responseTopic,
      JSON.stringify(this.o.redactor.redactValue(body)),
      this.o.v5() ? correlationData : undefined,
    );
  }
}

function toCommandError(err: unknown, redactor: Redactor): { code: string; message: string } {
  if (err instanceof LookoutError) return { code: err.code, message: redactor.redact(err.message) };
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.status === 'number' && typeof e.code === 'string' && typeof e.message === 'string') {
    return { code: e.code, message: redactor.redact(e.message) };
  }
  return { code: 'internal', message: redactor.redact(err instanceof Error ? err.message : String(err)) };
}
