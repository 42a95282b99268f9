/**
 * One camera entry: identity, host, credentials, its profiles, ONVIF endpoint, snapshot URL and
 * declared capabilities, with provenance for every effective value.
 */
import {
  VENDORS,
  type Capabilities,
  type Credentials,
  type OnvifEndpoint,
  type ResolvedCamera,
  type Vendor,
} from '../contracts/config.js';
import { isCameraId, PROFILE_NAMES } from '../contracts/stream-key.js';
import { BUILT_IN_LABEL, BUILT_IN_ONVIF_PATH } from './built-in.js';
import { BAD, isBool, isPath, isPort, isString, ok, type Checker, type RawMap, type Read } from './check.js';
import { isOneOf } from './enums.js';
import { child, ValueError } from './errors.js';
import { parseHost, type Host } from './host.js';
import { builtInLayer, pickRequired, presetLayer, readLayer, type Layer } from './layers.js';
import { readMotion } from './motion.js';
import { readBackchannel } from './backchannel.js';
import { resolveProfile, type ProfileContext } from './profile.js';
import { ProvenanceLog, SECRET_MASK } from './provenance.js';
import { isPlainObject } from './secrets.js';
import { checkHttpUrl, toDisplayUrl } from './source-url.js';

export interface SharedLayers {
  global: Layer;
  /** The file's `vendors.<v>` sections. */
  vendors: Partial<Record<Vendor, Layer>>;
}

export interface CameraResult {
  camera: ResolvedCamera;
  provenance: ProvenanceLog;
}

export function resolveCamera(
  raw: unknown,
  index: number,
  shared: SharedLayers,
  ck: Checker,
): CameraResult | undefined {
  if (!isPlainObject(raw)) return undefined; // the schema reported it
  const base = child('', 'cameras', index);
  const prov = new ProvenanceLog();
  const idRead = ck.read(raw, 'id', base, isCameraId);
  const id = ok(idRead) ? idRead : `#${index}`;
  const label = ok(idRead) ? `camera "${id}"` : `camera ${base}`;
  prov.add('id', id, 'camera', child(base, 'id'));

  const name = ck.read(raw, 'name', base, isString);
  prov.fileOr('name', ok(name) ? name : undefined, child(base, 'name'), id, 'defaults to the id');
  const enabled = flag(raw, 'enabled', base, true, ck, prov);
  const hidden = flag(raw, 'hidden', base, false, ck, prov);
  const vendorRead = ck.read(raw, 'vendor', base, isOneOf(VENDORS));
  const vendor: Vendor = ok(vendorRead) ? vendorRead : 'generic';
  prov.fileOr('vendor', ok(vendorRead) ? vendor : undefined, child(base, 'vendor'), vendor, BUILT_IN_LABEL);

  const host = readHost(raw, 'host', base, ck);
  prov.fileOr('host', ok(host) ? host.name : undefined, child(base, 'host'), null, 'not set');
  const credentials = readCredentials(raw, base, ck);
  if (ok(credentials)) {
    prov.add('credentials.username', credentials.username, 'camera', child(base, 'credentials', 'username'));
    prov.add('credentials.password', SECRET_MASK, 'camera', child(base, 'credentials', 'password'));
  }

  const cameraLayer = readLayer(raw, base, 'camera', ck);
  const below = [cameraLayer, shared.vendors[vendor], presetLayer(vendor), shared.global, builtInLayer()];
  const rtspPort = pickRequired<number>('rtspPort', below);
  prov.picked('rtspPort', rtspPort);

  const profiles: ResolvedCamera['profiles'] = {};
  const needHost: string[] = [];
  const rawProfiles = ck.map(raw, 'profiles', base);
  for (const pname of PROFILE_NAMES) {
    const block = ok(rawProfiles) ? rawProfiles[pname] : undefined;
    if (!isPlainObject(block)) continue;
    const pbase = child(base, 'profiles', pname);
    const ctx: ProfileContext = {
      ck,
      prov,
      cameraLabel: label,
      cameraBase: base,
      host,
      credentials,
      vendor: vendorRead === BAD ? undefined : vendor,
      rtspPort: rtspPort.value,
      below,
    };
    const r = resolveProfile(pname, block, pbase, ctx);
    if (r.profile) profiles[pname] = r.profile;
    if (r.needsHost) needHost.push(pname);
  }
  if (needHost.length > 0) {
    ck.add(
      child(base, 'host'),
      `${label} needs a host: profile ${needHost.map((p) => `"${p}"`).join(' and ')} builds its URL from host and path`,
    );
  }

  const onvif = resolveOnvif(raw, base, vendor, host, credentials, below, label, ck, prov);
  const snapshotUrl = readSnapshotUrl(raw, base, label, ck, prov);
  const capabilities = readCapabilities(raw, base, ck, prov);
  const motion = readMotion(raw, base, ck, prov);
  const backchannel = readBackchannel(raw, base, label, ok(credentials) ? credentials : null, ck, prov);

  const camera: ResolvedCamera = {
    id,
    name: ok(name) ? name : id,
    enabled,
    hidden,
    vendor,
    host: ok(host) ? host.name : null,
    credentials: ok(credentials) ? credentials : null,
    profiles,
    onvif,
    snapshotUrl,
    capabilities,
    motion,
    backchannel,
  };
  return { camera, provenance: prov };
}

