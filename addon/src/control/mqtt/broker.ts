/**
 * The embedded broker (aedes) for installs without one: the demo and Node-RED on the same host then
 * work out of the box. aedes speaks MQTT 3.1.1 only, so clients use v3.1.1 here (v5
 * request/response needs an external broker; v3 clients name a reply topic in the payload
 * instead, see docs/mqtt.md).
 *
 * Access (broker-access.ts): Lookout's own session logs in with a secret made for this process;
 * other clients with the generated credentials (broker-credentials.ts), or without any on loopback
 * when `allowAnonymous`; they read everything and publish only commands. Every refusal is counted
 * (`stats()`, in /metrics) and logged once per kind (a client retrying in a loop must not flood
 * the log); the credentials never appear in either.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import type { Logger } from '../../lib/log.js';
import {
  judgeConnect,
  publishProblem,
  subscribeProblem,
  type BrokerAccessRule,
  type BrokerRole,
} from './broker-access.js';
import type { BrokerCredentials } from './broker-credentials.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** Lookout's own client id (`mqtt.client_id`). */
  clientId: string;
  /** The generated client credentials. */
  clients: BrokerCredentials;
  allowAnonymous: boolean;
  baseTopic: string;
  discoveryPrefix: string;
  log: Logger;
}

/** Refusals since start, by what was refused. */
export interface BrokerRefusals {
  connect: number;
  publish: number;
  subscribe: number;
}

export interface EmbeddedBroker {
  /** mqtt://host:port of the listening broker. */
  url: string;
  port: number;
  /** What Lookout's own client logs in with (never leaves this process). */
  lookout: BrokerCredentials;
  stats(): BrokerRefusals;
  close(): Promise<void>;
}

const cut = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

export async function startEmbeddedBroker(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const lookout = { username: 'lookout-session', password: randomBytes(24).toString('base64url') };
  const rule: BrokerAccessRule = {
    lookout: { clientId: o.clientId, ...lookout },
    clients: o.clients,
    allowAnonymous: o.allowAnonymous,
    baseTopic: o.baseTopic,
    discoveryPrefix: o.discoveryPrefix,
  };
  const roles = new WeakMap<Client, BrokerRole>();
  const refused: BrokerRefusals = { connect: 0, publish: 0, subscribe: 0 };
  const refuse = (what: keyof BrokerRefusals, fields: Record<string, unknown>, reason: string) => {
    refused[what]++;
    const line = { ...fields, reason, refused: refused[what] };
    if (refused[what] === 1)
      o.log.warn(line, `embedded MQTT broker refused a ${what} (further ones are counted in /metrics)`);
    else o.log.debug(line, `embedded MQTT broker refused a ${what}`);
  };

  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const v = judgeConnect(rule, client.id, username, password);
      if (v.ok) {
        roles.set(client, v.role);
        return done(null, true);
      }
      refuse('connect', { clientId: cut(client.id) }, v.reason);
      const err = Object.assign(new Error(v.reason), { returnCode: v.returnCode });
      done(err, false);
    },
    authorizePublish: (client, packet, done) => {
      const role = client ? roles.get(client) : undefined;
      const problem = publishProblem(rule, role, packet.topic, packet.retain);
      if (problem === null) return done(null);
      refuse('publish', { clientId: cut(client?.id ?? ''), topic: cut(packet.topic) }, problem);
      done(new Error(problem));
    },
    authorizeSubscribe: (client, sub, done) => {
      const problem = subscribeProblem(roles.get(client), sub.topic);
      if (problem === null) return done(null, sub);
      refuse('subscribe', { clientId: cut(client.id), topic: cut(sub.topic) }, problem);
      done(new Error(problem), null);
    },
  });
  // A refused client's error is ours to count, not aedes' to print.
  aedes.on('clientError', () => {});
  aedes.on('connectionError', () => {});
  const server: Server = createServer(aedes.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((r) => aedes.close(() => r()));
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  const hostPart = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `mqtt://${hostPart}:${bound}`,
    port: bound,
    lookout,
    stats: () => ({ ...refused }),
    close: async () => {
      // aedes.close() disconnects clients; the server then closes once its sockets are gone.
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
