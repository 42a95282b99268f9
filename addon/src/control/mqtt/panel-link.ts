/**
 * Where a Home Assistant device page links to ("Visit" = the device's `configuration_url`): the
 * panel. In the add-on that is its ingress page, `homeassistant://hassio/ingress/<full slug>` (an
 * internal HA link: it works remotely, and HA opens the add-on's panel), with the full slug
 * (`<repo hash>_lookout`, `local_lookout` for a local add-on) from the Supervisor's
 * `GET /addons/self/info` (shared HA.md §1.7). Elsewhere it is Lookout's own page at `server.host`
 * and `server.port` (the machine's host name for a wildcard address); none for port 0 (tests).
 */
import { hostname } from 'node:os';
import { supervisorAccess } from './supervisor-broker.js';

const SLUG_RE = /^[a-z0-9_]+$/;

export async function panelLink(opts: {
  env: Readonly<Record<string, string | undefined>>;
  host: string;
  port: number;
  timeoutMs?: number;
}): Promise<{ url: string | null; problem: string | null }> {
  const access = supervisorAccess(opts.env);
  if (access) {
    try {
      const slug = await addonSlug(access.baseUrl, access.token, opts.timeoutMs ?? 3000);
      return { url: `homeassistant://hassio/ingress/${slug}`, problem: null };
    } catch (err) {
      return { url: null, problem: (err as Error).message };
    }
  }
  if (opts.port === 0) return { url: null, problem: null };
  const wildcard = opts.host === '0.0.0.0' || opts.host === '::';
  const host = wildcard ? hostname() : opts.host;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${opts.port}/`, problem: null };
}

async function addonSlug(baseUrl: string, token: string, timeoutMs: number): Promise<string> {
  const url = `${baseUrl}/addons/self/info`;
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  }).catch((err: unknown) => {
    throw new Error(
      `${url}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message}`,
    );
  });
  const body = (await res.json().catch(() => null)) as { result?: unknown; data?: { slug?: unknown } } | null;
  const slug = body?.data?.slug;
  if (!res.ok || body?.result !== 'ok' || typeof slug !== 'string' || !SLUG_RE.test(slug))
    throw new Error(`${url}: HTTP ${res.status}, no add-on slug in the answer`);
  return slug;
}
