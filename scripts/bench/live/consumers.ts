/**
 * Simulated viewers for the CPU cases of bench:live (no browser):
 *   - 'hub': an in-process hub reader per key that only counts bytes (the supervisor's own cost of
 *     pulling and splitting the stream, with a fan-out that costs next to nothing);
 *   - 'ws':  a child Node process (ws-consumers.mjs) with one WebSocket to /api/ws subscribed to every
 *     key, so the MSE framing and socket writes are part of the supervisor's cost and the receiving
 *     side is not (it is measured separately as "consumers").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StreamKey } from '../../../addon/src/contracts/stream-key.js';
import type { HubReader } from '../../../addon/src/hub/index.js';
import type { Supervisor } from '../../../addon/src/supervisor/supervisor.js';

export interface Consumers {
  /** PID of the consuming process, when it is not this one. */
  pid: number | null;
  bytes(): number;
  close(): Promise<void>;
}

export function hubConsumers(sup: Supervisor, keys: StreamKey[]): Consumers {
  let bytes = 0;
  const readers: HubReader[] = keys.map((key) =>
    sup.hub(key).subscribe({
      name: 'bench:live',
      write: (ev) => {
        if (ev.type === 'fragment') bytes += ev.fragment.byteLength;
      },
    }),
  );
  return {
    pid: null,
    bytes: () => bytes,
    close: async () => {
      for (const r of readers) r.close();
    },
  };
}

export async function wsConsumers(wsUrl: string, keys: string[]): Promise<Consumers> {
  const script = fileURLToPath(new URL('./ws-consumers.mjs', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [script, wsUrl, keys.join(',')], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.stdin?.on('error', () => {});
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    stderr.push(l);
    if (stderr.length > 20) stderr.shift();
  });
  let last: { bytes?: number } = {};
  let onOpen: () => void = () => {};
  const opened = new Promise<void>((resolve) => (onOpen = resolve));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      const msg = JSON.parse(l) as { event: string; bytes?: number };
      if (msg.event === 'open') onOpen();
      if (msg.event === 'stats') last = msg;
    } catch {
      /* not ours */
    }
  });
  const kill = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  const close = async () => {
    child.stdin?.end();
    const t = setTimeout(() => kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  };
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`ws consumers did not connect: ${stderr.join('\n')}`)), 10_000).unref(),
  );
  try {
    await Promise.race([
      opened,
      timeout,
      exited.then(() => Promise.reject(new Error(`ws consumers exited: ${stderr.join('\n')}`))),
    ]);
  } catch (err) {
    await close();
    throw err;
  }
  return { pid: child.pid ?? null, bytes: () => last.bytes ?? 0, close };
}
