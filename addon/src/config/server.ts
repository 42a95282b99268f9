/**
 * The `server:` section. data_dir is resolved against the config file's folder, not the cwd. The
 * API token is recorded in provenance as *** only; trusted_proxies defaults to HA's ingress proxy
 * when running as an add-on (the Supervisor sets SUPERVISOR_TOKEN in every add-on's environment).
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { ServerSettings } from '../contracts/config.js';
import { BUILT_IN_DATA_DIR, BUILT_IN_LABEL, BUILT_IN_SERVER, HA_INGRESS_PROXY } from './built-in.js';
import { isString, ok, type Checker, type RawMap } from './check.js';
import { isOneOf, LOG_LEVELS } from './enums.js';
import { child } from './errors.js';
import { ProvenanceLog, SECRET_MASK } from './provenance.js';
import type { Env } from './secrets.js';

const isListenPort = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;

export function resolveServer(
  root: RawMap,
  baseDir: string,
  env: Env,
  ck: Checker,
): { server: ServerSettings; provenance: ProvenanceLog } {
  const prov = new ProvenanceLog();
  const block = ck.map(root, 'server', '');
  const s = ok(block) ? block : undefined;
  const base = '/server';
  const get = <T>(key: string, path: string, guard: (v: unknown) => v is T, dflt: T): T => {
    const v = ck.read(s, key, base, guard);
    if (ok(v)) prov.add(path, v, 'global', child(base, key));
    else prov.add(path, dflt, 'built-in', BUILT_IN_LABEL);
    return ok(v) ? v : dflt;
  };
  const host = get('host', 'server.host', isString, BUILT_IN_SERVER.host);
  const port = get('port', 'server.port', isListenPort, BUILT_IN_SERVER.port);
  const logLevel = get('log_level', 'server.logLevel', isOneOf(LOG_LEVELS), BUILT_IN_SERVER.logLevel);
  const declared = ck.read(s, 'data_dir', base, isString);
  const dir = ok(declared) ? declared : BUILT_IN_DATA_DIR;
  const dataDir = isAbsolute(dir) ? dir : resolve(baseDir, dir);
  if (ok(declared)) prov.add('server.dataDir', dataDir, 'global', child(base, 'data_dir'));
  else
    prov.add(
      'server.dataDir',
      dataDir,
      'built-in',
      `${BUILT_IN_LABEL} (${BUILT_IN_DATA_DIR} beside the config file)`,
    );
  const token = resolveToken(s, base, ck, prov);
  const trustedProxies = resolveTrustedProxies(s, base, env, ck, prov);
  const allowedHosts = resolveAllowedHosts(s, base, ck, prov);
  const corsOrigins = resolveCorsOrigins(s, base, ck, prov);
  const exposure = exposureProblem(host, token, trustedProxies);
  if (exposure !== null) ck.add(child(base, 'host'), exposure);
  const hw = s?.['hwaccel'] as { api?: unknown; device?: unknown } | undefined;
  // The schema has checked its shape.
  const hwaccel =
    hw && (hw.api === 'vaapi' || hw.api === 'qsv') && typeof hw.device === 'string'
      ? { api: hw.api as 'vaapi' | 'qsv', device: hw.device }
      : null;
  prov.add(
    'server.hwaccel',
    hwaccel,
    hwaccel ? 'global' : 'built-in',
    hwaccel ? child(base, 'hwaccel') : `${BUILT_IN_LABEL} (software)`,
  );
  return {
    server: { host, port, dataDir, logLevel, token, trustedProxies, allowedHosts, corsOrigins, hwaccel },
    provenance: prov,
  };
}

/** Long enough not to be guessed, and for the redactor to mask it (it skips very short values). */
const MIN_TOKEN_LENGTH = 16;

