/**
 * The `srtla:` section (the bonded-SRT receiver, off by default) and a profile's `srt:` block (the
 * camera pushes SRT to Lookout instead of being pulled). Cross-field rules live here too: an SRTLA
 * port needs the receiver enabled, and no two profiles may share a listener or SRTLA port.
 */
import type { ResolvedCamera } from '../contracts/config.js';
import type { SrtIngest, SrtlaLimits, SrtlaSettings } from '../contracts/srtla.js';
import { DEFAULT_SRTLA_SETTINGS } from '../sources/srtla/limits.js';
import { BAD, isBool, isPort, isString, ok, type Checker, type RawMap, type Read } from './check.js';
import { parseDuration } from './duration.js';
import { child, ValueError } from './errors.js';

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
const isDuration = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';

function duration(ck: Checker, obj: RawMap | undefined, key: string, base: string, dflt: number): number {
  const v = ck.read(obj, key, base, isDuration);
  if (!ok(v)) return dflt;
  try {
    return parseDuration(v);
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    ck.add(child(base, key), err.message);
    return dflt;
  }
}

export function resolveSrtla(root: RawMap, ck: Checker): SrtlaSettings {
  const base = '/srtla';
  const block = ck.map(root, 'srtla', '');
  const s = ok(block) ? block : undefined;
  const d = DEFAULT_SRTLA_SETTINGS;
  const lim = ck.map(s, 'limits', base);
  const l = ok(lim) ? lim : undefined;
  const lb = child(base, 'limits');
  const count = (key: string, dflt: number) => {
    const v = ck.read(l, key, lb, isCount);
    return ok(v) ? v : dflt;
  };
  const dl = d.limits;
  const limits: SrtlaLimits = {
    maxGroups: count('max_groups', dl.maxGroups),
    maxConnectionsPerGroup: count('max_connections_per_group', dl.maxConnectionsPerGroup),
    connectionTimeoutMs: duration(ck, l, 'connection_timeout', lb, dl.connectionTimeoutMs),
    groupTimeoutMs: duration(ck, l, 'group_timeout', lb, dl.groupTimeoutMs),
    pendingGroupTimeoutMs: duration(ck, l, 'pending_group_timeout', lb, dl.pendingGroupTimeoutMs),
    registrationsPerSecond: count('registrations_per_second', dl.registrationsPerSecond),
    pendingGroupsPerAddress: count('pending_groups_per_address', dl.pendingGroupsPerAddress),
  };
  const enabled = ck.read(s, 'enabled', base, isBool);
  const host = ck.read(s, 'host', base, isString);
  const pad = ck.read(s, 'pad_small_replies', base, isBool);
  return {
    enabled: ok(enabled) ? enabled : d.enabled,
    host: ok(host) ? host : d.host,
    padSmallReplies: ok(pad) ? pad : d.padSmallReplies,
    limits,
  };
}

/** A profile's `srt:` block; undefined when absent, BAD when unusable (already reported). */
export function readSrtIngest(block: RawMap, base: string, ck: Checker): Read<SrtIngest> {
  const raw = ck.map(block, 'srt', base);
  if (!ok(raw)) return raw;
  const sb = child(base, 'srt');
  const port = ck.read(raw, 'port', sb, isPort);
  const host = ck.read(raw, 'host', sb, isString);
  const passphrase = ck.read(raw, 'passphrase', sb, isString);
  const srtlaPort = ck.read(raw, 'srtla_port', sb, isPort);
  if (!ok(port) || host === BAD || passphrase === BAD || srtlaPort === BAD) return BAD;
  if (ok(passphrase) && (passphrase.length < 10 || passphrase.length > 79))
    ck.add(child(sb, 'passphrase'), 'an SRT passphrase has 10 to 79 characters');
  return {
    host: ok(host) ? host : '127.0.0.1',
    port,
    latencyMs: duration(ck, raw, 'latency', sb, 2000),
    passphrase: ok(passphrase) ? passphrase : null,
    srtlaPort: ok(srtlaPort) ? srtlaPort : null,
  };
}

/**
 * The URL the key's FFmpeg opens for an `srt:` profile: an SRT listener (FFmpeg's latency is in
 * microseconds; lossmaxttl tolerates the reordering that bonded links cause before NAKing).
 */
export function srtListenerUrl(srt: SrtIngest, withSecret: boolean): string {
  const h = srt.host.includes(':') ? `[${srt.host}]` : srt.host;
  const q = [`mode=listener`, `latency=${srt.latencyMs * 1000}`, 'lossmaxttl=40', 'transtype=live'];
  if (srt.passphrase) q.push(`passphrase=${withSecret ? encodeURIComponent(srt.passphrase) : '***'}`);
  return `srt://${h}:${srt.port}?${q.join('&')}`;
}

/** Cross-camera rules: SRTLA ports need the receiver on; listener and SRTLA ports are unique. */
export function checkSrtPorts(cameras: ResolvedCamera[], srtla: SrtlaSettings, ck: Checker): void {
  const used = new Map<string, string>();
  cameras.forEach((cam, i) => {
    for (const [name, p] of Object.entries(cam.profiles)) {
      const srt = p?.srt;
      if (!srt) continue;
      const at = child('/cameras', i, 'profiles', name, 'srt');
      const claim = (port: number, what: string, key: string) => {
        const prior = used.get(String(port));
        if (prior) ck.add(child(at, key), `UDP port ${port} is already used by ${prior}`);
        else used.set(String(port), `${what} of ${cam.id}/${name}`);
      };
      claim(srt.port, 'the SRT listener', 'port');
      if (srt.srtlaPort !== null) {
        claim(srt.srtlaPort, 'the SRTLA port', 'srtla_port');
        if (!srtla.enabled)
          ck.add(child(at, 'srtla_port'), 'srtla_port needs the SRTLA receiver: set srtla.enabled: true');
      }
    }
  });
}
