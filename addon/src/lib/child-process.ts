/**
 * The one way Lookout starts a child process (FIELD-NOTES #1, #2). Every spawn in the product goes
 * through here, so the process rules are written once:
 *
 * - **Own process group** (`detached`): a stop reaches the child and anything it forks, and a Ctrl-C
 *   in the terminal reaches Lookout only, which then stops its children in order.
 * - **Minimal environment**: `PATH` and `LANG=C` unless `env` is given; our tokens never leak.
 * - **Every pipe drained**: stdout, stderr and each extra fd are always read, whether or not the
 *   caller listens (an unread pipe fills and hangs the child). The last 4 KiB of stderr are kept.
 * - **Exit awaited**: `exited` settles only after the process was reaped and its pipes closed, and
 *   never rejects (a spawn failure such as ENOENT is an exit with `spawnError`).
 * - **SIGTERM, then SIGKILL** to the group after a grace (`stop()`); `timeoutMs` sends SIGKILL at once
 *   (a child past its deadline is hung, not asked politely).
 * - **PID records**: with `records`, the PID is added on spawn and removed once the exit is confirmed
 *   (the supervisor's `pid-registry.ts` implements it, to end a crashed predecessor's leftovers).
 *
 * API:
 *   spawnChild(opts) → ChildProcess   long-lived children (FFmpeg per stream, decoders, servers)
 *   runChild(opts)   → Promise<RunResult>   one-shot: optional stdin bytes in, stdout bytes out
 *   signalGroup(pid, signal)          signal a group we own (also for records of a crashed run)
 *   lineSplitter(onLine)              turns chunk callbacks into whole lines
 *   describeExit(exit)                "exit 1", "signal SIGKILL (timeout)", "could not start: …"
 *
 * execa (on the design card) does the spawning; this module adds the group, the draining, the
 * stop ladder and the records around it.
 */
import { execa } from 'execa';
import type { Readable, Writable } from 'node:stream';

export interface ChildRecords {
  add(pid: number, label: string): void;
  remove(pid: number): void;
}

export interface ChildOptions {
  file: string;
  args: readonly string[];
  /** The whole environment of the child. Default: `PATH` (ours) and `LANG=C`. */
  env?: Record<string, string | undefined>;
  /** 'pipe' when the caller writes to `stdin`. Default 'ignore'. */
  stdin?: 'pipe' | 'ignore';
  /** Extra output pipes after stderr (fd 3, 4, …), delivered to `onFd`. Default 0. */
  extraFds?: number;
  /**
   * Extra input pipes after those (the talkback mixer feeds one FFmpeg input per fd, `pipe:N`),
   * written through `inputs`. Default 0.
   */
  inputFds?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  onFd?: (fd: number, chunk: Buffer) => void;
  /** SIGKILL to the group after this long (the exit then says `timedOut`). Default: none. */
  timeoutMs?: number;
  /** SIGTERM → SIGKILL grace of `stop()` when it is called without one. Default 2000 ms. */
  killGraceMs?: number;
  records?: ChildRecords;
  /** What `records` stores with the PID (e.g. the stream key). Default: the file name. */
  label?: string;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES, …). */
  spawnError: string | null;
  /** The `timeoutMs` deadline passed and the group was killed. */
  timedOut: boolean;
  /** Last 4 KiB of stderr (not redacted: the caller knows what the child may print). */
  stderrTail: string;
}

const STDERR_TAIL_BYTES = 4096;

export class ChildProcess {
  /** -1 when the spawn failed (then `exited` has `spawnError`). */
  readonly pid: number;
  /** Present with `stdin: 'pipe'`. Write errors (EPIPE when the child exits first) are swallowed. */
  readonly stdin: Writable | null;
  /** One per `inputFds`, fd 3 + extraFds onwards. Write errors (EPIPE) are swallowed like stdin's. */
  readonly inputs: Writable[];
  /** Settles once the process is reaped and every pipe has closed; never rejects. */
  readonly exited: Promise<ChildExit>;
  private exit: ChildExit | null = null;
  private stderrTail = '';
  private timedOut = false;
  private readonly killGraceMs: number;

