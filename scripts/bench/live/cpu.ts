/**
 * CPU accounting for bench:live: this Node process (process.cpuUsage) and other processes by PID from
 * /proc/<pid>/stat (utime + stime, clock ticks). Percentages are of one core over the wall window.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticks = 0;
/** USER_HZ (clock ticks per second) for /proc/<pid>/stat times; 100 on every Linux we run on. */
export function clockTicks(): number {
  if (ticks) return ticks;
  try {
    ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticks = 100;
  }
  return ticks;
}

/** utime + stime of a process in seconds, or null when it is gone. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after "pid (comm) ": state is field 3, utime field 14, stime field 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return (utime + stime) / clockTicks();
  } catch {
    return null;
  }
}

export interface CpuWindow {
  /** Wall seconds of the window. */
  wallS: number;
  /** This process, % of one core. */
  selfPct: number;
  /** Sum over the tracked PIDs that lived through the whole window, % of one core. */
  pidsPct: number;
  /** PIDs seen at the start but gone (or replaced) by the end: their time is not counted. */
  lostPids: number[];
  /** Extra single processes (e.g. the synthetic camera), % of one core, by label. */
  others: Record<string, number | null>;
}

/**
 * Starts a window: call the returned function at the end. `pids()` is asked at both ends; only PIDs
 * present at both are summed (a restarted FFmpeg would otherwise count as negative or partial time).
 */
export function startCpuWindow(pids: () => number[], others: Record<string, number> = {}): () => CpuWindow {
  const t0 = process.hrtime.bigint();
  const self0 = process.cpuUsage();
  const start = new Map<number, number>();
  for (const pid of pids()) {
    const s = procCpuSeconds(pid);
    if (s !== null) start.set(pid, s);
  }
  const other0: Record<string, number | null> = {};
  for (const [label, pid] of Object.entries(others)) other0[label] = procCpuSeconds(pid);
  return () => {
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const self = process.cpuUsage(self0);
    const endPids = new Set(pids());
    let sum = 0;
    const lost: number[] = [];
    for (const [pid, s0] of start) {
      const s1 = endPids.has(pid) ? procCpuSeconds(pid) : null;
      if (s1 === null) lost.push(pid);
      else sum += s1 - s0;
    }
    const out: Record<string, number | null> = {};
    for (const [label, pid] of Object.entries(others)) {
      const a = other0[label];
      const b = procCpuSeconds(pid);
      out[label] = a === null || a === undefined || b === null ? null : ((b - a) / wallS) * 100;
    }
    return {
      wallS,
      selfPct: ((self.user + self.system) / 1e6 / wallS) * 100,
      pidsPct: (sum / wallS) * 100,
      lostPids: lost,
      others: out,
    };
  };
}
