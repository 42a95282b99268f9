/**
 * Keeps the last N lines of a child's stderr (FIELD-NOTES #1: undrained pipes deadlock FFmpeg).
 * The pipe is always read; only the tail is kept, redacted as it comes in.
 */
import type { Redactor } from '../lib/redact.js';

export class StderrRing {
  private lines: string[] = [];
  private partial = '';

  constructor(
    private readonly redactor: Redactor,
    private readonly capacity = 100,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    // A line longer than this is garbage (binary on stderr); keep it bounded.
    if (this.partial.length > 4096) this.partial = this.partial.slice(-4096);
    for (const line of parts) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      this.lines.push(this.redactor.redact(trimmed.slice(0, 1000)));
      if (this.lines.length > this.capacity) this.lines.shift();
    }
  }

  tail(n = this.capacity): string[] {
    const all = this.partial.trim() ? [...this.lines, this.redactor.redact(this.partial.trim())] : this.lines;
    return all.slice(-n);
  }

  last(): string | null {
    return this.tail(1)[0] ?? null;
  }
}