function resolveToken(s: RawMap | undefined, base: string, ck: Checker, prov: ProvenanceLog): string | null {
  const v = ck.read(s, 'token', base, isString);
  if (ok(v) && v.length < MIN_TOKEN_LENGTH) {
    // The message says how long it is, never what it is.
    ck.add(
      child(base, 'token'),
      `the token is too short (${v.length} characters); use at least ${MIN_TOKEN_LENGTH}, e.g. the output of \`openssl rand -hex 24\``,
    );
  }
  if (ok(v)) prov.add('server.token', SECRET_MASK, 'global', child(base, 'token'));
  else prov.add('server.token', null, 'built-in', `${BUILT_IN_LABEL} (no authentication)`);
  return ok(v) ? v : null;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function resolveTrustedProxies(
  s: RawMap | undefined,
  base: string,
  env: Env,
  ck: Checker,
  prov: ProvenanceLog,
): string[] {
  const v = ck.read(s, 'trusted_proxies', base, isStringList);
  if (!ok(v)) {
    const addon = (env['SUPERVISOR_TOKEN'] ?? '') !== '';
    const dflt = addon ? [HA_INGRESS_PROXY] : [];
    const why = addon ? 'HA ingress proxy, SUPERVISOR_TOKEN is set' : 'none outside the add-on';
    prov.add('server.trustedProxies', dflt, 'built-in', `${BUILT_IN_LABEL} (${why})`);
    return dflt;
  }
  const out: string[] = [];
  v.forEach((addr, i) => {
    // Brackets are allowed around IPv6 addresses, as elsewhere in the config.
    const bare = addr.replace(/^\[(.*)\]$/, '$1');
    if (isIP(bare) === 0) {
      ck.add(
        child(base, 'trusted_proxies', i),
        `"${addr}" is not an IP address (write the proxy's address, e.g. ${HA_INGRESS_PROXY}; no names, ports or ranges)`,
      );
    } else out.push(bare.toLowerCase());
  });
  prov.add('server.trustedProxies', out, 'global', child(base, 'trusted_proxies'));
  return out;
}

/** 127.0.0.0/8, ::1 and the name localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Secure by default: a listener other machines can reach needs a credential. Without a token it may
 * only bind beyond loopback when trusted proxies stand in front (the add-on: HA's ingress proxy has
 * authenticated the user). Checked on the config's host here and on the effective one (`--host`) by
 * main.ts; null: fine.
 */
export function exposureProblem(
  host: string,
  token: string | null,
  trustedProxies: readonly string[],
): string | null {
  if (token !== null || trustedProxies.length > 0 || isLoopbackHost(host)) return null;
  return (
    `listening on ${host} would let anything on the network watch and steer the cameras without a credential: ` +
    'set server.token (e.g. `openssl rand -hex 24`), list server.trusted_proxies, or keep server.host on 127.0.0.1'
  );
}

/** A DNS name (letters, digits, - and .), optionally with a leading "." for "this domain and below". */
const HOST_NAME =
  /^\.?(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;

function resolveAllowedHosts(
  s: RawMap | undefined,
  base: string,
  ck: Checker,
  prov: ProvenanceLog,
): string[] {
  const v = ck.read(s, 'allowed_hosts', base, isStringList);
  if (!ok(v)) {
    prov.add(
      'server.allowedHosts',
      [],
      'built-in',
      `${BUILT_IN_LABEL} (IP addresses, localhost, this machine's host name, the bind address)`,
    );
    return [];
  }
  const out: string[] = [];
  v.forEach((name, i) => {
    const bare = name.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (isIP(bare) !== 0 || HOST_NAME.test(bare)) out.push(bare.replace(/\.$/, ''));
    else
      ck.add(
        child(base, 'allowed_hosts', i),
        `"${name}" is not a host name (write the name only, e.g. lookout.example.com or .example.com for every name below it; no scheme or port)`,
      );
  });
  prov.add('server.allowedHosts', out, 'global', child(base, 'allowed_hosts'));
  return out;
}

function resolveCorsOrigins(s: RawMap | undefined, base: string, ck: Checker, prov: ProvenanceLog): string[] {
  const v = ck.read(s, 'cors_origins', base, isStringList);
  if (!ok(v)) {
    prov.add('server.corsOrigins', [], 'built-in', `${BUILT_IN_LABEL} (none: same origin only)`);
    return [];
  }
  const out: string[] = [];
  v.forEach((text, i) => {
    let origin: string | null = null;
    try {
      const u = new URL(text);
      // An origin is scheme, host and port: nothing after it but an optional "/".
      const exact = text.replace(/\/$/, '').toLowerCase() === u.origin.toLowerCase();
      if ((u.protocol === 'http:' || u.protocol === 'https:') && exact) origin = u.origin;
    } catch {
      origin = null;
    }
    if (origin !== null) out.push(origin);
    else
      ck.add(
        child(base, 'cors_origins', i),
        `"${text}" is not an origin (write scheme://host[:port], e.g. http://homeassistant.local:8123; no path, no "*")`,
      );
  });
  prov.add('server.corsOrigins', out, 'global', child(base, 'cors_origins'));
  return out;
}
