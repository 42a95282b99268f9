/**
 * Records every child the supervisor starts, on disk, so a restarted supervisor can end the ones a
 * crashed predecessor left behind (FIELD-NOTES #2) — by its own records, never by a broad
 * `pkill ffmpeg`, and only if the PID still belongs to the same process (same start time in
 * /proc/<pid>/stat), so a recycled PID is never hit.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { signalGroup, type ChildRecords } from '../lib/child-process.js';

export interface ChildRecord {
  pid: number;
  /** Kernel start time of the process (clock ticks since boot), from /proc/<pid>/stat field 22. */
  startTicks: number;
  key: string;
}

export function readStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** The `records` hook of lib/child-process.ts: every spawn given it is recorded here. */
export class PidRegistry implements ChildRecords {
  private records = new Map<number, ChildRecord>();

  constructor(private readonly file: string | null) {}

  add(pid: number, key: string): void {
    const startTicks = readStartTicks(pid);
    if (startTicks === null) return; // already gone
    this.records.set(pid, { pid, startTicks, key });
    this.save();
  }

  remove(pid: number): void {
    if (this.records.delete(pid)) this.save();
  }

  /**
   * Ends leftovers recorded by a previous run: SIGKILL to each one's process group (they are
   * FFmpeg processes with nobody reading their output), then clears the file. Returns what it ended.
   */
  async reapLeftovers(): Promise<ChildRecord[]> {
    if (!this.file) return [];
    let previous: ChildRecord[] = [];
    try {
      previous = JSON.parse(await readFile(this.file, 'utf8')) as ChildRecord[];
    } catch {
      return [];
    }
    const ended: ChildRecord[] = [];
    for (const rec of previous) {
      if (readStartTicks(rec.pid) !== rec.startTicks) continue; // gone, or PID reused
      if (signalGroup(rec.pid, 'SIGKILL')) ended.push(rec);
    }
    // Wait (bounded) until they are really gone; they were re-parented to init, which reaps them.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && ended.some((r) => readStartTicks(r.pid) === r.startTicks)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    this.save();
    return ended;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.records.values()]));
    renameSync(tmp, this.file);
  }
}
