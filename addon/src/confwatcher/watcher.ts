/**
 * Tells when the config file changed (MediaMTX's confwatcher): the file's directory is watched
 * (editors replace files by rename, which a watch on the file itself misses), events are debounced,
 * and only a real content change is reported. SIGHUP is wired in main.ts and reloads unconditionally.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';

export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastHash: string | null = null;

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 300,
  ) {}

  async start(): Promise<void> {
    this.lastHash = await this.hash();
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed && changed.toString() !== name) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.check(), this.debounceMs);
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = null;
  }

  private async check(): Promise<void> {
    const h = await this.hash();
    if (h === null || h === this.lastHash) return; // deleted mid-save, or touched without change
    this.lastHash = h;
    this.onChange();
  }

  private async hash(): Promise<string | null> {
    try {
      return createHash('sha256')
        .update(await readFile(this.file))
        .digest('hex');
    } catch {
      return null;
    }
  }
}
