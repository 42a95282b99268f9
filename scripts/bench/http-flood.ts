/**
 * npm run bench:http-flood — what a flooding client on the LAN gets from `lookout serve` with the
 * product defaults (a config with no cameras, MQTT and MediaMTX off so nothing else is measured):
 *   - slow bodies: 50 POSTs whose bodies never complete; how many connections are still open after
 *     5, 10, 20 and 30 s (SECONDS overrides the last);
 *   - WebSocket flood: 500 upgrades to /api/ws from one address, then 500 spread over 10 loopback
 *     addresses; how many stay open, and Lookout's RSS before and after.
 * LOOKOUT_APP=<dir> measures another checkout (e.g. main) with the same script. Prints a table and
 * writes bench-results/http-flood.json. Not a test: it asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';

const APP = resolve(process.env.LOOKOUT_APP ?? '.');
const LAST_S = Number(process.env.SECONDS ?? 30);
const CHECKS_S = [5, 10, 20, LAST_S].filter((s, i, a) => s <= LAST_S && a.indexOf(s) === i);
const SOCKETS = Number(process.env.SOCKETS ?? 500);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-flood-'));
const port = await freePort();
writeFileSync(
  join(dir, 'lookout.yaml'),
  `server: { host: 127.0.0.1, port: ${port}, data_dir: ${dir}/data }\nmqtt: { enabled: false }\ncameras: []\n`,
);
const child = spawn(
  process.execPath,
  [
    join(APP, 'node_modules/tsx/dist/cli.mjs'),
    join(APP, 'addon/src/cli/main.ts'),
    'serve',
    '--config',
    join(dir, 'lookout.yaml'),
  ],
  {
    cwd: APP,
    env: { ...process.env, LOOKOUT_MEDIAMTX: 'off', LOOKOUT_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
child.stdout.resume();
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/api/health`)).ok) break;
  } catch {
    if (i > 300) throw new Error('Lookout did not start');
  }
  await sleep(100);
}
// The pid that listens: tsx runs main.ts in a child of its own.
const pids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'latin1').trim().split(/\s+/);
const pid = Number(pids[0] || child.pid);
await sleep(1000);

// Slow bodies.
const slow: Socket[] = [];
for (let i = 0; i < 50; i++) {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  s.write(
    `POST /api/streams/x/main/leases HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ho`,
  );
  slow.push(s);
}
const t0 = Date.now();
const openAfter: Record<string, number> = {};
for (const s of CHECKS_S) {
  await sleep(t0 + s * 1000 - Date.now());
  openAfter[`${s}s`] = slow.filter((x) => !x.destroyed && !x.closed && !x.readableEnded).length;
}
for (const s of slow) s.destroy();

// WebSocket flood.
async function flood(addresses: number): Promise<{ open: number; refused: number; rssAfterMb: number }> {
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from(
      { length: SOCKETS },
      (_, i) =>
        new Promise<void>((done) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, {
            localAddress: `127.0.0.${1 + (i % addresses)}`,
          });
          sockets.push(ws);
          ws.once('open', () => done());
          ws.once('unexpected-response', () => done());
          ws.once('error', () => done());
          ws.once('close', () => done());
        }),
    ),
  );
  await sleep(1500);
  const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
  const rssAfterMb = rssMb(pid);
  for (const s of sockets) s.terminate();
  await sleep(1500);
  return { open, refused: SOCKETS - open, rssAfterMb };
}
const rssBeforeMb = rssMb(pid);
const oneAddress = await flood(1);
const tenAddresses = await flood(10);
const metrics = await (await fetch(`${base}/metrics`)).text();
const drops = [...metrics.matchAll(/^lookout_http_dropped_total\{reason="(\w+)"\} (\d+)$/gm)]
  .filter((m) => m[2] !== '0')
  .map((m) => `${m[1]}=${m[2]}`)
  .join(' ');
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));

const result = {
  app: APP,
  loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  slowBodies: { connections: 50, openAfter },
  websockets: { attempts: SOCKETS, rssBeforeMb, oneAddress, tenAddresses },
  drops,
};
console.log(`\nHTTP flood (${APP}; loadavg ${result.loadavg.join(' ')})`);
console.log(`| slow POST bodies (50) | ${CHECKS_S.map((s) => `open after ${s} s`).join(' | ')} |`);
console.log(`| | ${CHECKS_S.map((s) => openAfter[`${s}s`]).join(' | ')} |`);
console.log(`| WebSockets (${SOCKETS}) | open | refused | RSS before → after (MB) |`);
console.log(
  `| one address | ${oneAddress.open} | ${oneAddress.refused} | ${rssBeforeMb} → ${oneAddress.rssAfterMb} |`,
);
console.log(
  `| 10 addresses | ${tenAddresses.open} | ${tenAddresses.refused} | ${rssBeforeMb} → ${tenAddresses.rssAfterMb} |`,
);
console.log(`drops counted in /metrics: ${drops || 'none'}`);
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/http-flood.json', JSON.stringify(result, null, 2));
