/**
 * Who may do what on the embedded broker. Pure (broker.ts wires it into aedes' hooks).
 *
 * - **Lookout's own session**: its client id with a per-process secret. The only client that may
 *   write Lookout's state, availability and discovery topics, or anything else.
 * - **Clients with the generated credentials** (broker-credentials.ts) and, on loopback only,
 *   **anonymous clients**: read everything; publish only commands (`<base>/<cam>/cmd/<command>`,
 *   not retained: a retained command would replay on every reconnect) and Home Assistant's birth
 *   message (`<prefix>/status`). A retained `lookout/<cam>/motion ON` from anyone else would make
 *   HA and every automation believe the camera sees motion.
 * - **Lookout's client id is Lookout's**: anyone else connecting with it is refused before the
 *   broker's takeover rule would disconnect Lookout's session.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { parseCommandTopic } from '../../contracts/mqtt.js';
import type { BrokerCredentials } from './broker-credentials.js';

export type BrokerRole = 'lookout' | 'client' | 'anonymous';

export interface BrokerAccessRule {
  /** Lookout's own session: `mqtt.client_id` and a per-process secret. */
  lookout: { clientId: string } & BrokerCredentials;
  /** The generated credentials (`<data_dir>/mqtt/credentials.json`). */
  clients: BrokerCredentials;
  allowAnonymous: boolean;
  baseTopic: string;
  discoveryPrefix: string;
}

/** MQTT 3.1.1 CONNACK return codes. */
export const CONNACK = { identifierRejected: 2, badCredentials: 4, notAuthorized: 5 } as const;

export type ConnectVerdict =
  | { ok: true; role: BrokerRole }
  | { ok: false; returnCode: (typeof CONNACK)[keyof typeof CONNACK]; reason: string };

export function judgeConnect(
  rule: BrokerAccessRule,
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
): ConnectVerdict {
  const isLookout =
    username !== undefined && same(username, rule.lookout.username) && same(password, rule.lookout.password);
  if (clientId === rule.lookout.clientId)
    return isLookout
      ? { ok: true, role: 'lookout' }
      : { ok: false, returnCode: CONNACK.identifierRejected, reason: "Lookout's own client id" };
  if (isLookout)
    // Lookout's secret under another id: not Lookout's session, and not something a client has.
    return {
      ok: false,
      returnCode: CONNACK.badCredentials,
      reason: "Lookout's credentials under another id",
    };
  if (username === undefined && password === undefined)
    return rule.allowAnonymous
      ? { ok: true, role: 'anonymous' }
      : { ok: false, returnCode: CONNACK.notAuthorized, reason: 'no credentials' };
  if (
    username !== undefined &&
    same(username, rule.clients.username) &&
    same(password, rule.clients.password)
  )
    return { ok: true, role: 'client' };
  return { ok: false, returnCode: CONNACK.badCredentials, reason: 'wrong user or password' };
}

/** Null when the role may publish (or set as its will) this message; else why not. */
export function publishProblem(
  rule: BrokerAccessRule,
  role: BrokerRole | undefined,
  topic: string,
  retain: boolean,
): string | null {
  if (role === 'lookout') return null;
  if (role === undefined) return 'not a connected client';
  if (topic === `${rule.discoveryPrefix}/status`) return null;
  if (parseCommandTopic(rule.baseTopic, topic) === null) return 'only command topics may be published';
  if (retain) return 'commands may not be retained';
  return null;
}

/** Null when the role may subscribe to this filter: everyone connected may read. */
export function subscribeProblem(role: BrokerRole | undefined, filter: string): string | null {
  if (role === undefined) return 'not a connected client';
  if (role !== 'lookout' && filter.startsWith('$SYS')) return '$SYS is the broker’s own';
  return null;
}

/** Constant-time comparison of a received credential with the expected one. */
function same(got: string | Buffer | undefined, want: string): boolean {
  if (got === undefined) return false;
  const a = createHash('sha256').update(got).digest();
  const b = createHash('sha256').update(want).digest();
  return timingSafeEqual(a, b);
}
