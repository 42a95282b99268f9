/**
 * Processes the scale and peer benchmarks start beside Lookout: the real MediaMTX with a config we
 * write (a relay in bench:scale, its LL-HLS with defaults in bench:peers), go2rtc (bench:peers), and a
 * JSON-lines child (scale-lookout.ts, ws-viewers.mjs). All through lib/child-process.ts: own process
 * group, pipes drained, exit awaited, SIGTERM then SIGKILL to the PID we started.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineSplitter, spawnChild, type ChildProcess } from '../../../addon/src/lib/child-process.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface JsonChild {
  child: ChildProcess;
  pid: number;
  /** Sends one JSON command line. */
  send(msg: Record<string, unknown>): void;
  /** Resolves with the next event of that name (after now). */
  next(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The last event of that name seen, if any. */
  last(event: string): Record<string, unknown> | undefined;
  stderrTail(): string;
  stop(): Promise<void>;
}

/** A child that speaks JSON lines on stdout and takes commands on stdin (closing stdin ends it). */
export function jsonChild(
  file: string,
  args: string[],
  label: string,
  env?: Record<string, string | undefined>,
): JsonChild {
  const waiters: Array<{ event: string; resolve: (e: Record<string, unknown>) => void }> = [];
  const lastSeen = new Map<string, Record<string, unknown>>();
  const tail: string[] = [];
  const child = spawnChild({
    file,
    args,
    label,
    stdin: 'pipe',
    killGraceMs: 15_000,
    ...(env ? { env } : {}),
    onStdout: lineSplitter((line) => {
      let ev: Record<string, unknown>;
      try {
        ev = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const name = String(ev.event);
      lastSeen.set(name, ev);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.event === name) waiters.splice(i, 1)[0]!.resolve(ev);
      }
    }),
    onStderr: lineSplitter((line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }),
  });
  child.stdin?.on('error', () => {});
  return {
    child,
    pid: child.pid,
    send: (msg) => child.stdin?.write(JSON.stringify(msg) + '\n'),
    next: (event, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(
          () =>
            reject(
              new Error(
                `${label}: no "${event}" within ${timeoutMs} ms; stderr: ${tail.slice(-10).join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          event,
          resolve: (e) => {
            clearTimeout(t);
            resolve(e);
          },
        });
        void child.exited.then(() => {
          clearTimeout(t);
          reject(new Error(`${label} exited; stderr: ${tail.slice(-10).join('\n')}`));
        });
      }),
    last: (event) => lastSeen.get(event),
    stderrTail: () => tail.join('\n'),
    stop: async () => {
      child.stdin?.end();
      const t = setTimeout(() => void child.stop(), 20_000);
      await child.exited;
      clearTimeout(t);
    },
  };
}

export interface PeerProcess {
  pid: number;
  stop(): Promise<void>;
  stderrTail(): string;
}

/** Starts a server binary with a config file written into a fresh temp folder; resolves once `ready()` holds. */
export async function startServer(opts: {
  binary: string;
  label: string;
  configName: string;
  config: string;
  /** Arguments; `{config}` is replaced by the config file's path. */
  args: string[];
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}): Promise<PeerProcess> {
  const dir = mkdtempSync(join(tmpdir(), `lookout-bench-${opts.label}-`));
  const cfg = join(dir, opts.configName);
  writeFileSync(cfg, opts.config);
  const tail: string[] = [];
  const keep = lineSplitter((line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  });
  const child = spawnChild({
    file: opts.binary,
    args: opts.args.map((a) => a.replace('{config}', cfg)),
    label: opts.label,
    stdin: 'ignore',
    onStdout: keep,
    onStderr: keep,
  });
  let exited = false;
  void child.exited.then(() => (exited = true));
  const t0 = Date.now();
  while (!(await opts.ready().catch(() => false))) {
    if (exited) throw new Error(`${opts.label} exited at start: ${tail.join('\n')}`);
    if (Date.now() - t0 > (opts.readyTimeoutMs ?? 20_000)) {
      await child.stop();
      throw new Error(`${opts.label} not ready: ${tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid,
    stop: async () => {
      await child.stop();
    },
    stderrTail: () => tail.join('\n'),
  };
}
