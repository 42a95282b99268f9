/**
 * Announces this Lookout to Home Assistant through the Supervisor's discovery service, so the
 * Lookout integration (custom_components/lookout, `async_step_hassio`) finds the add-on and the
 * user only confirms: `POST http://supervisor/discovery {service: 'lookout', config: {host, port,
 * token?}}` with the add-on's SUPERVISOR_TOKEN (addon/config.yaml declares `discovery: [lookout]`).
 * `host` is the add-on container's host name (the Supervisor names it after the add-on's slug), the
 * one HA Core reaches the add-on by; `token` is server.token when one is set (the integration's
 * requests do not come through the ingress proxy, so they need it). Only HA Core reads discovery
 * messages. Outside the add-on (no SUPERVISOR_TOKEN) nothing is sent.
 */
import { hostname } from 'node:os';
import type { SupervisorAccess } from '../mqtt/supervisor-broker.js';

export const DISCOVERY_SERVICE = 'lookout';
const TIMEOUT_MS = 5000;

export interface DiscoveryConfig {
  host: string;
  port: number;
  token?: string;
}

export function discoveryConfig(port: number, token: string | null, host = hostname()): DiscoveryConfig {
  return token ? { host, port, token } : { host, port };
}

/**
 * Sends the discovery message; resolves with the Supervisor's discovery uuid, rejects with an
 * error that never contains the token.
 */
export async function announceToSupervisor(
  access: SupervisorAccess,
  config: DiscoveryConfig,
  timeoutMs = TIMEOUT_MS,
): Promise<string> {
  const url = `${access.baseUrl}/discovery`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${access.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ service: DISCOVERY_SERVICE, config }),
      signal: abort.signal,
      redirect: 'error',
    });
    const body = (await res.json().catch(() => null)) as {
      result?: string;
      message?: string;
      data?: { uuid?: string };
    } | null;
    if (res.status !== 200 || body?.result !== 'ok') {
      const why = typeof body?.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
      throw new Error(`${url}: HTTP ${res.status}${why}`);
    }
    return body.data?.uuid ?? '';
  } catch (err) {
    if (abort.signal.aborted) throw new Error(`${url}: no answer within ${timeoutMs} ms`);
    if (!(err instanceof TypeError)) throw err; // our own HTTP error above
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${url}: ${cause?.code ?? cause?.message ?? err.message}`);
  } finally {
    clearTimeout(timer);
  }
}