  constructor(opts: ChildOptions) {
    this.killGraceMs = opts.killGraceMs ?? 2000;
    const extra = Array.from({ length: (opts.extraFds ?? 0) + (opts.inputFds ?? 0) }, () => 'pipe' as const);
    const outputs = opts.extraFds ?? 0;
    const child = execa(opts.file, [...opts.args], {
      stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe', ...extra],
      buffer: false,
      reject: false,
      detached: true,
      extendEnv: false,
      env: opts.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' },
      stripFinalNewline: false,
    });
    this.pid = child.pid ?? -1;
    this.stdin = opts.stdin === 'pipe' ? (child.stdin as Writable) : null;
    this.stdin?.on('error', () => undefined);

    const { onStdout, onStderr, onFd } = opts;
    (child.stdout as Readable).on('data', (c: Buffer) => onStdout?.(c));
    (child.stderr as Readable).on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      onStderr?.(c);
    });
    for (let fd = 3; fd < 3 + outputs; fd++) {
      (child.stdio[fd] as Readable | undefined)?.on('data', (c: Buffer) => onFd?.(fd, c));
    }
    this.inputs = [];
    for (let fd = 3 + outputs; fd < 3 + extra.length; fd++) {
      const w = child.stdio[fd] as unknown as Writable & Readable;
      w.on('error', () => undefined);
      // A socketpair: drain the read side too, whatever the child does with it.
      w.resume?.();
      this.inputs.push(w);
    }

    const label = opts.label ?? opts.file;
    if (this.pid > 0) opts.records?.add(this.pid, label);
    const timer =
      opts.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            this.timedOut = true;
            this.signal('SIGKILL');
          }, opts.timeoutMs);

    this.exited = child.then((result) => {
      if (timer) clearTimeout(timer);
      const noExit = typeof result.exitCode !== 'number' && !result.signal;
      const exit: ChildExit = {
        code: typeof result.exitCode === 'number' ? result.exitCode : null,
        signal: (result.signal as NodeJS.Signals | undefined) ?? null,
        spawnError:
          result.failed && noExit
            ? String(result.originalMessage || result.shortMessage || 'spawn failed')
            : null,
        timedOut: this.timedOut,
        stderrTail: this.stderrTail,
      };
      if (this.pid > 0) opts.records?.remove(this.pid);
      this.exit = exit;
      return exit;
    });
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Signals the whole group; a no-op once the exit is confirmed (the PID may be reused then). */
  signal(signal: NodeJS.Signals): void {
    if (this.pid <= 0 || this.exit) return;
    signalGroup(this.pid, signal);
  }

  /** Ends stdin (if piped), SIGTERM, SIGKILL after the grace; resolves once the exit is confirmed. */
  async stop(graceMs = this.killGraceMs): Promise<ChildExit> {
    if (this.exit) return this.exit;
    if (this.stdin && !this.stdin.destroyed) this.stdin.end();
    for (const w of this.inputs) if (!w.destroyed) w.end();
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function spawnChild(opts: ChildOptions): ChildProcess {
  return new ChildProcess(opts);
}

export interface RunResult extends ChildExit {
  stdout: Buffer;
}

/**
 * One-shot child: writes `input` (if any) to stdin and closes it, collects stdout (at most
 * `maxStdoutBytes`, default 64 MiB; beyond that the child is killed), awaits the exit.
 */
export async function runChild(
  opts: Omit<ChildOptions, 'stdin' | 'onStdout'> & { input?: Buffer; maxStdoutBytes?: number },
): Promise<RunResult> {
  const out: Buffer[] = [];
  let size = 0;
  const max = opts.maxStdoutBytes ?? 64 * 1024 * 1024;
  const child = spawnChild({
    ...opts,
    stdin: opts.input ? 'pipe' : 'ignore',
    onStdout: (c) => {
      size += c.length;
      if (size > max) child.signal('SIGKILL');
      else out.push(c);
    },
  });
  child.stdin?.end(opts.input);
  const exit = await child.exited;
  return { ...exit, stdout: Buffer.concat(out) };
}

/**
 * Signals a process group we started (falls back to the PID alone if the group is gone); returns
 * false when neither exists. Never call it with a PID we did not start or record.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Chunk callback → whole-line callback (for line protocols on a child's stdout or stderr). */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  };
}

/** Short human text for an exit, for logs and error messages. */
export function describeExit(exit: ChildExit): string {
  if (exit.spawnError) return `could not start: ${exit.spawnError}`;
  const how = exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`;
  return exit.timedOut ? `${how} (timeout)` : how;
}
