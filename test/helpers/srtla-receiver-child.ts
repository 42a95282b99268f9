/**
 * The receiver alone in a process (benchmarks measure its CPU; the network-namespace test runs it
 * inside a namespace): argv <listen host> <target host> <target port>. Prints its port on stdout,
 * answers a `stats` line on stdin with one JSON line of its stats, stops when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startTestReceiver } from './srtla-receiver.js';

const [host = '127.0.0.1', targetHost = '127.0.0.1', targetPort = '0'] = process.argv.slice(2);
const rx = await startTestReceiver({ host, target: { host: targetHost, port: Number(targetPort) } });
process.stdout.write(`${rx.port}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (l) => {
  if (l.trim() === 'stats') process.stdout.write(`${JSON.stringify(rx.stats())}\n`);
});
lines.on('close', () => void rx.stop().then(() => process.exit(0)));
