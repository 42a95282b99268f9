/**
 * Command payload parsing and dispatch. Parsing is strict (unknown keys and wrong types are a
 * `bad_request`) because a typo in a fire-and-forget publish would otherwise be silently ignored.
 * HA's buttons/switches/selects send plain strings (`PRESS`, `ON`/`OFF`, an option), so those forms
 * are accepted where they make sense.
 */
import { REPLY_KEYS, type MqttCommand } from '../../contracts/mqtt.js';
import { PTZ_AXIS, PTZ_MOVE_TIMEOUT_MS, presetName, presetNameError } from '../../contracts/ptz.js';
import { isProfileName, streamKey, keyId, type ProfileName } from '../../contracts/stream-key.js';
import { badRequest, LookoutError } from '../../lib/errors.js';
import type { PtzService, RecordingService, SnapshotService, StreamHost } from './ports.js';

export interface CommandDeps {
  host: StreamHost;
  ptz?: PtzService | undefined;
  recordings?: RecordingService | undefined;
  snapshots?: SnapshotService | undefined;
  /** Publishes a snapshot JPEG to the camera's snapshot topic. */
  publishSnapshot: (camera: string, jpeg: Buffer) => Promise<void>;
  /** Holder label for leases taken over MQTT. */
  holder: string;
}

type Args = Record<string, unknown>;
const unavailable = (what: string) =>
  new LookoutError(503, 'unavailable', `${what} is not available over MQTT yet`);

/** Turns the raw payload into an argument object; throws bad_request for anything unusable. */
function parsePayload(command: MqttCommand, payload: Buffer): Args {
  const text = payload.toString('utf8').trim();
  if (text === '' || text === 'PRESS') return {};
  if (text.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw badRequest('payload is not valid JSON');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw badRequest('payload must be a JSON object');
    return v as Args;
  }
  if (command === 'record' && (text === 'ON' || text === 'OFF')) return { on: text === 'ON' };
  // A bare preset name (HA's select sends the option); the name rule itself is checked in runCommand.
  if (command.startsWith('preset_')) return { name: text };
  throw badRequest(`payload must be a JSON object${command === 'record' ? ', ON or OFF' : ''}`);
}

type Check = (v: unknown) => boolean;

