/**
 * Home Assistant MQTT discovery (docs: shared HA.md §2): one device per camera, one config topic
 * per entity (`<prefix>/<component>/<unique_id>/config`, object_id = unique_id as HA advises).
 * Pure: builds topics and payloads; the service publishes them.
 */
import type { ResolvedCamera } from '../../contracts/config.js';
import { VENDOR_REGISTRY } from '../../vendors/registry.js';
import { MOTION_KINDS, type MotionKind } from '../../contracts/events.js';
import { mqttTopics } from '../../contracts/mqtt.js';
import { PROFILE_NAMES } from '../../contracts/stream-key.js';
import { STREAM_STATES } from '../../contracts/stream-state.js';

export interface DiscoveryContext {
  baseTopic: string;
  prefix: string;
  version: string;
  /** Preset names per camera, when known; the preset select is only announced with options. */
  presets?: (camera: string) => string[] | null;
  /**
   * Detection kinds a camera has (declared in its ONVIF event properties, or seen in an event);
   * each kind other than plain `motion` gets its own binary_sensor.
   */
  motionKinds?: (camera: string) => readonly MotionKind[] | null;
}

/** A kind's own binary_sensor. Plain `motion` has none: the `motion` entity (any kind) covers it. */
export type DetectionKind = Exclude<MotionKind, 'motion'>;

/**
 * HA device classes (binary_sensor): an analytics detection says something is there (`occupancy`,
 * the class Frigate-style object sensors use), a rule on movement is `motion`, tampering `tamper`.
 */
const KIND_ENTITIES: Record<DetectionKind, { name: string; device_class: string; icon?: string }> = {
  person: { name: 'Person', device_class: 'occupancy', icon: 'mdi:walk' },
  vehicle: { name: 'Vehicle', device_class: 'occupancy', icon: 'mdi:car' },
  animal: { name: 'Animal', device_class: 'occupancy', icon: 'mdi:paw' },
  face: { name: 'Face', device_class: 'occupancy', icon: 'mdi:face-recognition' },
  package: { name: 'Package', device_class: 'occupancy', icon: 'mdi:package-variant-closed' },
  line: { name: 'Line crossing', device_class: 'motion' },
  field: { name: 'Intrusion', device_class: 'motion' },
  tamper: { name: 'Tamper', device_class: 'tamper' },
};

/** The kinds that get their own entity, in MOTION_KINDS order, duplicates and `motion` dropped. */
export function detectionKinds(kinds: readonly MotionKind[] | null | undefined): DetectionKind[] {
  const set = new Set(kinds ?? []);
  return MOTION_KINDS.filter((k): k is DetectionKind => k !== 'motion' && set.has(k));
}

export interface DiscoveryMessage {
  topic: string;
  /** null: clear (publish an empty retained payload). */
  payload: Record<string, unknown> | null;
}

const ORIGIN = { name: 'Lookout', url: 'https://github.com/lookout/lookout' };

/** Discovery ids must match [a-zA-Z0-9_-]; entity ids are lower-case [a-z0-9_]. */
export const slug = (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, '_');
const entitySlug = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]/g, '_');

/** `<instance>_<camera>`: the device identifier and the unique_id stem, from stable ids only. */
export function deviceId(baseTopic: string, camera: string): string {
  return `${slug(baseTopic)}_${camera}`;
}
export function hubDeviceId(baseTopic: string): string {
  return `${slug(baseTopic)}_hub`;
}

type Component = 'sensor' | 'binary_sensor' | 'switch' | 'button' | 'select' | 'camera';

/** Every entity a camera can have; `entitiesFor` picks the ones its capabilities allow. */
/** What entity selection depends on (never names or URLs), so the clearing list can be built from an id. */
type EntityBasis = Pick<ResolvedCamera, 'id' | 'profiles' | 'capabilities'>;

