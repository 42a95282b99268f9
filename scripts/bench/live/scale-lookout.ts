/**
 * Child process of bench:scale: Lookout alone in its own Node process (as `lookout serve` runs it), so
 * the supervisor's CPU, RSS and event-loop delay are Lookout's and not the harness's. Started fresh for
 * every N so no step inherits the previous one's heap. Talks JSON lines: reads commands on stdin, prints
 * events on stdout.
 *
 *   node --import tsx scale-lookout.ts <config.json>      (the raw config; data_dir inside it)
 *   BENCH_GATEWAY=1: with the MediaMTX gateway (bench:peers' WebRTC row); its pid is in the ready event.
 *
 * Commands: {"cmd":"status"} → {"event":"status",live,states,pids}
 *           {"cmd":"window-start"} / {"cmd":"window-end"} → {"event":"window",...} (CPU, RSS, event-loop
 *             delay, hub fragment lateness, restarts, bitrate over the window)
 *           {"cmd":"profile-start"} / {"cmd":"profile-stop","path":...} (V8 CPU profile of a window)
 *           {"cmd":"heap-snapshot","path":...} → {"event":"heap-snapshot-written"} (V8 heap snapshot)
 * Exits (after stopping Lookout) when stdin closes.
 *
 * Fragment lateness, measured where every output (recorder, MSE, LL-HLS) gets it: a counting hub reader
 * per key takes Date.now() − decode time of each fragment it is handed, minus the smallest such value
 * seen for that key: how much later than its own best cadence a fragment reached the hub's readers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { writeHeapSnapshot } from 'node:v8';
import { resolveConfig } from '../../../addon/src/config/index.js';
import { streamKey, type StreamKey } from '../../../addon/src/contracts/stream-key.js';
import { silentLogger } from '../../../addon/src/lib/log.js';
import { startLookout } from '../../../addon/src/main.js';
import { loopbackGateway, mediamtxBinary } from '../../../test/helpers/gateway.js';

const raw = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as {
  server: { data_dir: string };
  cameras: Array<{ id: string }>;
};
const resolved = resolveConfig(raw, { env: {}, baseDir: raw.server.data_dir });
if (!resolved.ok) throw new Error(`config invalid: ${JSON.stringify(resolved.errors)}`);
const app = await startLookout({
  config: resolved.config,
  log: silentLogger(),
  listen: { host: '127.0.0.1', port: 0 },
  mqtt: false,
  // BENCH_GATEWAY=1: the cameras through the MediaMTX gateway, as `lookout serve` and the add-on run them
  // (WebRTC comes from it).
  gateway:
    process.env.BENCH_GATEWAY === '1'
      ? { binary: mediamtxBinary(), listen: await loopbackGateway(), required: true }
      : false,
});
const sup = app.supervisor;
const keys: StreamKey[] = raw.cameras.map((c) => streamKey(c.id, 'main'));

// Hub lateness per key (by generation: a restart starts a new timeline).
const best = new Map<string, number>();
let late: number[] = [];
for (const key of keys) {
  sup.hub(key).subscribe({
    name: 'bench:scale lateness',
    write: (ev) => {
      if (ev.type !== 'fragment') return;
      const id = `${key.camera}:${ev.fragment.generation}`;
      const d = Date.now() - ev.fragment.decodeTimeS * 1000;
      const b = Math.min(best.get(id) ?? Infinity, d);
      best.set(id, b);
      late.push(d - b);
    },
  });
}

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
let rssMax = 0;
setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 250).unref();

const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const pids = () => keys.map((k) => sup.status(k).pid).filter((p): p is number => p !== null);
const spawns = () => keys.reduce((a, k) => a + sup.status(k).counters.spawns, 0);
const q = (xs: number[], p: number) =>
  xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : null;

let w0: { t: bigint; cpu: NodeJS.CpuUsage; spawns: number } | null = null;
let session: Session | null = null;

createInterface({ input: process.stdin }).on('line', (line) => {
  void (async () => {
    const msg = JSON.parse(line) as { cmd: string; path?: string };
    if (msg.cmd === 'status') {
      const states: Record<string, number> = {};
      for (const k of keys) {
        const s = sup.status(k).state;
        states[s] = (states[s] ?? 0) + 1;
      }
      emit({ event: 'status', live: states.live ?? 0, states, pids: pids() });
    } else if (msg.cmd === 'window-start') {
      eld.reset();
      rssMax = process.memoryUsage.rss();
      late = [];
      w0 = { t: process.hrtime.bigint(), cpu: process.cpuUsage(), spawns: spawns() };
      emit({ event: 'window-started', pids: pids() });
    } else if (msg.cmd === 'window-end' && w0) {
      const wallS = Number(process.hrtime.bigint() - w0.t) / 1e9;
      const cpu = process.cpuUsage(w0.cpu);
      const xs = [...late].sort((a, b) => a - b);
      const rates = keys
        .map((k) => sup.status(k).progress.bitrateKbps)
        .filter((b) => Number.isFinite(b) && b > 0);
      const mem = process.memoryUsage();
      if (process.env.SMAPS_DUMP)
        writeFileSync(process.env.SMAPS_DUMP, readFileSync('/proc/self/smaps', 'utf8'));
      // Where the memory is: what the hubs' windows and their readers' queues hold, against V8's
      // heap and the buffers outside it (rss − heapTotal − external ≈ native: code, malloc, stacks).
      let windowMB = 0;
      let queuedMB = 0;
      for (const k of keys) {
        const st = sup.hub(k).status();
        windowMB += st.window.bytes / 2 ** 20;
        for (const r of st.readers) queuedMB += r.queuedBytes / 2 ** 20;
      }
      emit({
        event: 'window',
        wallS,
        cpuPct: ((cpu.user + cpu.system) / 1e6 / wallS) * 100,
        rssMaxMB: rssMax / 2 ** 20,
        heapUsedMB: mem.heapUsed / 2 ** 20,
        externalMB: mem.external / 2 ** 20, // includes arrayBuffers
        memory: {
          rssMB: mem.rss / 2 ** 20,
          heapTotalMB: mem.heapTotal / 2 ** 20,
          heapUsedMB: mem.heapUsed / 2 ** 20,
          externalMB: mem.external / 2 ** 20,
          arrayBuffersMB: mem.arrayBuffers / 2 ** 20,
          hubWindowsMB: windowMB,
          readerQueuesMB: queuedMB,
        },
        eldP50Ms: eld.percentile(50) / 1e6,
        eldP99Ms: eld.percentile(99) / 1e6,
        eldMaxMs: eld.max / 1e6,
        lateness: {
          n: xs.length,
          p50: q(xs, 0.5),
          p99: q(xs, 0.99),
          max: xs.length ? xs[xs.length - 1] : null,
        },
        restarts: spawns() - w0.spawns,
        bitrateKbps: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
        pids: pids(),
      });
    } else if (msg.cmd === 'heap-snapshot' && msg.path) {
      writeHeapSnapshot(msg.path);
      emit({ event: 'heap-snapshot-written', path: msg.path });
    } else if (msg.cmd === 'profile-start') {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 500 });
      await session.post('Profiler.start');
      emit({ event: 'profile-started' });
    } else if (msg.cmd === 'profile-stop' && session && msg.path) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(msg.path, JSON.stringify(profile));
      session.disconnect();
      session = null;
      emit({ event: 'profile-written', path: msg.path });
    }
  })().catch((err: Error) => emit({ event: 'error', message: err.message }));
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void app
    .stop()
    .catch(() => {})
    .finally(() => {
      emit({ event: 'stopped' });
      process.exit(0);
    });
};
process.stdin.on('close', stop);
process.on('SIGTERM', stop);
emit({ event: 'ready', url: app.url, pid: process.pid, gatewayPid: app.gateway?.pid ?? null });
