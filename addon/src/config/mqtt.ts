/**
 * The `mqtt:` section. Without `url`, Lookout runs an embedded broker on loopback so the demo and
 * Node-RED on the same host work with no setup. The password is collected as a secret by the
 * generic `password` rule in secrets.ts, so it never reaches a log line.
 */
import type { MqttSettings } from '../contracts/config.js';
import { DEFAULT_BASE_TOPIC, DEFAULT_DISCOVERY_PREFIX } from '../contracts/mqtt.js';
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
  embedded: { host: '127.0.0.1', port: 1883 },
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
  return {
    imageIntervalMs,
    enabled: get(m, base, 'enabled', isBool, BUILT_IN_MQTT.enabled),
    url,
    username: get<string | null>(m, base, 'username', isString, null),
    password: get<string | null>(m, base, 'password', isString, null),
    clientId: get(m, base, 'client_id', isString, BUILT_IN_MQTT.clientId),
    baseTopic: topicPrefix('base_topic', BUILT_IN_MQTT.baseTopic),
    discovery: get(m, base, 'discovery', isBool, BUILT_IN_MQTT.discovery),
    discoveryPrefix: topicPrefix('discovery_prefix', BUILT_IN_MQTT.discoveryPrefix),
    embedded: {
      host: get(e, child(base, 'embedded'), 'host', isString, BUILT_IN_MQTT.embedded.host),
      port: get(e, child(base, 'embedded'), 'port', isListenPort, BUILT_IN_MQTT.embedded.port),
    },
  };
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
