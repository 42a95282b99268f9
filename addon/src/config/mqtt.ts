/**
 * The `mqtt:` section. Without `url`, Lookout runs an embedded broker on loopback so the demo and
 * Node-RED on the same host work with no setup. The password is collected as a secret by the
 * generic `password` rule in secrets.ts, so it never reaches a log line.
 *
 * The embedded broker always has credentials (generated, control/mqtt/broker-credentials.ts); on
 * loopback it also lets clients in without them (read and commands only), because only processes
 * on this host reach it there. Anywhere else anonymous clients are refused, and asking for them is
 * a config error: a LAN-reachable broker without credentials lets anyone steer the cameras.
 */
import type { MqttSettings } from '../contracts/config.js';
import { DEFAULT_BASE_TOPIC, DEFAULT_DISCOVERY_PREFIX } from '../contracts/mqtt.js';
import { defaultReplyPrefix, replyPrefixProblem } from '../contracts/mqtt-replies.js';
import { isBool, isString, ok, type Checker, type RawMap } from './check.js';
import { parseDuration } from './duration.js';
import { child, ValueError } from './errors.js';

const isListenPort = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;
/** A topic prefix: no wildcards, no leading/trailing slash, no empty levels. */
const TOPIC_PREFIX_RE = /^[^/#+\s]+(\/[^/#+\s]+)*$/;

export const BUILT_IN_MQTT: MqttSettings = {
  enabled: true,
  url: null,
  username: null,
  password: null,
  clientId: 'lookout',
  baseTopic: DEFAULT_BASE_TOPIC,
  discovery: true,
  discoveryPrefix: DEFAULT_DISCOVERY_PREFIX,
  replyPrefix: defaultReplyPrefix(DEFAULT_BASE_TOPIC),
  embedded: { host: '127.0.0.1', port: 1883, allowAnonymous: true },
  imageIntervalMs: 600_000,
};

/** At least a minute: each picture of an idle camera starts its sub stream for a moment. */
const MIN_IMAGE_INTERVAL_MS = 60_000;

export function resolveMqtt(root: RawMap, ck: Checker): MqttSettings {
  const base = '/mqtt';
  const block = ck.map(root, 'mqtt', '');
  const m = ok(block) ? block : undefined;
  const get = <T>(
    obj: RawMap | undefined,
    at: string,
    key: string,
    guard: (v: unknown) => v is T,
    dflt: T,
  ): T => {
    const v = ck.read(obj, key, at, guard);
    return ok(v) ? v : dflt;
  };
  const topicPrefix = (key: string, dflt: string): string => {
    const v = get(m, base, key, isString, dflt);
    if (TOPIC_PREFIX_RE.test(v)) return v;
    ck.add(child(base, key), `"${v}" is not a usable topic prefix (no wildcards, spaces or empty levels)`);
    return dflt;
  };
  const emb = ck.map(m, 'embedded', base);
  const e = ok(emb) ? emb : undefined;
  const url = get<string | null>(m, base, 'url', isString, null);
  if (url !== null && !/^(mqtts?|wss?|tcp|ssl):\/\/[^/]+/.test(url)) {
    ck.add(child(base, 'url'), 'expected mqtt://host:port (or mqtts://, ws://, wss://)');
  }
  const imageIntervalMs = readImageInterval(m, base, ck);
  const baseTopic = topicPrefix('base_topic', BUILT_IN_MQTT.baseTopic);
  const discoveryPrefix = topicPrefix('discovery_prefix', BUILT_IN_MQTT.discoveryPrefix);
  let replyPrefix = topicPrefix('reply_prefix', defaultReplyPrefix(baseTopic));
  const replyProblem = replyPrefixProblem({ baseTopic, discoveryPrefix, replyPrefix });
  if (replyProblem !== null) {
    ck.add(
      child(base, 'reply_prefix'),
      `"${replyPrefix}" ${replyProblem}: answers would land on Lookout's or HA's topics`,
    );
    replyPrefix = defaultReplyPrefix(baseTopic);
  }
  const embAt = child(base, 'embedded');
  const host = get(e, embAt, 'host', isString, BUILT_IN_MQTT.embedded.host);
  const loopback = isLoopbackHost(host);
  const allowAnonymous = get(e, embAt, 'allow_anonymous', isBool, loopback);
  if (allowAnonymous && !loopback && url === null)
    ck.add(
      child(embAt, 'allow_anonymous'),
      `the embedded broker on "${host}" is reachable from other machines: it needs credentials there ` +
        '(remove allow_anonymous; clients use the user and password in <data_dir>/mqtt/credentials.json)',
    );
  return {
    imageIntervalMs,
    enabled: get(m, base, 'enabled', isBool, BUILT_IN_MQTT.enabled),
    url,
    username: get<string | null>(m, base, 'username', isString, null),
    password: get<string | null>(m, base, 'password', isString, null),
    clientId: get(m, base, 'client_id', isString, BUILT_IN_MQTT.clientId),
    baseTopic,
    discovery: get(m, base, 'discovery', isBool, BUILT_IN_MQTT.discovery),
    discoveryPrefix,
    replyPrefix,
    embedded: {
      host,
      port: get(e, embAt, 'port', isListenPort, BUILT_IN_MQTT.embedded.port),
      allowAnonymous: allowAnonymous && loopback,
    },
  };
}

/** 127.0.0.0/8, ::1 and localhost: only processes on this host reach a listener there. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}

/** `image_interval`: a duration of at least 1m, or false for none. */
function readImageInterval(m: RawMap | undefined, base: string, ck: Checker): number | null {
  const raw = m?.['image_interval'];
  if (raw === undefined) return BUILT_IN_MQTT.imageIntervalMs;
  if (raw === false) return null;
  const at = child(base, 'image_interval');
  try {
    const ms = parseDuration(raw);
    if (ms >= MIN_IMAGE_INTERVAL_MS) return ms;
    ck.add(
      at,
      `${String(raw)} is too often: at least 1m (or false for pictures only on motion and snapshots)`,
    );
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    ck.add(at, `${err.message}, or false`);
  }
  return BUILT_IN_MQTT.imageIntervalMs;
}