export function entitiesFor(
  cam: EntityBasis,
  ctx: DiscoveryContext,
): { component: Component; key: string; config: Record<string, unknown> }[] {
  const t = mqttTopics(ctx.baseTopic);
  const out: { component: Component; key: string; config: Record<string, unknown> }[] = [];
  for (const profile of PROFILE_NAMES) {
    if (!cam.profiles[profile]) continue;
    const state = t.streamState(cam.id, profile);
    const label = profile === 'main' ? '' : ' (sub)';
    out.push({
      component: 'sensor',
      key: `stream_${profile}`,
      config: {
        name: `Stream${label}`,
        state_topic: state,
        value_template: '{{ value_json.state }}',
        json_attributes_topic: state,
        device_class: 'enum',
        options: [...STREAM_STATES],
        icon: 'mdi:cctv',
      },
    });
    out.push({
      component: 'sensor',
      key: `fps_${profile}`,
      config: {
        name: `FPS${label}`,
        state_topic: state,
        value_template: '{{ value_json.fps }}',
        unit_of_measurement: 'fps',
        state_class: 'measurement',
        suggested_display_precision: 1,
        entity_category: 'diagnostic',
        icon: 'mdi:filmstrip',
      },
    });
    out.push({
      component: 'sensor',
      key: `bitrate_${profile}`,
      config: {
        name: `Bitrate${label}`,
        state_topic: state,
        value_template: '{{ value_json.bitrateKbps }}',
        unit_of_measurement: 'kbit/s',
        device_class: 'data_rate',
        state_class: 'measurement',
        suggested_display_precision: 0,
        entity_category: 'diagnostic',
      },
    });
    out.push({
      component: 'sensor',
      key: `start_latency_${profile}`,
      config: {
        name: `Start latency${label}`,
        state_topic: state,
        // null before the first start reached live renders as "None", which HA reads as unknown.
        value_template: '{{ value_json.startLatencyMs }}',
        unit_of_measurement: 'ms',
        device_class: 'duration',
        state_class: 'measurement',
        suggested_display_precision: 0,
        entity_category: 'diagnostic',
        icon: 'mdi:timer-play-outline',
      },
    });
  }
  if (cam.capabilities.motionEvents) {
    out.push({
      component: 'binary_sensor',
      key: 'motion',
      config: { name: 'Motion', state_topic: t.motion(cam.id), device_class: 'motion' },
    });
    for (const kind of detectionKinds(ctx.motionKinds?.(cam.id))) {
      out.push({
        component: 'binary_sensor',
        key: `motion_${kind}`,
        config: { ...KIND_ENTITIES[kind], state_topic: t.motionKind(cam.id, kind) },
      });
    }
  }
  out.push({
    component: 'switch',
    key: 'recording',
    config: {
      name: 'Recording',
      state_topic: t.recording(cam.id),
      command_topic: t.command(cam.id, 'record'),
      icon: 'mdi:record-rec',
    },
  });
  out.push({
    component: 'button',
    key: 'snapshot',
    config: { name: 'Snapshot', command_topic: t.command(cam.id, 'snapshot'), icon: 'mdi:camera' },
  });
  out.push({
    component: 'camera',
    key: 'camera',
    // name null: the camera is the device's main feature and takes the device name.
    config: { name: null, topic: t.snapshot(cam.id) },
  });
  if (cam.capabilities.ptz) {
    out.push({
      component: 'button',
      key: 'ptz_home',
      config: {
        name: 'PTZ home',
        command_topic: t.command(cam.id, 'ptz_home'),
        icon: 'mdi:home-import-outline',
      },
    });
  }
  const presets = cam.capabilities.presets ? ctx.presets?.(cam.id) : null;
  if (presets && presets.length > 0) {
    out.push({
      component: 'select',
      key: 'preset',
      config: {
        name: 'PTZ preset',
        command_topic: t.command(cam.id, 'preset_goto'),
        options: presets,
        optimistic: true,
        icon: 'mdi:crosshairs-gps',
      },
    });
  }
  return out;
}

/** The discovery messages for one camera, with the device, origin and availability blocks filled in. */
export function cameraDiscovery(cam: ResolvedCamera, ctx: DiscoveryContext): DiscoveryMessage[] {
  const t = mqttTopics(ctx.baseTopic);
  const dev = deviceId(ctx.baseTopic, cam.id);
  const manufacturer = VENDOR_REGISTRY[cam.vendor].manufacturer;
  const device: Record<string, unknown> = {
    identifiers: [dev],
    name: cam.name,
    model: cam.vendor === 'generic' ? 'Camera' : `${cam.vendor} camera`,
    sw_version: ctx.version,
    via_device: hubDeviceId(ctx.baseTopic),
    ...(manufacturer ? { manufacturer } : {}),
  };
  return entitiesFor(cam, ctx).map(({ component, key, config }) => {
    const uid = `${dev}_${key}`;
    return {
      topic: discoveryTopic(ctx.prefix, component, uid),
      payload: {
        ...config,
        unique_id: uid,
        default_entity_id: `${component}.${entitySlug(uid)}`,
        device,
        o: { ...ORIGIN, sw: ctx.version },
        availability: [{ topic: t.status }, { topic: t.cameraStatus(cam.id) }],
        availability_mode: 'all',
      },
    };
  });
}

/**
 * The hub device the cameras point at with via_device: one connectivity sensor on the bridge
 * availability topic (no availability block: it reports exactly that).
 */
export function hubDiscovery(ctx: DiscoveryContext): DiscoveryMessage {
  const t = mqttTopics(ctx.baseTopic);
  const hub = hubDeviceId(ctx.baseTopic);
  const uid = `${hub}_connected`;
  return {
    topic: discoveryTopic(ctx.prefix, 'binary_sensor', uid),
    payload: {
      name: 'Connected',
      unique_id: uid,
      default_entity_id: `binary_sensor.${entitySlug(uid)}`,
      state_topic: t.status,
      payload_on: 'online',
      payload_off: 'offline',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      device: {
        identifiers: [hub],
        name: 'Lookout',
        manufacturer: 'Lookout',
        model: 'Camera hub',
        sw_version: ctx.version,
      },
      o: { ...ORIGIN, sw: ctx.version },
    },
  };
}

/** Every topic a camera could have used (all capabilities on), to clear a removed camera fully. */
export function cameraDiscoveryTopics(cameraId: string, ctx: DiscoveryContext): string[] {
  const all: EntityBasis = {
    id: cameraId,
    profiles: Object.fromEntries(PROFILE_NAMES.map((p) => [p, {}])) as ResolvedCamera['profiles'],
    capabilities: { ptz: true, presets: true, motionEvents: true, audioOut: true },
  };
  return entitiesFor(all, { ...ctx, presets: () => ['x'], motionKinds: () => MOTION_KINDS }).map(
    ({ component, key }) =>
      discoveryTopic(ctx.prefix, component, `${deviceId(ctx.baseTopic, cameraId)}_${key}`),
  );
}

export function discoveryTopic(prefix: string, component: string, uid: string): string {
  return `${prefix}/${component}/${uid}/config`;
}
