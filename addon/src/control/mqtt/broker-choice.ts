/**
 * Which broker Lookout talks to: `mqtt.url` when set; else, in the add-on, the one Home
 * Assistant's Supervisor names; else the embedded broker (broker.ts), started here.
 */
import type { MqttSettings } from '../../contracts/config.js';
import type { Logger } from '../../lib/log.js';
import type { Redactor, SecretRegistry } from '../../lib/redact.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { loadOrCreateCredentials } from './broker-credentials.js';
import { fetchSupervisorBroker, supervisorAccess, type SupervisorBroker } from './supervisor-broker.js';

export interface BrokerChoice {
  /** What mqtt.js connects to (may hold credentials when the config's url does). */
  url: string;
  /** The same without credentials: for logs and `MqttService.url`. */
  shownUrl: string;
  username: string | null;
  /** SECRET */
  password: string | null;
  /** mqtt.js protocol level: 3 (MQTT 3.1), 4 (3.1.1: the embedded broker) or 5. */
  protocolVersion: 3 | 4 | 5;
  /** The embedded broker when Lookout runs it (stopped with the service). */
  embedded: EmbeddedBroker | null;
}

export interface BrokerChoiceOptions {
  settings: MqttSettings;
  log: Logger;
  /** Where SUPERVISOR_TOKEN / SUPERVISOR_URL are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** Overrides `mqtt.embedded.port` (0 in tests). */
  embeddedPort?: number | undefined;
  /** The app's redactor: learns every broker password before anything can log it. */
  redactor: Redactor & SecretRegistry;
  /** server.data_dir: the embedded broker's client credentials are kept there; absent: per run. */
  dataDir?: string | undefined;
}

export async function chooseBroker(o: BrokerChoiceOptions): Promise<BrokerChoice> {
  const s = o.settings;
  if (s.url !== null)
    return {
      url: s.url,
      shownUrl: o.redactor.redact(s.url),
      username: s.username,
      password: s.password,
      protocolVersion: 5,
      embedded: null,
    };
  const ha = await askSupervisor(o.env, o.log, o.redactor);
  if (ha)
    return {
      url: ha.url,
      shownUrl: ha.url,
      username: ha.username,
      password: ha.password,
      // MQTT 3.1 has no v5 properties either: requests name their reply topic in the payload.
      protocolVersion: ha.protocolVersion,
      embedded: null,
    };
  const clients = loadOrCreateCredentials(o.dataDir, o.log);
  // Before anything can log them: neither password is in the config.
  o.redactor.addSecrets([clients.password]);
  const embedded = await startEmbeddedBroker({
    host: s.embedded.host,
    port: o.embeddedPort ?? s.embedded.port,
    clientId: s.clientId,
    clients,
    allowAnonymous: s.embedded.allowAnonymous,
    baseTopic: s.baseTopic,
    discoveryPrefix: s.discoveryPrefix,
    log: o.log,
  });
  o.redactor.addSecrets([embedded.lookout.password]);
  o.log.info(
    { url: embedded.url, anonymous: s.embedded.allowAnonymous },
    'embedded MQTT broker listening (client credentials in <data_dir>/mqtt/credentials.json)',
  );
  return {
    url: embedded.url,
    shownUrl: embedded.url,
    username: embedded.lookout.username,
    password: embedded.lookout.password,
    // aedes only speaks MQTT 3.1.1.
    protocolVersion: 4,
    embedded,
  };
}

/**
 * In the add-on (SUPERVISOR_TOKEN set) with no mqtt.url: the broker HA's Supervisor provides.
 * Any failure (no MQTT service, 401/403, malformed answer, 3 s timeout) is one warning, and the
 * embedded broker takes over.
 */
async function askSupervisor(
  env: Readonly<Record<string, string | undefined>>,
  log: Logger,
  redactor: Redactor & SecretRegistry,
): Promise<SupervisorBroker | null> {
  const access = supervisorAccess(env);
  if (!access) return null;
  try {
    const broker = await fetchSupervisorBroker(access);
    // Before anything can log it: the password is not in the config, so the redactor must learn it.
    if (broker.password !== null) redactor.addSecrets([broker.password]);
    log.info({ url: broker.url }, 'using the MQTT broker named by the Home Assistant Supervisor');
    return broker;
  } catch (err) {
    log.warn(
      { err: redactor.redact((err as Error).message) },
      'no MQTT broker from the Home Assistant Supervisor; running the embedded broker',
    );
    return null;
  }
}