function flag(
  raw: RawMap,
  key: string,
  base: string,
  dflt: boolean,
  ck: Checker,
  prov: ProvenanceLog,
): boolean {
  const v = ck.read(raw, key, base, isBool);
  prov.fileOr(key, ok(v) ? v : undefined, child(base, key), dflt, BUILT_IN_LABEL);
  return ok(v) ? v : dflt;
}

function readHost(raw: RawMap, key: string, base: string, ck: Checker): Read<Host> {
  const v = ck.read(raw, key, base, isString);
  if (!ok(v)) return v;
  try {
    return parseHost(v);
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    ck.add(child(base, key), err.message);
    return BAD;
  }
}

function readCredentials(raw: RawMap, base: string, ck: Checker): Read<Credentials> {
  const c = ck.map(raw, 'credentials', base);
  if (!ok(c)) return c;
  const cbase = child(base, 'credentials');
  const username = ck.read(c, 'username', cbase, isString);
  const password = ck.read(c, 'password', cbase, isString);
  if (!ok(username) || password === BAD) return BAD;
  return { username, password: password ?? '' };
}

function resolveOnvif(
  raw: RawMap,
  base: string,
  vendor: Vendor,
  cameraHost: Read<Host>,
  cameraCredentials: Read<Credentials>,
  below: readonly (Layer | undefined)[],
  label: string,
  ck: Checker,
  prov: ProvenanceLog,
): OnvifEndpoint | null {
  const block = ck.map(raw, 'onvif', base);
  if (block === BAD || (block === undefined && vendor !== 'onvif')) return null;
  const obase = child(base, 'onvif');
  const o = block ?? {};

  const ownHost = readHost(o, 'host', obase, ck);
  const host = ownHost ?? cameraHost;
  if (host === undefined) ck.add(obase, `${label}: ONVIF needs a host: set host or onvif.host`);
  if (ok(ownHost)) prov.add('onvif.host', ownHost.name, 'camera', child(obase, 'host'));
  else if (ok(host)) prov.add('onvif.host', host.name, 'camera', child(base, 'host'));

  const portRead = ck.read(o, 'port', obase, isPort);
  const portLayer: Layer = { level: 'camera', values: new Map() };
  if (ok(portRead)) portLayer.values.set('onvifPort', { value: portRead, origin: child(obase, 'port') });
  const port = pickRequired<number>('onvifPort', [portLayer, ...below]);
  prov.picked('onvif.port', port);

  const pathRead = ck.read(o, 'path', obase, isPath);
  const path = ok(pathRead) ? pathRead : BUILT_IN_ONVIF_PATH;
  prov.fileOr('onvif.path', ok(pathRead) ? pathRead : undefined, child(obase, 'path'), path, BUILT_IN_LABEL);

  const own = readCredentials(o, obase, ck);
  const credentials = own ?? cameraCredentials;
  if (ok(credentials)) {
    const origin = own !== undefined ? child(obase, 'credentials') : child(base, 'credentials');
    prov.add('onvif.credentials.username', credentials.username, 'camera', `${origin}/username`);
    prov.add('onvif.credentials.password', SECRET_MASK, 'camera', `${origin}/password`);
  }
  if (!ok(host)) return null;
  return { host: host.name, port: port.value, path, credentials: ok(credentials) ? credentials : null };
}

function readSnapshotUrl(
  raw: RawMap,
  base: string,
  label: string,
  ck: Checker,
  prov: ProvenanceLog,
): string | null {
  const v = ck.read(raw, 'snapshot_url', base, isString);
  const path = child(base, 'snapshot_url');
  if (!ok(v)) {
    prov.add('snapshotUrl', null, 'built-in', 'not set');
    return null;
  }
  try {
    const built = checkHttpUrl(v);
    prov.add('snapshotUrl', toDisplayUrl(built.sourceUrl), 'camera', path);
    return built.sourceUrl;
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    ck.add(path, `${label}: snapshot_url ${err.message}`);
    return null;
  }
}

const CAPABILITY_KEYS = {
  ptz: 'ptz',
  presets: 'presets',
  motion_events: 'motionEvents',
  audio_out: 'audioOut',
} as const;

function readCapabilities(raw: RawMap, base: string, ck: Checker, prov: ProvenanceLog): Capabilities {
  const block = ck.map(raw, 'capabilities', base);
  const cbase = child(base, 'capabilities');
  const caps: Capabilities = { ptz: false, presets: false, motionEvents: false, audioOut: false };
  for (const [key, field] of Object.entries(CAPABILITY_KEYS) as [
    keyof typeof CAPABILITY_KEYS,
    keyof Capabilities,
  ][]) {
    const v = ck.read(ok(block) ? block : undefined, key, cbase, isBool);
    if (ok(v)) caps[field] = v;
    // Never inferred from the vendor (FIELD-NOTES #15): unset means "not declared", i.e. false.
    prov.fileOr(`capabilities.${field}`, ok(v) ? v : undefined, child(cbase, key), false, 'not declared');
  }
  return caps;
}
