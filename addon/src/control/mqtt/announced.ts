/**
 * The cameras whose Home Assistant entities Lookout announced, kept in `<data_dir>/mqtt/announced.json`
 * so a camera removed (or a base topic / discovery prefix changed) while Lookout was stopped is
 * cleared at the next start instead of staying behind as a ghost device. Retained discovery configs
 * outlive Lookout in the broker; only this file remembers which ones were ours.
 *
 * The file is small ({version, entries: [{baseTopic, prefix, camera}]}), written atomically (temp
 * file + rename) only when the set changes; a missing or unreadable file is an empty set (one
 * warning when unreadable: nothing to clear is better than a crash).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MOTION_KINDS } from '../../contracts/events.js';
import { mqttTopics } from '../../contracts/mqtt.js';
import { PROFILE_NAMES } from '../../contracts/stream-key.js';
import type { Logger } from '../../lib/log.js';
import { cameraDiscoveryTopics, detectionKinds, type DiscoveryContext } from './discovery.js';

export interface Announcement {
  baseTopic: string;
  prefix: string;
  camera: string;
}

/** Bounded: a config has at most a few hundred cameras; a corrupt file must not grow memory. */
const MAX_ENTRIES = 10_000;

export function announcedFile(dataDir: string): string {
  return join(dataDir, 'mqtt', 'announced.json');
}

/**
 * Every retained topic Lookout may have published for a camera under one base topic and discovery
 * prefix: its discovery configs (every entity it could have had) and its retained states. Empty
 * retained payloads on all of them make HA delete the entities and the broker forget the states.
 */
export function cameraRetainedTopics(camera: string, ctx: DiscoveryContext): string[] {
  const t = mqttTopics(ctx.baseTopic);
  return [
    ...cameraDiscoveryTopics(camera, ctx),
    t.cameraStatus(camera),
    t.motion(camera),
    t.recording(camera),
    t.presets(camera),
    t.image(camera),
    t.lastMotion(camera),
    t.lastMotionImage(camera),
    ...PROFILE_NAMES.map((p) => t.streamState(camera, p)),
    ...detectionKinds(MOTION_KINDS).map((k) => t.motionKind(camera, k)),
  ];
}

export class AnnouncedStore {
  private saved = '';

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  load(): Announcement[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn(
          { file: this.file, err: (err as Error).message },
          'cannot read the announced HA entities',
        );
      return [];
    }
    try {
      const data = JSON.parse(text) as { entries?: unknown };
      const entries = Array.isArray(data.entries) ? data.entries.slice(0, MAX_ENTRIES) : [];
      const ok = entries.filter(
        (e): e is Announcement =>
          typeof e === 'object' &&
          e !== null &&
          typeof (e as Announcement).baseTopic === 'string' &&
          typeof (e as Announcement).prefix === 'string' &&
          typeof (e as Announcement).camera === 'string' &&
          !/[#+]/.test(
            (e as Announcement).baseTopic + (e as Announcement).prefix + (e as Announcement).camera,
          ),
      );
      this.saved = serialise(ok);
      return ok;
    } catch (err) {
      this.log.warn(
        { file: this.file, err: (err as Error).message },
        'announced HA entities file is not JSON; ignored',
      );
      return [];
    }
  }

  /** Writes the set if it changed. A failure is one warning: the next change tries again. */
  save(entries: Announcement[]): void {
    const text = serialise(entries);
    if (text === this.saved) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, this.file);
      this.saved = text;
    } catch (err) {
      this.log.warn(
        { file: this.file, err: (err as Error).message },
        'cannot save the announced HA entities',
      );
    }
  }
}

function serialise(entries: Announcement[]): string {
  const sorted = [...entries].sort((a, b) =>
    `${a.prefix}\0${a.baseTopic}\0${a.camera}`.localeCompare(`${b.prefix}\0${b.baseTopic}\0${b.camera}`),
  );
  return `${JSON.stringify({ version: 1, entries: sorted }, null, 2)}\n`;
}