const num = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const int = (min: number, max: number) => (v: unknown) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const str = (max: number) => (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= max;
const profile = (v: unknown) => isProfileName(v);
const bool = (v: unknown) => typeof v === 'boolean';
const anyValue = () => true;
const velocity = num(PTZ_AXIS.min, PTZ_AXIS.max);
const moveTimeout = int(PTZ_MOVE_TIMEOUT_MS.min, PTZ_MOVE_TIMEOUT_MS.max);

/**
 * The fields each command accepts, and the ones it needs. Maps, not object literals: a lookup of
 * `constructor`, `toString` or `__proto__` in an object literal finds Object.prototype's, so those
 * keys would pass as known fields (or crash the check).
 */
const spec = (allowed: Record<string, Check>, required: string[] = []) => ({
  allowed: new Map(Object.entries(allowed)),
  required,
});
const preset = spec({ name: anyValue }, ['name']);
const COMMAND_FIELDS: Record<MqttCommand, ReturnType<typeof spec>> = {
  stream_start: spec({ profile, ttl_s: num(1, 3600), holder: str(100) }),
  stream_renew: spec({ lease: str(100), ttl_s: num(1, 3600) }, ['lease']),
  stream_stop: spec({ lease: str(100) }, ['lease']),
  ptz_move: spec({ pan: velocity, tilt: velocity, zoom: velocity, timeout_ms: moveTimeout }),
  ptz_zoom: spec({ speed: velocity, timeout_ms: moveTimeout }, ['speed']),
  ptz_stop: spec({}),
  ptz_home: spec({}),
  preset_goto: preset,
  preset_set: preset,
  preset_remove: preset,
  snapshot: spec({ profile }),
  record_start: spec({ duration_s: num(1, 86_400) }),
  record_stop: spec({}),
  record: spec({ on: bool }, ['on']),
};
const REPLY_KEY_SET: ReadonlySet<string> = new Set(REPLY_KEYS);

/**
 * A command's payload, parsed and validated: pure (no I/O, no camera lookup), so a fuzzer can call
 * it with anything. Throws a `bad_request` LookoutError naming the field for every unusable input.
 * Preset names come back normalised by the one rule in contracts/ptz.ts.
 */
export function parseCommand(command: MqttCommand, payload: Buffer): Args {
  const args = parsePayload(command, payload);
  const { allowed, required } = COMMAND_FIELDS[command];
  for (const [k, v] of Object.entries(args)) {
    if (REPLY_KEY_SET.has(k)) continue;
    const check = allowed.get(k);
    if (!check) throw badRequest(`unknown field "${k.slice(0, 64)}"`);
    if (!check(v)) throw badRequest(`invalid value for "${k}"`);
  }
  for (const k of required)
    if (!Object.hasOwn(args, k) || args[k] === undefined) throw badRequest(`missing field "${k}"`);
  if (command.startsWith('preset_')) {
    const name = presetName(args.name);
    if (name === null) throw badRequest(presetNameError(args.name));
    return { ...args, name };
  }
  return args;
}

/** Runs a command whose args parseCommand validated. */
export async function runCommand(
  deps: CommandDeps,
  camera: string,
  command: MqttCommand,
  args: Args,
): Promise<Record<string, unknown>> {
  if (!deps.host.cameras().some((c) => c.id === camera)) {
    throw new LookoutError(404, 'not_found', `camera "${camera}" not found`);
  }
  switch (command) {
    case 'stream_start': {
      const key = streamKey(camera, (args.profile as ProfileName | undefined) ?? 'main');
      const ttl = args.ttl_s as number | undefined;
      const { lease, status } = deps.host.acquireLease(key, {
        kind: 'api',
        ttlMs: ttl === undefined ? undefined : Math.round(ttl * 1000),
        holder: (args.holder as string | undefined) ?? deps.holder,
        // The broker does not say who published: every MQTT lease is charged to MQTT as a whole
        // (LEASE_LIMITS.perClient), never to the free-text holder a flood could vary.
        client: 'mqtt',
      });
      return {
        lease: lease.id,
        key: keyId(key),
        expiresAt: new Date(lease.expiresAt).toISOString(),
        state: status.state,
      };
    }
    case 'stream_renew': {
      const ttl = args.ttl_s as number | undefined;
      const lease = deps.host.renewLease(
        args.lease as string,
        ttl === undefined ? undefined : Math.round(ttl * 1000),
      );
      return { lease: lease.id, expiresAt: new Date(lease.expiresAt).toISOString() };
    }
    case 'stream_stop': {
      deps.host.releaseLease(args.lease as string);
      return { lease: args.lease };
    }
    case 'ptz_move': {
      const ptz = ptzOf(deps, camera);
      const v = {
        pan: (args.pan as number) ?? 0,
        tilt: (args.tilt as number) ?? 0,
        zoom: (args.zoom as number) ?? 0,
      };
      const r = await ptz.move(v, args.timeout_ms as number | undefined);
      return { stops_in_ms: r.stopsInMs };
    }
    case 'ptz_zoom': {
      const r = await ptzOf(deps, camera).move(
        { pan: 0, tilt: 0, zoom: args.speed as number },
        args.timeout_ms as number | undefined,
      );
      return { stops_in_ms: r.stopsInMs };
    }
    case 'ptz_stop':
      await ptzOf(deps, camera).stop();
      return {};
    case 'ptz_home':
      await ptzOf(deps, camera).home();
      return {};
    case 'preset_goto': {
      const name = args.name as string;
      await ptzOf(deps, camera).gotoPreset(name);
      return { preset: name };
    }
    case 'preset_set': {
      const name = args.name as string;
      const r = await ptzOf(deps, camera).savePreset(name);
      return { preset: name, created: r.created };
    }
    case 'preset_remove': {
      const name = args.name as string;
      await ptzOf(deps, camera).removePreset(name);
      return { preset: name };
    }
    case 'snapshot': {
      if (!deps.snapshots) throw unavailable('snapshot');
      const key = streamKey(camera, (args.profile as ProfileName | undefined) ?? 'main');
      const snap = await deps.snapshots.get(key);
      await deps.publishSnapshot(camera, snap.jpeg);
      return { key: keyId(key), bytes: snap.jpeg.length, frameAt: new Date(snap.frameAt).toISOString() };
    }
    case 'record_start':
      return {
        recording: recorderOf(deps, camera).startManual(args.duration_s as number | undefined).recording,
      };
    case 'record_stop':
      return { recording: (await recorderOf(deps, camera).stopManual()).recording };
    case 'record': {
      const r = recorderOf(deps, camera);
      return { recording: args.on ? r.startManual().recording : (await r.stopManual()).recording };
    }
  }
}

function ptzOf(deps: CommandDeps, camera: string) {
  if (!deps.ptz) throw unavailable('PTZ');
  return deps.ptz.ptz(camera);
}

function recorderOf(deps: CommandDeps, camera: string) {
  if (!deps.recordings) throw unavailable('recording');
  return deps.recordings.recorder(camera);
}
