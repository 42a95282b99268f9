/**
 * The receiver alone in a process (benchmarks measure its CPU; the network-namespace test runs it
 * inside a namespace): argv <listen host> <target host> <target port>. Prints its port on stdout,
 * answers a `stats` line on stdin with one JSON line of its stats, stops when stdin closes.
 */
import { createInterface } from 'node:readline';
import { silentLogger } from '../../addon/src/lib/log.js';
import { DEFAULT_SRTLA_SETTINGS } from '../../addon/src/sources/srtla/limits.js';
import { SrtlaReceiver } from '../../addon/src/sources/srtla/receiver.js';

const [host = '127.0.0.1', targetHost = '127.0.0.1', targetPort = '0'] = process.argv.slice(2);
const rx = new SrtlaReceiver({
  camera: 'child',
  profile: 'main',
  host,
  port: 0,
  target: { host: targetHost, port: Number(targetPort) },
  streamId: null,
  settings: { ...DEFAULT_SRTLA_SETTINGS, enabled: true },
  log: silentLogger(),
});
await rx.start();
process.stdout.write(`${rx.port}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (l) => {
  if (l.trim() === 'stats') process.stdout.write(`${JSON.stringify(rx.stats())}\n`);
});
lines.on('close', () => void rx.stop().then(() => process.exit(0)));
