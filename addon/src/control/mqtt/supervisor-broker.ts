/**
 * The MQTT broker Home Assistant's Supervisor hands to add-ons (`services: [mqtt:want]` in
 * addon/config.yaml): `GET http://supervisor/services/mqtt` with the add-on's SUPERVISOR_TOKEN
 * answers `{result: 'ok', data: {host, port, ssl, username, password, protocol}}` (shared/docs/HA.md
 * §1.7). Pure: fetch, parse, validate; every malformed answer gets an error that names the field,
 * and no error ever carries the password. The caller decides what a failure means (the MQTT service
 * falls back to its embedded broker).
 */

export interface SupervisorBroker {
  /** mqtt://host:port, or mqtts:// when the Supervisor says ssl. No credentials in it. */
  url: string;
  username: string | null;
  /** SECRET */
  password: string | null;
  /** MQTT protocol level for mqtt.js: 3 (MQTT 3.1) or 5. */
  protocolVersion: 3 | 5;
}

export interface SupervisorAccess {
  token: string;
  /** http://supervisor in the add-on; SUPERVISOR_URL overrides it (tests). */
  baseUrl: string;
}

export class SupervisorBrokerError extends Error {
  override name = 'SupervisorBrokerError';
}

export const SUPERVISOR_DEFAULT_URL = 'http://supervisor';
const TIMEOUT_MS = 3000;

/** The Supervisor's address and token from the environment; null outside an add-on. */
export function supervisorAccess(env: Readonly<Record<string, string | undefined>>): SupervisorAccess | null {
  const token = env['SUPERVISOR_TOKEN'] ?? '';
  if (token === '') return null;
  const baseUrl = (env['SUPERVISOR_URL'] ?? '') || SUPERVISOR_DEFAULT_URL;
  return { token, baseUrl: baseUrl.replace(/\/+$/, '') };
}

/** Asks the Supervisor for the MQTT service; rejects with a SupervisorBrokerError on any failure. */
export async function fetchSupervisorBroker(
  access: SupervisorAccess,
  timeoutMs = TIMEOUT_MS,
): Promise<SupervisorBroker> {
  const url = `${access.baseUrl}/services/mqtt`;
  const abort = new AbortController();
  // One deadline for connect, headers and body: a Supervisor that stalls mid-answer must not hang start-up.
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${access.token}`, accept: 'application/json' },
      signal: abort.signal,
      redirect: 'error',
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    if (abort.signal.aborted) throw new SupervisorBrokerError(`${url}: no answer within ${timeoutMs} ms`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new SupervisorBrokerError(`${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SupervisorBrokerError(`${url}: HTTP ${status}, the answer is not JSON`);
  }
  if (status !== 200 || !isObject(body) || body['result'] !== 'ok') {
    const msg =
      isObject(body) && typeof body['message'] === 'string' ? `: ${body['message'].slice(0, 200)}` : '';
    throw new SupervisorBrokerError(`${url}: HTTP ${status}${msg || ', result is not "ok"'}`);
  }
  return parseSupervisorBroker(body['data']);
}

/** Validates the `data` of the Supervisor's answer. Port may be a number or a numeric string. */
export function parseSupervisorBroker(data: unknown): SupervisorBroker {
  const bad = (what: string) => new SupervisorBrokerError(`malformed MQTT service answer: ${what}`);
  if (!isObject(data)) throw bad('data is not an object');
  const host = data['host'];
  if (typeof host !== 'string' || !/^[A-Za-z0-9._:[\]%-]+$/.test(host))
    throw bad('data.host is missing or not a host name');
  const rawPort = data['port'];
  const port = typeof rawPort === 'string' && /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw bad('data.port is missing or not a port number (1-65535)');
  const ssl = data['ssl'] ?? false;
  if (typeof ssl !== 'boolean') throw bad('data.ssl is not a boolean');
  const username = optionalString(data, 'username', bad);
  const password = optionalString(data, 'password', bad);
  const protocol = data['protocol'] ?? '3.1.1';
  if (typeof protocol !== 'string' || !/^(3\.1|3\.1\.1|5(\.0)?)$/.test(protocol))
    throw bad('data.protocol is not "3.1", "3.1.1" or "5"');
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const hostPart = bare.includes(':') ? `[${bare}]` : bare;
  return {
    url: `${ssl ? 'mqtts' : 'mqtt'}://${hostPart}:${port}`,
    username,
    password,
    // The Supervisor can only say "3.1" or "3.1.1", and HA's Mosquitto add-on registers "3.1.1"
    // while speaking v5; Lookout uses v5 (request/response) with every external broker, as with a
    // configured url. Only a broker that declares the old 3.1 gets 3.1.
    protocolVersion: protocol === '3.1' ? 3 : 5,
  };
}

function optionalString(
  data: Record<string, unknown>,
  key: string,
  bad: (what: string) => Error,
): string | null {
  const v = data[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw bad(`data.${key} is not a string`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
