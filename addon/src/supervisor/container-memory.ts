/**
 * Which container suits each copy key's camera (ffmpeg-args.ts `outputContainer`), remembered in
 * `<dataDir>/state/video-containers.json` across key starts and Lookout restarts.
 *
 * Why: FFmpeg's FLV muxer (our fragmenter's input, one frame faster) carries H.264 only, and a copy
 * does not know the camera's codec before FFmpeg has opened it. Trying FLV first costs an H.265
 * camera a refused start and a second connection that waits for the camera's next keyframe (a whole
 * GOP, seconds on a long-GOP main stream); trying FFmpeg's mp4 muxer first costs an H.264 camera one
 * frame of latency on that first start only. So an unknown camera starts on mp4, its init segment
 * says what it sends, and every later start uses what fits. A camera that changes codec corrects the
 * entry by itself: FFmpeg refusing FLV, or an mp4 init showing H.264, rewrites it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { OutputContainer } from './ffmpeg-args.js';

/** Entries kept at most (keys are config-defined, so this only bounds a file that grew by hand). */
const MAX_ENTRIES = 4096;

export class ContainerMemory {
  private readonly entries = new Map<string, OutputContainer>();
  private writeFailed = false;

  /** `file` null: remembered for this process only. */
  constructor(
    private readonly file: string | null,
    private readonly log: Logger,
  ) {
    if (!file) return;
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (raw && typeof raw === 'object')
        for (const [id, fit] of Object.entries(raw as Record<string, unknown>))
          if ((fit === 'flv' || fit === 'mp4') && this.entries.size < MAX_ENTRIES) this.entries.set(id, fit);
    } catch (err) {
      // Absent on a first run; unreadable: start over (the next init segments rewrite it).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        log.warn({ file, err: (err as Error).message }, 'video container memory unreadable; starting over');
    }
  }

  get(id: string): OutputContainer | undefined {
    return this.entries.get(id);
  }

  set(id: string, fit: OutputContainer): void {
    if (this.entries.get(id) === fit) return;
    this.entries.delete(id);
    this.entries.set(id, fit);
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.entries), null, 2) + '\n', { mode: 0o640 });
      renameSync(tmp, this.file);
    } catch (err) {
      // Logged once: it only costs the next start its first attempt on the wrong container.
      if (!this.writeFailed)
        this.log.warn({ file: this.file, err: (err as Error).message }, 'video container memory not saved');
      this.writeFailed = true;
    }
  }
}
