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
export function parsePayload(command: MqttCommand, payload: Buffer): Args {
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

/** Validates args against the fields a command accepts. */
function fields(args: Args, allowed: Record<string, (v: unknown) => boolean>, required: string[] = []): void {
  for (const [k, v] of Object.entries(args)) {
    if ((REPLY_KEYS as readonly string[]).includes(k)) continue;
    // Own keys only: `constructor`, `toString` or `__proto__` would find Object.prototype's.
    const check = Object.hasOwn(allowed, k) ? allowed[k] : undefined;
    if (!check) throw badRequest(`unknown field "${k}"`);
    if (!check(v)) throw badRequest(`invalid value for "${k}"`);
  }
  for (const k of required) if (args[k] === undefined) throw badRequest(`missing field "${k}"`);
}

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
/** The one preset-name rule (contracts/ptz.ts), with its own message rather than "invalid value". */
const preset = (args: Args): string => {
  const name = presetName(args.name);
  if (name === null) throw badRequest(presetNameError(args.name));
  return name;
};

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
      fields(args, { profile, ttl_s: num(1, 3600), holder: str(100) });
      const key = streamKey(camera, (args.profile as ProfileName | undefined) ?? 'main');
      const ttl = args.ttl_s as number | undefined;
      const { lease, status } = deps.host.acquireLease(key, {
        kind: 'api',
        ttlMs: ttl === undefined ? undefined : Math.round(ttl * 1000),
        holder: (args.holder as string | undefined) ?? deps.holder,
      });
      return {
        lease: lease.id,
        key: keyId(key),
        expiresAt: new Date(lease.expiresAt).toISOString(),
        state: status.state,
      };
    }
    case 'stream_renew': {
      fields(args, { lease: str(100), ttl_s: num(1, 3600) }, ['lease']);
      const ttl = args.ttl_s as number | undefined;
      const lease = deps.host.renewLease(
        args.lease as string,
        ttl === undefined ? undefined : Math.round(ttl * 1000),
      );
      return { lease: lease.id, expiresAt: new Date(lease.expiresAt).toISOString() };
    }
    case 'stream_stop': {
      fields(args, { lease: str(100) }, ['lease']);
      deps.host.releaseLease(args.lease as string);
      return { lease: args.lease };
    }
    case 'ptz_move': {
      fields(args, { pan: velocity, tilt: velocity, zoom: velocity, timeout_ms: moveTimeout });
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
      fields(args, { speed: velocity, timeout_ms: moveTimeout }, ['speed']);
      const r = await ptzOf(deps, camera).move(
        { pan: 0, tilt: 0, zoom: args.speed as number },
        args.timeout_ms as number | undefined,
      );
      return { stops_in_ms: r.stopsInMs };
    }
    case 'ptz_stop':
      fields(args, {});
      await ptzOf(deps, camera).stop();
      return {};
    case 'ptz_home':
      fields(args, {});
      await ptzOf(deps, camera).home();
      return {};
    case 'preset_goto': {
      fields(args, { name: anyValue }, ['name']);
      const name = preset(args);
      await ptzOf(deps, camera).gotoPreset(name);
      return { preset: name };
    }
    case 'preset_set': {
      fields(args, { name: anyValue }, ['name']);
      const name = preset(args);
      const r = await ptzOf(deps, camera).savePreset(name);
      return { preset: name, created: r.created };
    }
    case 'preset_remove': {
      fields(args, { name: anyValue }, ['name']);
      const name = preset(args);
      await ptzOf(deps, camera).removePreset(name);
      return { preset: name };
    }
    case 'snapshot': {
      fields(args, { profile });
      if (!deps.snapshots) throw unavailable('snapshot');
      const key = streamKey(camera, (args.profile as ProfileName | undefined) ?? 'main');
      const snap = await deps.snapshots.get(key);
      await deps.publishSnapshot(camera, snap.jpeg);
      return { key: keyId(key), bytes: snap.jpeg.length, frameAt: new Date(snap.frameAt).toISOString() };
    }
    case 'record_start':
      fields(args, { duration_s: num(1, 86_400) });
      return {
        recording: recorderOf(deps, camera).startManual(args.duration_s as number | undefined).recording,
      };
    case 'record_stop':
      fields(args, {});
      return { recording: (await recorderOf(deps, camera).stopManual()).recording };
    case 'record': {
      fields(args, { on: bool }, ['on']);
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
